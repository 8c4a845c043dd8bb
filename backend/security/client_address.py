"""Who is at the other end of a request: the one place that answers "from which address".

The socket's peer is the client unless it is a proxy listed in FOLLICLE_TRUSTED_PROXIES; then the
address that proxy appended to `X-Forwarded-For` is taken, and so on leftwards through further
trusted proxies. Entries a client wrote itself are never believed: only hops added by a trusted
proxy are read. Attempt limits, the audit trail ("from where") and logs all use `client_address`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from litestar.connection import ASGIConnection
from litestar.types import Scope

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "unknown"
_FORWARDED_FOR = b"x-forwarded-for"


class TrustedProxies:
    """The proxies whose `X-Forwarded-For` entries are believed: addresses or networks (CIDR)."""

    def __init__(self, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network] = ()) -> None:
        self.networks = tuple(networks)

    @classmethod
    def parse(cls, spec: str) -> TrustedProxies:
        """From `FOLLICLE_TRUSTED_PROXIES`: addresses or networks separated by commas or spaces."""
        networks = []
        for item in spec.replace(",", " ").split():
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(
                    f"FOLLICLE_TRUSTED_PROXIES: {item!r} is not an IP address or network (such as 10.0.0.0/8)"
                ) from None
        return cls(networks)

    def __contains__(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks if network.version == address.version)

    def __bool__(self) -> bool:
        return bool(self.networks)


def parse_address(text: str) -> IPAddress | None:
    """An address as proxies write it ("203.0.113.7", "203.0.113.7:5123", "[2001:db8::1]:443"),
    or None when it is not one. IPv4 mapped into IPv6 comes back as IPv4."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def resolve(peer: str | None, forwarded_for: Sequence[str], trusted: TrustedProxies) -> str:
    """The client's address from the socket peer and the `X-Forwarded-For` entries (left to right)."""
    current = parse_address(peer) if peer else None
    if current is None:
        return peer or UNKNOWN
    for entry in reversed(forwarded_for):
        if current not in trusted:
            break
        hop = parse_address(entry)
        if hop is None:  # a trusted proxy wrote something that is not an address: stop at that proxy
            break
        current = hop
    return str(current)


def forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> list[str]:
    """Every `X-Forwarded-For` entry, left to right, across repeated headers."""
    entries: list[str] = []
    for name, value in headers:
        if name.lower() == _FORWARDED_FOR:
            entries.extend(part for part in value.decode("latin-1").split(",") if part.strip())
    return entries


def scope_address(scope: Scope) -> str:
    """`client_address` from the raw ASGI scope (for middleware, before a connection object exists)."""
    peer = scope.get("client")
    app = scope.get("app")
    trusted = getattr(app.state, "trusted_proxies", None) if app is not None else None
    return resolve(peer[0] if peer else None, forwarded_for(scope.get("headers", [])), trusted or TrustedProxies())


def client_address(connection: ASGIConnection) -> str:
    """The address of whoever sent this request, as a string ("unknown" when the server has none)."""
    return scope_address(connection.scope)
