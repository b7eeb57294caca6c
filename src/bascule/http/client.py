"""The client's address, for rate limits and sign-in throttling (issue 12).

Behind a reverse proxy every request comes from the proxy, and the client's address is in
``X-Forwarded-For``; without one, that header is whatever the client chose to send, and taking
it would let a client rotate it past every limit. So the header is read only when the request
comes from a proxy named in ``BASCULE_TRUSTED_PROXIES`` (addresses or networks, commas between),
and then from the right: the first address that is not one of those proxies is the client
(the ones further left were written by the client itself)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from fastapi import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(setting: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16"`` as networks; a malformed entry is a startup error."""
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False) for part in setting.split(",")
        if part.strip()
    )  # fmt: skip


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def address_of(peer: str, forwarded_for: str | None, networks: tuple[Network, ...]) -> str:
    """The client's address (pure): the peer, unless it is a trusted proxy."""
    if not networks or not _is_trusted(peer, networks) or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def client_address(request: Request) -> str:
    peer = request.client.host if request.client else "-"
    networks = trusted_networks(request.app.state.settings.trusted_proxies)
    return address_of(peer, request.headers.get("x-forwarded-for"), networks)
