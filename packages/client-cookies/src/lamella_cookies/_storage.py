"""Where the jar's cookies live: indexed by domain for sending, by site for the limits.

The store knows nothing of URLs or RFC 6265: the jar decides what to keep
(see ``_matching``) and hands the store finished :class:`Entry` objects. The
store keeps three views of the same entries consistent:

- ``by_domain``: domain -> ``(path, name)`` -> entry, what ``filter_cookies``
  walks (one bucket per domain of the request host);
- ``by_site``: registrable domain -> cookie key -> entry, and the byte totals
  per site, what the limits count;
- an expiry heap of ``(when, token, key)``; entries replaced or removed stay
  in the heap and are skipped when popped (their token no longer matches).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterator
from http.cookies import Morsel

from ._limits import CookieLimits, pick_victims

__all__ = ["CookieKey", "CookieStore", "Entry"]

CookieKey = tuple[str, str, str]
"""``(domain, path, name)``: a cookie's identity (RFC 6265 section 5.3, step 11)."""


class Entry:
    """One stored cookie with the state RFC 6265 section 5.3 keeps beside it."""

    __slots__ = (
        "morsel",
        "send",
        "domain",
        "path",
        "host_only",
        "secure",
        "expires",
        "created",
        "last_access",
        "site",
        "size",
        "token",
    )

    def __init__(
        self,
        *,
        morsel: Morsel[str],
        send: Morsel[str],
        domain: str,
        path: str,
        host_only: bool,
        secure: bool,
        expires: float | None,
        site: str,
        size: int,
    ) -> None:
        self.morsel = morsel  # the Morsel users see, domain and path filled in
        self.send = send  # name, value and coded value only: what a request carries
        self.domain = domain  # "" for shared cookies (stored with no response URL)
        self.path = path
        self.host_only = host_only
        self.secure = secure
        self.expires = expires  # seconds since the epoch, or None for a session cookie
        self.site = site
        self.size = size
        self.created = 0  # order of creation, kept when the cookie is replaced
        self.last_access = 0
        self.token = 0  # tells this entry's expiry heap items from stale ones

    @property
    def key(self) -> CookieKey:
        return (self.domain, self.path, self.morsel.key)

    def __repr__(self) -> str:
        return f"<Entry {self.morsel.key}={self.morsel.coded_value} {self.domain}{self.path}>"


class CookieStore:
    """The entries of one jar and the counters its limits need."""

    def __init__(self) -> None:
        self.by_domain: dict[str, dict[tuple[str, str], Entry]] = {}
        self.by_site: dict[str, dict[CookieKey, Entry]] = {}
        self.site_bytes: dict[str, int] = {}
        self._heap: list[tuple[float, int, CookieKey]] = []
        self._counter = itertools.count(1)
        self.count = 0

    def __iter__(self) -> Iterator[Entry]:
        for bucket in self.by_domain.values():
            yield from bucket.values()

    def get(self, key: CookieKey) -> Entry | None:
        bucket = self.by_domain.get(key[0])
        return None if bucket is None else bucket.get(key[1:])

    def tick(self) -> int:
        """A fresh, increasing number for creation order and last access."""
        return next(self._counter)

    def put(self, entry: Entry, limits: CookieLimits, now: float) -> bool:
        """Store ``entry``, replacing the cookie with its key; False if it cannot fit.

        A cookie that cannot be stored changes nothing: the cookie it would
        have replaced stays.
        """
        if entry.size > limits.max_cookie_size:
            return False
        old = self.get(entry.key)
        if old is not None:
            self.remove(old)
        if not self._make_room(entry, limits, now):
            if old is not None and (old.expires is None or old.expires > now):
                self._insert(old)
            return False
        entry.created = old.created if old is not None else self.tick()
        entry.last_access = entry.token = self.tick()
        self._insert(entry)
        if entry.expires is not None:
            heapq.heappush(self._heap, (entry.expires, entry.token, entry.key))
        return True

    def _insert(self, entry: Entry) -> None:
        self.by_domain.setdefault(entry.domain, {})[(entry.path, entry.morsel.key)] = entry
        self.by_site.setdefault(entry.site, {})[entry.key] = entry
        self.site_bytes[entry.site] = self.site_bytes.get(entry.site, 0) + entry.size
        self.count += 1

    def remove(self, entry: Entry) -> None:
        key = entry.key
        bucket = self.by_domain.get(entry.domain)
        if bucket is None or bucket.get(key[1:]) is not entry:
            return
        del bucket[key[1:]]
        if not bucket:
            del self.by_domain[entry.domain]
        site = self.by_site[entry.site]
        del site[key]
        if site:
            self.site_bytes[entry.site] -= entry.size
        else:
            del self.by_site[entry.site]
            del self.site_bytes[entry.site]
        self.count -= 1

    def expire(self, now: float) -> None:
        """Remove every cookie whose expiry time has come."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            _, token, key = heapq.heappop(heap)
            entry = self.get(key)
            if entry is not None and entry.token == token:
                self.remove(entry)
        if not self.count and heap:
            heap.clear()

    def next_expiry(self) -> float | None:
        """When :meth:`expire` next has work, or None (a lower bound: stale items count)."""
        return self._heap[0][0] if self._heap else None

    def clear(self) -> None:
        self.by_domain.clear()
        self.by_site.clear()
        self.site_bytes.clear()
        self._heap.clear()
        self.count = 0

    def _make_room(self, entry: Entry, limits: CookieLimits, now: float) -> bool:
        if self._over(entry, limits) == (0, 0, 0):
            return True
        self.expire(now)
        site_count, site_size, jar_count = self._over(entry, limits)
        site = self.by_site.get(entry.site, {})
        victims = pick_victims(site.values(), count=site_count, size=site_size, secure=entry.secure)
        if victims is None:
            return False
        chosen = {id(victim) for victim in victims}
        others = (candidate for candidate in self if id(candidate) not in chosen)
        more = pick_victims(others, count=jar_count - len(victims), size=0, secure=entry.secure)
        if more is None:
            return False
        for victim in (*victims, *more):
            self.remove(victim)
        return True

    def _over(self, entry: Entry, limits: CookieLimits) -> tuple[int, int, int]:
        """By how much storing ``entry`` would exceed each limit (0 when within it)."""
        site_count = len(self.by_site.get(entry.site, ())) + 1 - limits.max_cookies_per_site
        site_size = self.site_bytes.get(entry.site, 0) + entry.size - limits.max_bytes_per_site
        jar_count = self.count + 1 - limits.max_cookies
        return (max(site_count, 0), max(site_size, 0), max(jar_count, 0))
