"""Which reverse proxies the hub believes: the caller's address and request id behind them.

A client can put anything in ``X-Forwarded-For`` and ``X-Request-Id``. The hub reads them only
from peers in ``HUB_TRUSTED_PROXIES`` (addresses or networks); from anyone else the peer
address is the client and the headers are ignored. Behind a chain of trusted proxies the
client is the right-most ``X-Forwarded-For`` address that is not itself a trusted proxy (the
left part of the header is whatever the client wrote).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Networks from addresses or CIDR blocks; ValueError names the first bad one."""
    out = []
    for raw in values:
        value = raw.strip()
        if not value:
            continue
        try:
            out.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(
                f"{value!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/24)"
            ) from None
    return tuple(out)


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _peer(scope: Mapping[str, Any]) -> str | None:
    """The address of the ASGI scope's peer (``client`` is ``(host, port)`` or absent)."""
    peer = scope.get("client")
    return str(peer[0]) if peer else None


class Proxies:
    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)

    def _trusted(self, address: str | None) -> bool:
        if not self.networks:
            return False  # no proxy configured (the default): nothing to parse
        ip = _address(address) if address else None
        return ip is not None and any(ip in n for n in self.networks)

    def trusts(self, scope: Mapping[str, Any]) -> bool:
        return self._trusted(_peer(scope))

    def client(self, scope: Mapping[str, Any]) -> str | None:
        address = _peer(scope)
        if not self.trusts(scope):
            return address
        forwarded: list[str] = [
            value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name == b"x-forwarded-for"
        ]
        hops = [h.strip() for line in forwarded for h in line.split(",")]
        for hop in reversed(hops):
            if _address(hop) is None:
                return address  # a malformed hop: stop believing the header
            if not self._trusted(hop):
                return hop
            address = hop
        return address
