"""Who is asking over HTTP: the server-signed web cookie and the client's address.

The limits key on these, never on a string the client chooses: a `session` in the body
keeps a conversation's context, but a new one does not buy new questions.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

from aiohttp import web

COOKIE = "pb_visitor"
COOKIE_MAX_AGE = 365 * 86_400  # seconds
_SIG = 32  # hex characters of the signature kept

Network = IPv4Network | IPv6Network


def _signature(key: bytes, visitor: str) -> str:
    return hmac.new(key, f"visitor:{visitor}".encode(), "sha256").hexdigest()[:_SIG]


def sign(key: bytes, visitor: str) -> str:
    """The cookie value for a visitor id."""
    return f"{visitor}.{_signature(key, visitor)}"


def visitor_of(request: web.Request, key: bytes) -> str | None:
    """The visitor id of a request whose cookie the server signed, else None."""
    value = request.cookies.get(COOKIE, "")
    visitor, _, given = value.partition(".")
    if not visitor or len(visitor) > 64 or not given:
        return None
    expected = _signature(key, visitor)
    if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode()):
        return None
    return visitor


def new_visitor() -> str:
    return secrets.token_hex(16)


def give_cookie(response: web.StreamResponse, request: web.Request, key: bytes,
                visitor: str) -> None:  # fmt: skip
    """Send the visitor's signed cookie (HttpOnly: the page's script never sees it)."""
    response.set_cookie(
        COOKIE, sign(key, visitor), max_age=COOKIE_MAX_AGE, path="/", httponly=True,
        samesite="Lax", secure=request.secure,
    )  # fmt: skip


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address | None, proxies: Iterable[Network]) -> bool:
    return address is not None and any(address in net for net in proxies)


def client_address(request: web.Request, proxies: tuple[Network, ...]) -> str:
    """The address a request comes from. `X-Forwarded-For` is believed only when the
    connection comes from a trusted proxy, and then only up to the first address not
    itself a trusted proxy (the right-most such one: what our proxies saw)."""
    remote = request.remote or ""
    if not proxies or not _trusted(_parse(remote), proxies):
        return remote
    hops = [h for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return remote  # a forged or broken header: the proxy's own address
        if not _trusted(address, proxies):
            return str(address)
    return str(_parse(hops[0])) if hops else remote
