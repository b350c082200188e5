"""Where the service may send its own HTTP calls (webhooks): SSRF protection.

A URL is ``http`` or ``https`` with a host and no credentials. Every address its host
resolves to must be global (public): a private, loopback, link-local, multicast, reserved or
unspecified one is refused, unless ``allow_private`` (everything) or ``allow_loopback``
(127.0.0.0/8 and ::1; development) says otherwise. An IPv4-mapped IPv6 address is judged as
the IPv4 address it maps; one that carries an IPv4 address to a translator or a tunnel
(NAT64's 64:ff9b::/96, 6to4, Teredo, IPv4-compatible and -translated) is allowed only if
the IPv4 address it carries is, since that is where the packets end up (Python 3.11's
``is_global`` passes them all). The local-use NAT64 prefix 64:ff9b:1::/48 is refused: its
operator chooses where in it the IPv4 address sits, and it is not globally reachable. A
refusal does not say what the host resolved to, nor whether it resolved: an admin key must
not learn the internal DNS from it. The check runs at registration and again at each
delivery, and the delivery connects to the very address checked (``Destination.address``),
so a DNS answer that changes between the check and the connection (rebinding) cannot slip
through.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

MAX_URL_LENGTH = 2048
SCHEMES = {"http": 80, "https": 443}
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
NOT_PUBLIC = "the URL's host does not resolve to public addresses only"
CARRYING_LOW_32_BITS = tuple(
    ipaddress.IPv6Network(net) for net in ("64:ff9b::/96", "::/96", "::ffff:0:0:0/96")
)
LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


class UnsafeDestination(ValueError):
    """A URL the service will not call."""


@dataclass(frozen=True)
class Destination:
    url: str
    host: str  # as the URL names it: the Host header and the TLS server name
    port: int
    address: str  # the checked address to connect to


def check_url(url: str) -> SplitResult:
    """The URL split, if its form is acceptable (nothing resolved yet)."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeDestination(f"the URL is longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError as error:
        raise UnsafeDestination(f"the URL is malformed: {error}") from None
    if parts.scheme not in SCHEMES:
        raise UnsafeDestination("only http and https URLs are allowed")
    if not parts.hostname:
        raise UnsafeDestination("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestination("the URL may not carry credentials")
    return parts


def resolve(url: str, *, allow_private: bool, allow_loopback: bool) -> Destination:
    """The URL's destination, each of its addresses checked; else ``UnsafeDestination``."""
    parts = check_url(url)
    host = parts.hostname or ""
    port = parts.port or SCHEMES[parts.scheme]
    addresses = _addresses(host, port)
    for address in addresses:
        if not is_allowed(address, allow_private=allow_private, allow_loopback=allow_loopback):
            raise UnsafeDestination(NOT_PUBLIC)
    return Destination(url=url, host=host, port=port, address=str(addresses[0]))


def is_allowed(address: Address, *, allow_private: bool, allow_loopback: bool) -> bool:
    if allow_private:
        return True
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return allow_loopback
    carried = carried_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else []
    return (
        address.is_global
        and not address.is_multicast
        and address not in LOCAL_NAT64
        and all(
            is_allowed(ipv4, allow_private=False, allow_loopback=allow_loopback) for ipv4 in carried
        )
    )


def carried_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address reaches through a translator or a tunnel: Teredo's
    server and client, 6to4's router, the low 32 bits of the NAT64 and IPv4-compatible forms."""
    if address.teredo is not None:
        return list(address.teredo)
    if address.sixtofour is not None:
        return [address.sixtofour]
    if any(address in network for network in CARRYING_LOW_32_BITS):
        return [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)]
    return []


def _addresses(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeDestination(NOT_PUBLIC) from None
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not found:
        raise UnsafeDestination(NOT_PUBLIC)
    return list(dict.fromkeys(found))
