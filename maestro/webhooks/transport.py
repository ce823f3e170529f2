"""One HTTP POST to an integrator's URL, with the SSRF guard. No ORM, no Django models.

The host is resolved once, every address is checked, and the connection goes to a checked
address (the Host header and TLS name stay the URL's host), so a DNS answer that changes
between the check and the connect cannot point the request at an internal service. Redirects
are never followed: http.client does not follow them, and a 3xx is reported like any other
non-2xx answer.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")
# Enough of a receiver's error answer to debug with; the rest is not read.
RESPONSE_EXCERPT_BYTES = 512


class TransportError(Exception):
    """The request could not be made or got no HTTP answer (refused, timed out, blocked)."""


class BlockedHostError(TransportError):
    """The URL's host is (or resolves to) a private, loopback, link-local or reserved address."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    excerpt: str
    location: str


def address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook URL, or None. Checks the form only (no DNS)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return "The URL must start with http:// or https://."
    if not parts.hostname:
        return "The URL has no host."
    if parts.username or parts.password:
        return "Credentials in the URL (user:password@) are not supported."
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return "The URL's port is not a number between 0 and 65535."
    return None


def host_is_literal_private(url: str) -> bool:
    """The URL names a private address outright (an IP literal or localhost): refused at
    configuration time already. Hostnames are checked when sending, after resolving."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not address_is_public(host)
    except ValueError:
        return False


def _resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TransportError(f"Cannot resolve {host}: {exc.strerror or exc}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise TransportError(f"Cannot resolve {host}: no address.")
    if not allow_private:
        blocked = [address for address in addresses if not address_is_public(address)]
        if blocked:
            raise BlockedHostError(
                f"{host} resolves to a non-public address ({', '.join(blocked)}); refused "
                "(WEBHOOKS_ALLOW_PRIVATE_HOSTS is off)."
            )
    return addresses


def _connect(addresses: list[str], port: int, timeout: float) -> socket.socket:
    last_error: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=timeout)
        except OSError as exc:
            last_error = exc
    assert last_error is not None
    raise last_error


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._addresses, self._timeout = addresses, timeout

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self._timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, *, addresses: list[str], timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self._tls)
        self._addresses, self._timeout = addresses, timeout

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self._timeout)
        # Certificate checked against the URL's host name, not the address connected to.
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(
    url: str, *, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool
) -> HttpAnswer:
    """POST `body`; return the answer whatever its status. `timeout` bounds the connect and
    each read. Raises TransportError (BlockedHostError for the SSRF guard)."""
    problem = url_problem(url)
    if problem:
        raise TransportError(problem)
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme.lower() == "https"
    port = parts.port or (443 if https else 80)
    addresses = _resolve(host, port, allow_private=allow_private)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    cls = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    connection = cls(host, port, addresses=addresses, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
        return HttpAnswer(
            status=response.status, excerpt=excerpt, location=response.getheader("Location", "")
        )
    except TimeoutError as exc:
        raise TransportError(f"Timed out after {timeout:g} s.") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise TransportError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
