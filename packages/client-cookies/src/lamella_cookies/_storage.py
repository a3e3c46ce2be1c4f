"""Where the jar's cookies live: indexed by domain for sending, by site for the limits.

The store knows nothing of URLs or RFC 6265: the jar decides what to keep
(see ``_matching``) and hands the store finished :class:`Entry` objects. The
store keeps three views of the same entries consistent:

- ``by_domain``: domain -> ``(path, name)`` -> entry, what ``filter_cookies``
  walks (one bucket per domain of the request host);
- ``view``: ``(domain, path)`` -> ``SimpleCookie``, what ``CookieJar.cookies``
  shows (aiohttp's shape);
- ``by_site``: registrable domain -> cookie key -> entry, and the byte totals
  per site, what the limits count;
- an expiry heap of ``(when, token, key)``; entries replaced or removed stay
  in the heap and are skipped when popped (their token no longer matches).
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Iterator
from http.cookies import Morsel, SimpleCookie
from typing import Final

from ._limits import CookieLimits, pick_victims

__all__ = ["CookieKey", "CookieStore", "Entry", "log"]

CookieKey = tuple[str, str, str]
"""``(domain, path, name)``: a cookie's identity (RFC 6265 section 5.3, step 11).

As in aiohttp, the path has no trailing ``/`` (``/a/`` and ``/a`` are one
cookie) and the name is the one the cookie was stored under.
"""

log: Final = logging.getLogger("lamella.cookies")


class Entry:
    """One stored cookie with the state RFC 6265 section 5.3 keeps beside it."""

    __slots__ = (
        "name",
        "jar_path",
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
        "wire",
        "token",
    )

    def __init__(
        self,
        *,
        name: str,
        morsel: Morsel[str],
        send: Morsel[str],
        domain: str,
        path: str,
        host_only: bool,
        secure: bool,
        expires: float | None,
        site: str,
        size: int,
        wire: int,
    ) -> None:
        self.name = name  # what it is stored under; its Morsel may have another key
        self.jar_path = path.rstrip("/")  # the path in its identity
        self.morsel = morsel  # the Morsel users see, domain and path filled in
        self.send = send  # name, value and coded value only: what a request carries
        self.domain = domain  # "" for shared cookies (stored with no response URL)
        self.path = path
        self.host_only = host_only
        self.secure = secure
        self.expires = expires  # seconds since the epoch, or None for a session cookie
        self.site = site
        self.size = size  # bytes of name and value, what the limits count
        self.wire = wire  # bytes of "name=coded_value" in a Cookie header
        self.created = 0  # order of creation, kept when the cookie is replaced
        self.last_access = 0
        self.token = 0  # tells this entry's expiry heap items from stale ones

    @property
    def key(self) -> CookieKey:
        return (self.domain, self.jar_path, self.name)

    def __repr__(self) -> str:
        return f"<Entry {self.name}={self.morsel.coded_value} {self.domain}{self.path}>"


class CookieStore:
    """The entries of one jar and the counters its limits need."""

    def __init__(self) -> None:
        self.by_domain: dict[str, dict[tuple[str, str], Entry]] = {}
        self.by_site: dict[str, dict[CookieKey, Entry]] = {}
        self.site_bytes: dict[str, int] = {}
        self.view: dict[tuple[str, str], SimpleCookie] = {}
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
        self.by_domain.setdefault(entry.domain, {})[(entry.jar_path, entry.name)] = entry
        view = self.view.get((entry.domain, entry.jar_path))
        if view is None:
            view = self.view[(entry.domain, entry.jar_path)] = SimpleCookie()
        dict.__setitem__(view, entry.name, entry.morsel)
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
        view = self.view[(entry.domain, entry.jar_path)]
        del view[entry.name]
        if not view:
            del self.view[(entry.domain, entry.jar_path)]
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
        self.view.clear()
        self._heap.clear()
        self.count = 0

    def replace_with(self, other: CookieStore) -> None:
        """Take ``other``'s cookies, keeping this store's ``view`` object (views stay live)."""
        view = self.view
        view.clear()
        view.update(other.view)
        self.__dict__.update(other.__dict__)
        self.view = view

    def _make_room(self, entry: Entry, limits: CookieLimits, now: float) -> bool:
        """Evict for a new cookie as aiohttp (and Firefox) do; False drops the newcomer."""
        site = self.by_site.get(entry.site, {})
        if len(site) >= limits.max_cookies_per_site:
            if not self._trim_site(entry, limits, now):
                return False
        elif self.count >= limits.max_cookies:
            self._trim_jar(limits, now)
        over = self.site_bytes.get(entry.site, 0) + entry.size - limits.max_bytes_per_site
        if over <= 0:
            return True
        self.expire(now)
        over = self.site_bytes.get(entry.site, 0) + entry.size - limits.max_bytes_per_site
        site = self.by_site.get(entry.site, {})
        victims = pick_victims(site.values(), size=over, secure=entry.secure)
        if victims is None:
            return False
        for victim in victims:
            self.remove(victim)
        return True

    def _trim_site(self, entry: Entry, limits: CookieLimits, now: float) -> bool:
        """Trim a full site to its quota, leaving a place for ``entry``."""
        self.expire(now)
        site = self.by_site.get(entry.site, {})
        count = len(site)
        excess = count - limits.cookie_quota_per_site + 1
        if excess <= 0:
            return True
        candidates = [victim for victim in site.values() if not victim.secure]
        if not candidates:
            if count < limits.max_cookies_per_site:
                return True  # expiry made room
            if not entry.secure:  # a non-Secure cookie never evicts a Secure one
                log.debug(
                    "Dropped cookie %r for %s: its domain is full of Secure cookies",
                    entry.name,
                    entry.site or entry.domain,
                )
                return False
            candidates = list(site.values())
        candidates.sort(key=_last_access)
        evicted = candidates[:excess]
        for victim in evicted:
            self.remove(victim)
        log.debug(
            "Evicted %d cookie(s) for %s over the %d-cookie domain limit",
            len(evicted),
            entry.site or entry.domain,
            limits.max_cookies_per_site,
        )
        return True

    def _trim_jar(self, limits: CookieLimits, now: float) -> None:
        """Trim a full jar to its quota, least recently used cookies first."""
        self.expire(now)
        # Down to the quota, and at least one place for the newcomer.
        excess = max(self.count - limits.cookie_quota, self.count - limits.max_cookies + 1)
        if excess <= 0:
            return
        for victim in sorted(self, key=_last_access)[:excess]:
            self.remove(victim)
        log.debug("Evicted %d cookie(s) over the %d-cookie total limit", excess, limits.max_cookies)


def _last_access(entry: Entry) -> int:
    return entry.last_access
