"""The client's address, behind the proxies we trust and no others.

``TRUSTED_PROXIES`` (settings, from the environment) lists the addresses or
networks of the reverse proxies in front of the web processes (the load
balancer, nginx). Only when the request comes straight from one of them is
its ``X-Forwarded-For`` read: the chain is walked from the right, past every
trusted proxy, and the first address that is not one is the client. A request
from anywhere else is answered by its own ``REMOTE_ADDR``: whatever
``X-Forwarded-For`` it sends is ignored, so no one can claim a fresh address.
With no trusted proxies (the default) ``X-Forwarded-For`` is never read.

The header is parsed with python-ipware (ports, IPv6 brackets, RFC 7239
``for=`` tokens, IPv4-mapped IPv6); the trust decision is ours, because
python-ipware's ``proxy_list`` trusts a chain by its own last hops, which the
sender writes, and never looks at the socket's address.

Used by the ``/declare/`` rate limit, by django-axes (``AXES_CLIENT_IP_CALLABLE``)
and by anything that records where a request came from.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest
from python_ipware.modern.parsers import parse_ip, split_proxy_chain, unwrap_ipv4

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry)


def trusted_networks(entries: Iterable[str] | None = None) -> tuple[Network, ...]:
    """``TRUSTED_PROXIES`` as networks (a bare address is a /32 or /128); ValueError if malformed."""
    if entries is None:
        entries = getattr(settings, "TRUSTED_PROXIES", [])
    return _networks(tuple(entries))


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    address = unwrap_ipv4(address)
    return any(address.version == net.version and address in net for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address as a string ("" if the request has none)."""
    remote = parse_ip(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return request.META.get("REMOTE_ADDR", "") or ""
    networks = trusted_networks()
    if not networks or not _trusted(remote, networks):
        return str(unwrap_ipv4(remote))
    # Not strict: what the client wrote on the left may be garbage; the right end is the proxies'.
    chain = split_proxy_chain(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if not chain:
        # A trusted proxy that passed no usable chain: the proxy is all we know.
        return str(unwrap_ipv4(remote))
    for hop in reversed(chain):
        if not _trusted(hop, networks):
            return str(unwrap_ipv4(hop))
    return str(unwrap_ipv4(chain[0]))
