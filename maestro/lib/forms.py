"""Form helpers for the server-rendered pages: the one way a page view turns a service's
refusal into what the user sees (`form_errors`, `flash_errors`), and form fields."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest

from maestro.exceptions import DomainError
from maestro.lib.numbers import parse_decimal

ServiceError = DomainError | ValidationError


@dataclass
class ServiceCall:
    """What a `form_errors` / `flash_errors` block ended with: `error` is the refusal it
    caught, None when the service succeeded."""

    error: ServiceError | None = None
    skipped: dict[str, list[str]] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int:
        """The page's status: 200 after success, a DomainError's own (400, 403, 409), 400 for
        a ValidationError."""
        if self.error is None:
            return 200
        return self.error.status_code if isinstance(self.error, DomainError) else 400

    def skipped_errors(self, field: str) -> list[str]:
        """Messages of a field the call left off the form (`skip=`), for the view to show."""
        return (self.skipped or {}).get(field, [])


def error_messages(exc: ServiceError) -> str:
    """A refusal as one line: a DomainError's message, a ValidationError's messages joined."""
    return exc.message if isinstance(exc, DomainError) else "; ".join(exc.messages)


def form_add_service_errors(
    form, exc: ValidationError, *, rename: dict[str, str] | None = None
) -> None:
    """Attach a service's ValidationError to a page form: field-keyed messages on their
    fields (or on top when the form has no such field; `rename` maps a service's field to the
    form's), a plain message list on top."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    for field, field_errors in errors.items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, field_errors)


@contextmanager
def form_errors(
    form,
    *,
    field: str | Callable[[DomainError], str | None] | None = None,
    rename: dict[str, str] | None = None,
    skip: Iterable[str] = (),
    catch: tuple[type[ServiceError], ...] = (ValidationError, DomainError),
) -> Iterator[ServiceCall]:
    """Run a page's service call; show a refusal on `form`:

        with form_errors(form) as call:
            thing = services.thing_create(...)
        if call.ok:
            return redirect(thing)
        status = call.status

    A ValidationError's messages go on their fields (`form_add_service_errors`; the fields in
    `skip` are left to the view, see `ServiceCall.skipped_errors`); a DomainError's message
    goes on `field` (a name, or a function of the error) or on top of the form. Only the
    exception types in `catch` are caught."""
    call = ServiceCall()
    try:
        yield call
    except catch as exc:
        call.error = exc
        if isinstance(exc, DomainError):
            name = field(exc) if callable(field) else field
            form.add_error(name, exc.message)
        else:
            skip = set(skip)
            errors = exc.message_dict if hasattr(exc, "error_dict") else None
            if errors is not None and skip & errors.keys():
                call.skipped = {k: v for k, v in errors.items() if k in skip}
                exc = ValidationError({k: v for k, v in errors.items() if k not in skip})
                if not exc.error_dict:
                    return
            form_add_service_errors(form, exc, rename=rename)


@contextmanager
def flash_errors(request: HttpRequest) -> Iterator[ServiceCall]:
    """As `form_errors`, for a page action that answers with a redirect: the refusal is
    flashed as an error message (`error_messages`)."""
    call = ServiceCall()
    try:
        yield call
    except (ValidationError, DomainError) as exc:
        call.error = exc
        messages.error(request, error_messages(exc))


class DecimalField(forms.DecimalField):
    """Django's DecimalField taking only plain ASCII decimal text (maestro.lib.numbers):
    Python's Decimal() would read "１２３" and "1_000" as numbers."""

    def to_python(self, value):
        if value not in self.empty_values:
            try:
                parse_decimal(str(value))
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)
