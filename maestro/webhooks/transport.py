"""One HTTP POST to an integrator's URL, with the SSRF guard. No ORM, no Django models.

The host is resolved once, every address is checked, and the connection goes to a checked
address (the Host header and TLS name stay the URL's host), so a DNS answer that changes
between the check and the connect cannot point the request at an internal service. Redirects
are never followed: http.client does not follow them, and a 3xx is reported like any other
non-2xx answer.
"""

import http.client
import ipaddress
import re
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


# IPv6 forms that carry an IPv4 address in their last 32 bits: IPv4-compatible (::/96,
# deprecated) and the well-known NAT64 prefix (RFC 6052). IPv4-mapped, 6to4 and Teredo have
# their own properties on IPv6Address. The local-use NAT64 prefix 64:ff9b:1::/48 (RFC 8215) puts
# the IPv4 address where its operator chooses, so it is never public (ipaddress says so).
_LOW_32_BITS_CARRY_IPV4 = (
    ipaddress.IPv6Network("::/96"),
    ipaddress.IPv6Network("64:ff9b::/96"),
)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo):
    a packet to it ends up at one of them."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # (server, client)
    if any(ip in network for network in _LOW_32_BITS_CARRY_IPV4):
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # Site-local (fec0::/10) is deprecated but still routed inside some networks.
        return not ip.is_site_local and all(_is_public(v4) for v4 in _embedded_ipv4(ip))
    return True


def address_is_public(address: str) -> bool:
    """A global unicast address, and so is every IPv4 address it embeds: `::ffff:10.0.0.1`,
    `::127.0.0.1`, `64:ff9b::a9fe:a9fe` (NAT64 of 169.254.169.254), `2002:7f00:1::` (6to4) and
    site-local `fec0::1` are all private. Raises ValueError if `address` is no IP address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return _is_public(ip)


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


# What inet_aton reads as an IPv4 address besides dotted quads: 2130706433, 0x7f.1, 127.1.
_NUMERIC_HOST = re.compile(r"[0-9a-fx.]+")


def _literal_address(host: str) -> str | None:
    """The address `host` names without DNS (an IP literal, or a numeric IPv4 shorthand that
    the resolver would read as one), else None."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    else:
        return host
    if _NUMERIC_HOST.fullmatch(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def host_is_literal_private(url: str) -> bool:
    """The URL names a private address outright (an IP literal, a numeric IPv4 shorthand or
    localhost): refused at configuration time already. Hostnames are checked when sending,
    after resolving."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    address = _literal_address(host)
    return address is not None and not address_is_public(address)


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
