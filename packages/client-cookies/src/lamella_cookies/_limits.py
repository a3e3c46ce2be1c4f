"""Bounds on what a server can make the jar hold, and who is evicted to stay within them.

The defaults are aiohttp's (which follow Firefox), with two more bounds
lamella keeps for safety:

- each *site* (registrable domain, ``example.co.uk`` for
  ``a.b.example.co.uk``) holds at most 180 cookies, counted across all its
  hosts so that subdomains cannot multiply the quota (aiohttp counts per
  domain), and at most 128 KiB of names and values;
- a cookie whose name plus value exceeds 128 KiB is not stored (one longer
  than a ``Cookie`` header may be is stored and never sent, as in aiohttp).

When a new cookie finds its site full, the site is trimmed to its quota
(150): expired cookies go first, then the least recently used non-``Secure``
ones; ``Secure`` cookies are evicted only for another ``Secure`` cookie, and a
non-``Secure`` cookie arriving at a site full of ``Secure`` ones is dropped.
When the jar holds 3,300 cookies it is trimmed to 3,000, least recently used
first. A request carries at most 150 cookies and a ``Cookie`` header of at
most 8,190 bytes; the most specific cookies are sent first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._storage import Entry

__all__ = ["COOKIE_HEADER_PREFIX", "CookieLimits", "pick_victims"]

COOKIE_HEADER_PREFIX = len(b"Cookie: ")
"""Bytes of the header name and separator, counted in ``max_header_length``."""


@dataclass(frozen=True, slots=True)
class CookieLimits:
    """How much one jar keeps and sends; pass ``CookieJar(limits=CookieLimits(...))``.

    Attributes:
        max_cookie_size: Bytes of name plus value (UTF-8) a cookie may have;
            larger cookies are ignored. A stored cookie too long for
            ``max_header_length`` is never sent, as in aiohttp.
        max_cookies_per_site: Cookies kept for one registrable domain; a new
            cookie beyond it trims the site to ``cookie_quota_per_site``.
        cookie_quota_per_site: What a full site is trimmed down to (at most
            ``max_cookies_per_site``; a larger value is lowered to it).
        max_bytes_per_site: Bytes of names and values kept for one
            registrable domain.
        max_cookies: Cookies kept in the whole jar; a new cookie beyond it
            trims the jar to ``cookie_quota``.
        cookie_quota: What a full jar is trimmed down to (at most ``max_cookies``).
        max_cookies_per_request: Cookies one request carries at most.
        max_header_length: Bytes of the whole ``Cookie`` header line at most.
    """

    max_cookie_size: int = 128 * 1024
    max_cookies_per_site: int = 180
    cookie_quota_per_site: int = 150
    max_bytes_per_site: int = 128 * 1024
    max_cookies: int = 3300
    cookie_quota: int = 3000
    max_cookies_per_request: int = 150
    max_header_length: int = 8190

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(
                    f"CookieLimits.{field.name} must be a positive integer, got {value!r}"
                )
        # A quota above its maximum (say only max_cookies_per_site=4 given) is
        # the maximum: a full site or jar then loses one cookie per newcomer.
        if self.cookie_quota_per_site > self.max_cookies_per_site:
            object.__setattr__(self, "cookie_quota_per_site", self.max_cookies_per_site)
        if self.cookie_quota > self.max_cookies:
            object.__setattr__(self, "cookie_quota", self.max_cookies)


def pick_victims(candidates: Iterable[Entry], *, size: int, secure: bool) -> list[Entry] | None:
    """Choose cookies to evict so that ``size`` bytes are freed, or None if they cannot be.

    Least recently used go first, non-``Secure`` before ``Secure``; ``Secure``
    cookies are candidates only when the newcomer is ``Secure`` itself.
    """
    if size <= 0:
        return []
    pool = [entry for entry in candidates if secure or not entry.secure]
    pool.sort(key=lambda entry: (entry.secure, entry.last_access))
    victims: list[Entry] = []
    for entry in pool:
        if size <= 0:
            break
        victims.append(entry)
        size -= entry.size
    if size > 0:
        return None
    return victims
