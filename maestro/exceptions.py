"""Domain errors raised by services. No DRF import: the API layer maps them to HTTP."""


class DomainError(Exception):
    """A rule of the domain refused the request (HTTP 400). `code` is stable for clients."""

    status_code = 400

    def __init__(self, message: str, *, code: str, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}


class NotPermitted(DomainError):
    """The user may see the object but not do this to it (HTTP 403)."""

    status_code = 403


class StateConflict(DomainError):
    """The object changed under the caller, or is in the wrong state (HTTP 409)."""

    status_code = 409
