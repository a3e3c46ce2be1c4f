"""Bounds on what a server can make the jar hold, and who is evicted to stay within them.

aiohttp's jar grows without bound: a hostile or buggy server can set cookies
until the client runs out of memory, and every request to that site then
carries a huge ``Cookie`` header. lamella bounds

- each cookie: name plus value at most 4,096 bytes (RFC 6265 section 6.1
  asks for at least that much; browsers refuse more);
- each *site* (registrable domain, ``example.co.uk`` for
  ``a.b.example.co.uk``): at most 180 cookies and 128 KiB of names and values,
  counted across all its hosts, so that subdomains cannot multiply the quota;
- the whole jar: at most 3,000 cookies.

When a new cookie does not fit, RFC 6265 section 5.3 lets the jar evict:
expired cookies go first, then the site's least recently used cookies
(``last_access``), non-``Secure`` before ``Secure`` (RFC 6265bis section 5.7).
A non-``Secure`` cookie never evicts a ``Secure`` one: it is dropped instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._storage import Entry

__all__ = ["CookieLimits", "pick_victims"]


@dataclass(frozen=True, slots=True)
class CookieLimits:
    """How much one jar keeps; pass ``CookieJar(limits=CookieLimits(...))`` to change it.

    Attributes:
        max_cookie_size: Bytes of name plus value (UTF-8) a cookie may have;
            larger cookies are ignored.
        max_cookies_per_site: Cookies kept for one registrable domain.
        max_bytes_per_site: Bytes of names and values kept for one
            registrable domain.
        max_cookies: Cookies kept in the whole jar.
    """

    max_cookie_size: int = 4096
    max_cookies_per_site: int = 180
    max_bytes_per_site: int = 128 * 1024
    max_cookies: int = 3000

    def __post_init__(self) -> None:
        for name in (
            "max_cookie_size",
            "max_cookies_per_site",
            "max_bytes_per_site",
            "max_cookies",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"CookieLimits.{name} must be a positive integer, got {value!r}")


def pick_victims(
    candidates: Iterable[Entry], *, count: int, size: int, secure: bool
) -> list[Entry] | None:
    """Choose cookies to evict so that ``count`` cookies and ``size`` bytes are freed.

    ``candidates`` are the cookies competing with the newcomer (one site's, or
    the whole jar's). Least recently used go first, non-``Secure`` before
    ``Secure``; ``Secure`` cookies are candidates only when the newcomer is
    ``Secure`` itself. Returns None when the room cannot be made, in which
    case the newcomer is dropped and nothing is evicted.
    """
    if count <= 0 and size <= 0:
        return []
    pool = [entry for entry in candidates if secure or not entry.secure]
    pool.sort(key=lambda entry: (entry.secure, entry.last_access))
    victims: list[Entry] = []
    for entry in pool:
        if count <= 0 and size <= 0:
            break
        victims.append(entry)
        count -= 1
        size -= entry.size
    if count > 0 or size > 0:
        return None
    return victims
