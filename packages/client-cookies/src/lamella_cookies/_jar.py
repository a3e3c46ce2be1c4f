"""``CookieJar``: the RFC 6265 jar, its public API in aiohttp's shape."""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from http.cookies import BaseCookie, Morsel, SimpleCookie
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from yarl import URL

from lamella_core.abc import AbstractCookieJar, ClearCookiePredicate, LooseCookies
from lamella_core.set_cookie import MAX_COOKIES_PER_RESPONSE, named_morsel, parse_set_cookie

from . import _aiohttp_files, _persistence
from ._limits import COOKIE_HEADER_PREFIX, CookieLimits
from ._matching import (
    canonical_domain,
    default_path,
    domain_match,
    is_ip_address,
    is_public_suffix,
    parent_domains,
    parse_cookie_date,
    path_match,
    prefix_allows,
    registrable_domain,
)
from ._storage import CookieStore, Entry, log

if TYPE_CHECKING:
    import asyncio

__all__ = ["CookieJar"]

_NO_URL: Final = URL()
_SECURE_SCHEMES: Final = frozenset({"https", "wss"})
_MAX_AGE: Final = re.compile(r"-?[0-9]+")
_MAX_DELTA: Final = 100 * 365 * 86400  # Max-Age beyond a century is a century
# What may not reach the Cookie header: control characters always, and ";" or
# a space in a value that is sent unquoted (they would split or end it).
_UNSENDABLE: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_UNSENDABLE_UNQUOTED: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f;]")
_ENCODER: Final = SimpleCookie()


class CookieJar(AbstractCookieJar):
    """Stores the cookies responses set and sends them back as RFC 6265 says.

    Args:
        unsafe: Accept and send cookies for hosts given as IP addresses
            (``http://127.0.0.1/``), which RFC 6265 does not allow.
        quote_cookie: Quote values that need it (``"a b"``) in the
            ``Cookie`` header; ``False`` sends values exactly as stored.
        treat_as_secure_origin: URLs (or one URL) whose origins count as
            secure although they use ``http``: ``Secure`` cookies are set
            from and sent to them. Handy for development servers.
        limits: How many cookies and bytes the jar keeps (see
            :class:`CookieLimits`).
        loop: Accepted for aiohttp compatibility and otherwise unused.
    """

    def __init__(
        self,
        *,
        unsafe: bool = False,
        quote_cookie: bool = True,
        treat_as_secure_origin: str | URL | Iterable[str | URL] | None = None,
        limits: CookieLimits | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(loop=loop)
        self._unsafe = unsafe
        self._quote_cookie = quote_cookie
        self._limits = limits if limits is not None else CookieLimits()
        if treat_as_secure_origin is None:
            origins: Iterable[str | URL] = ()
        elif isinstance(treat_as_secure_origin, str | URL):
            origins = (treat_as_secure_origin,)
        else:
            origins = treat_as_secure_origin
        self._secure_origins = frozenset(URL(origin).origin() for origin in origins)
        self._store = CookieStore()
        self._clock = _now

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self)} cookies>"

    # --- aiohttp's read-only views -------------------------------------------

    @property
    def unsafe(self) -> bool:
        """Whether cookies are accepted for and sent to IP-address hosts."""
        return self._unsafe

    @property
    def quote_cookie(self) -> bool:
        """Whether values are quoted in the ``Cookie`` header when they need it."""
        return self._quote_cookie

    @property
    def treat_as_secure_origin(self) -> frozenset[URL]:
        """The ``http`` origins treated as secure."""
        return self._secure_origins

    @property
    def limits(self) -> CookieLimits:
        """The bounds this jar enforces."""
        return self._limits

    @property
    def cookies(self) -> MappingProxyType[tuple[str, str], SimpleCookie]:
        """A live, read-only view of the stored cookies keyed by ``(domain, path)``.

        As in aiohttp: host-only cookies have their host as domain, shared
        cookies ``""``, and the path has no trailing ``/``. Do not modify the
        ``SimpleCookie`` objects in it.
        """
        self._expire()
        return MappingProxyType(self._store.view)

    @property
    def host_only_cookies(self) -> frozenset[tuple[str, str, str]]:
        """The ``(domain, path, name)`` of cookies sent to their exact host only."""
        self._expire()
        return frozenset(entry.key for entry in self._store if entry.host_only)

    def __len__(self) -> int:
        """The cookies stored, expired ones not yet removed included (as in aiohttp)."""
        return self._store.count

    def __iter__(self) -> Iterator[Morsel[str]]:
        self._expire()
        return iter([entry.morsel for entry in self._store])

    # --- removing ------------------------------------------------------------

    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        """Remove every cookie, or those whose ``Morsel`` makes ``predicate`` true."""
        if predicate is None:
            self._store.clear()
            return
        self._expire()
        for entry in [entry for entry in self._store if predicate(entry.morsel)]:
            self._store.remove(entry)

    def clear_domain(self, domain: str) -> None:
        """Remove the cookies of ``domain`` and of every name under it."""
        wanted = canonical_domain(domain)
        if wanted is None:
            return
        self._expire()
        for entry in [entry for entry in self._store if entry.domain]:
            if domain_match(entry.domain, wanted):
                self._store.remove(entry)

    # --- storing ------------------------------------------------------------

    def update_cookies(self, cookies: LooseCookies, response_url: URL = _NO_URL) -> None:
        """Store ``cookies``, set by a response from ``response_url``.

        ``cookies`` is a mapping, pairs or a ``BaseCookie``, with ``str`` or
        ``Morsel`` values; a Morsel is stored under its own key with its
        attributes, as in aiohttp. Without ``response_url`` (or with one that has no
        host) the caller is trusted: cookies without a ``Domain`` are shared
        with every host, and origin checks are skipped.
        """
        host = response_url.raw_host
        if host is not None and is_ip_address(host) and not self._unsafe:
            return
        for name, morsel in _morsels(cookies):
            self._set(name, morsel, response_url, host)

    def update_cookies_from_headers(self, headers: Sequence[str], response_url: URL) -> None:
        """Store the cookies of raw ``Set-Cookie`` values, each parsed on its own.

        Unlike ``update_cookies(response.cookies)``, two fields setting the
        same name for different paths or domains are both kept, and a value
        with a space is not lost. As in aiohttp, one response sets at most 50
        cookies (deletions count); later fields are ignored.
        """
        host = response_url.raw_host
        if host is not None and is_ip_address(host) and not self._unsafe:
            return
        parsed = 0
        for position, field in enumerate(headers):
            morsel = parse_set_cookie(field)
            if morsel is None:
                continue
            parsed += 1
            if parsed > MAX_COOKIES_PER_RESPONSE:
                log.debug(
                    "Ignored %d Set-Cookie field(s) over the %d-cookie limit",
                    len(headers) - position,
                    MAX_COOKIES_PER_RESPONSE,
                )
                return
            self._set(morsel.key, morsel, response_url, host)

    def _set(
        self,
        name: str,
        morsel: Morsel[str],
        url: URL,
        host: str | None,
        deadline: float | None = None,
    ) -> None:
        """Store one cookie set by ``url``; ``deadline`` (from a file) overrides its attributes."""
        if host is None:
            placed = _place_shared(morsel)
            secure_origin = True
        else:
            placed = _place(morsel, url, host)
            secure_origin = self._is_secure_origin(url)
        if placed is None:
            return
        domain, path, host_only = placed
        secure = bool(morsel["secure"])
        if host is not None:
            if secure and not secure_origin:
                return  # RFC 6265bis 5.7 step 15: only secure origins set Secure cookies
            if not prefix_allows(
                name, secure=secure, secure_origin=secure_origin, host_only=host_only, path=path
            ):
                return
        now = self._clock()
        expires = deadline if deadline is not None else _expiry(morsel, now)
        if expires is not None and expires <= now:
            old = self._store.get((domain, path.rstrip("/"), name))
            if old is not None and (secure_origin or not old.secure):
                self._store.remove(old)
            return
        if not secure_origin and self._shadows_secure(name, domain, path):
            return  # RFC 6265bis 5.7 step 16: leave Secure cookies alone
        entry = self._entry(name, morsel, domain, path, host_only, secure, expires)
        if entry is not None:
            self._store.put(entry, self._limits, now)

    def _entry(
        self,
        stored_name: str,
        morsel: Morsel[str],
        domain: str,
        path: str,
        host_only: bool,
        secure: bool,
        expires: float | None,
    ) -> Entry | None:
        name, value = morsel.key, morsel.value
        if self._quote_cookie and morsel.coded_value[:1] == '"':
            coded = morsel.coded_value
        elif self._quote_cookie:
            coded = _ENCODER.value_encode(value)[1]
        else:
            coded = value
        bad = _UNSENDABLE if coded[:1] == '"' else _UNSENDABLE_UNQUOTED
        send = None
        if not (bad.search(name) or bad.search(coded) or _UNSENDABLE.search(value)):
            send = named_morsel(name, value, coded)
        try:
            wire = len(f"{name}={coded}".encode())
            size = len(name.encode()) + len(value.encode())
        except UnicodeEncodeError:
            send = None  # a lone surrogate: no Cookie header can carry it
        if send is None:
            log.debug(
                "Dropped cookie %r for %s: it can't be sent in a Cookie header",
                stored_name,
                domain,
            )
            return None
        stored: Morsel[str] = morsel.copy()
        stored["domain"] = domain
        stored["path"] = path
        return Entry(
            name=stored_name,
            morsel=stored,
            send=send,
            domain=domain,
            path=path,
            host_only=host_only,
            secure=secure,
            expires=expires,
            site=registrable_domain(domain) if domain else "",
            size=size,
            wire=wire,
        )

    def _shadows_secure(self, name: str, domain: str, path: str) -> bool:
        """Whether an insecure origin's cookie would overwrite or shadow a Secure one."""
        site = registrable_domain(domain) if domain else ""
        for entry in self._store.by_site.get(site, {}).values():
            if (
                entry.secure
                and entry.name == name
                and (domain_match(entry.domain, domain) or domain_match(domain, entry.domain))
                and path_match(path, entry.path)
            ):
                return True
        return False

    def _is_secure_origin(self, url: URL) -> bool:
        if url.scheme in _SECURE_SCHEMES:
            return True
        if not self._secure_origins or not url.is_absolute():
            return False
        return url.origin() in self._secure_origins

    # --- sending ------------------------------------------------------------

    def filter_cookies(self, request_url: URL = _NO_URL) -> BaseCookie[str]:
        """Return the cookies a request to ``request_url`` carries, in header order.

        Longer paths come first (RFC 6265 section 5.4), then the more specific
        domain, then older cookies. A ``SimpleCookie`` holds one cookie per
        name: when several stored cookies share a name, the first in that
        order is sent. Beyond the limits' cookie count or header length, the
        least specific are left out. Without a URL,
        the cookies shared with every host. A ``str`` URL is deprecated, as
        in aiohttp.
        """
        if type(request_url) is not URL:
            warnings.warn(
                "filter_cookies expects yarl.URL instances only, and will stop working "
                f"in 4.x, got {type(request_url)}",
                DeprecationWarning,
                stacklevel=2,
            )
            request_url = URL(request_url)
        filtered: SimpleCookie = SimpleCookie()
        store = self._store
        if not store.count:
            return filtered
        self._expire()
        host = request_url.raw_host or ""
        path = request_url.raw_path or "/"
        secure = self._is_secure_origin(request_url)
        if not host:
            domains: list[str] = [""]
        elif is_ip_address(host):
            domains = ["", host] if self._unsafe else [""]
        else:
            domains = ["", *parent_domains(host)]
        found: list[Entry] = []
        by_domain = store.by_domain
        for domain in domains:
            bucket = by_domain.get(domain)
            if not bucket:
                continue
            for entry in bucket.values():
                if entry.host_only and domain != host:
                    continue
                if entry.secure and not secure:
                    continue
                if not path_match(path, entry.path):
                    continue
                found.append(entry)
        if not found:
            return filtered
        found.sort(key=_header_order)
        chosen: dict[str, Entry] = {}
        length = COOKIE_HEADER_PREFIX - 2  # no "; " before the first cookie
        for entry in found:
            if entry.name not in chosen:
                chosen[entry.name] = entry
                length += entry.wire + 2
        limits = self._limits
        if len(chosen) > limits.max_cookies_per_request or length > limits.max_header_length:
            chosen = _within_limits(chosen, limits, host)
        access = store.tick()
        for name, entry in chosen.items():
            dict.__setitem__(filtered, name, entry.send)
            entry.last_access = access
        return filtered

    # --- persistence ----------------------------------------------------------

    def save(self, file_path: str | os.PathLike[str]) -> None:
        """Write every cookie to ``file_path`` in aiohttp's JSON format, atomically.

        aiohttp's ``CookieJar.load`` reads the file, and lamella's reads
        aiohttp's. The file is replaced in one step (written beside it, then
        renamed); a new file is readable by its owner only (cookies are
        credentials), an existing one keeps its mode.
        """
        self._expire()
        entries = sorted(self._store, key=lambda entry: entry.created)
        data = json.dumps(_aiohttp_files.dump(entries), indent=2).encode()
        _persistence.write_atomically(file_path, data)

    def load(self, file_path: str | os.PathLike[str]) -> None:
        """Replace the jar's cookies with those saved in ``file_path``.

        Reads the JSON of aiohttp's ``save`` (and lamella's) as data only;
        never a pickle. Cookies go through the jar's rules and limits again,
        expired ones and those no request could carry are skipped. The view
        :attr:`cookies` returned stays live.

        Raises:
            ValueError: The file is not a cookie file lamella can read
                (:class:`CookieJarFormatError`, or aiohttp's message for a bad
                expiration timestamp); the jar is left as it was.
            TypeError: A cookie's field has the wrong type; the jar is left
                as it was.
            OSError: The file could not be read; the jar is left as it was.
        """
        document = _persistence.read_document(file_path)
        where = os.fspath(file_path)
        if _persistence.is_lamella_format(document):
            store = self._load_lamella(_persistence.load(document, where), where)
        else:
            store = self._load_aiohttp(_aiohttp_files.parse(document, where))
        self._store.replace_with(store)

    def _load_aiohttp(self, saved: list[_aiohttp_files.SavedCookie]) -> CookieStore:
        """A store holding ``saved``, set as if ``https://<domain>`` had set each one."""
        mine = self._store
        self._store = CookieStore()
        try:
            for cookie in saved:
                url = URL.build(scheme="https", host=cookie.domain) if cookie.domain else _NO_URL
                self._set(cookie.name, cookie.morsel, url, url.raw_host, deadline=cookie.expires)
            return self._store
        finally:
            self._store = mine

    def _load_lamella(self, records: list[_persistence.Record], where: str) -> CookieStore:
        store = CookieStore()
        now = self._clock()
        for record in records:
            entry = self._entry(
                record.name,
                record.morsel,
                record.domain,
                record.path,
                record.host_only,
                record.secure,
                record.expires,
            )
            if entry is None or not self._acceptable(record, entry):
                raise _persistence.CookieJarFormatError(
                    f"{where}: cookie {record.morsel.key!r} for "
                    f"{record.domain!r} breaks the jar's rules"
                )
            if record.expires is None or record.expires > now:
                store.put(entry, self._limits, now)
        return store

    def _acceptable(self, record: _persistence.Record, entry: Entry) -> bool:
        domain = record.domain
        if domain and not is_ip_address(domain) and canonical_domain(domain) != domain:
            return False  # never matches a host: upper case, a leading dot, not IDNA
        if domain and is_ip_address(domain) and not self._unsafe:
            return False
        if domain and not record.host_only and is_public_suffix(domain):
            return False
        return not domain or prefix_allows(
            entry.morsel.key,
            secure=entry.secure,
            secure_origin=True,
            host_only=entry.host_only,
            path=entry.path,
        )

    def _expire(self) -> None:
        store = self._store
        when = store.next_expiry()
        if when is not None and when <= self._clock():
            store.expire(self._clock())


def _now() -> float:
    # time.time looked up on each call, so that clocks patched later (freezegun) count.
    return time.time()


def _header_order(entry: Entry) -> tuple[int, int, int]:
    """Longer paths first (RFC 6265 section 5.4), then the more specific domain, then older."""
    return (-len(entry.path), -len(entry.domain), entry.created)


def _within_limits(chosen: dict[str, Entry], limits: CookieLimits, host: str) -> dict[str, Entry]:
    """The cookies of ``chosen`` one request may carry, the most specific admitted first.

    Most specific means the longest domain (the host's own cookies before
    its parents'), then the longest path, then the newest, as aiohttp admits
    them; a cookie too long for what is left of the header is skipped.
    """
    admitted: set[str] = set()
    length = COOKIE_HEADER_PREFIX - 2
    by_priority = sorted(chosen.values(), key=lambda e: (-len(e.domain), -len(e.path), -e.created))
    for entry in by_priority:
        if len(admitted) >= limits.max_cookies_per_request:
            break
        if length + 2 + entry.wire > limits.max_header_length:
            continue
        length += 2 + entry.wire
        admitted.add(entry.name)
    log.debug(
        "Omitted %d cookie(s) for %s over the %d-cookie or %d-octet Cookie header limit",
        len(chosen) - len(admitted),
        host,
        limits.max_cookies_per_request,
        limits.max_header_length,
    )
    return {name: entry for name, entry in chosen.items() if name in admitted}


def _morsels(cookies: LooseCookies) -> Iterator[tuple[str, Morsel[str]]]:
    """``(name, Morsel)`` for every shape ``update_cookies`` accepts.

    As in aiohttp, a Morsel is stored under the name it is filed under and
    sent under its own key; an empty ``Morsel()`` (no key) is skipped.

    Raises:
        CookieError: a ``str`` value is filed under a name no cookie may
            have, an attribute word such as ``path`` included, as in aiohttp.
    """
    items: Iterable[tuple[str, Any]]
    items = cookies.items() if isinstance(cookies, Mapping) else cookies
    for name, value in items:
        if isinstance(value, Morsel):
            if value.key is not None:
                yield name, value
        elif isinstance(value, BaseCookie):
            if name in value:
                yield name, value[name]
        else:
            holder: SimpleCookie = SimpleCookie()
            holder[name] = value
            yield name, holder[name]


def _place(morsel: Morsel[str], url: URL, host: str) -> tuple[str, str, bool] | None:
    """``(domain, path, host_only)`` for a cookie set by ``url``, or None to refuse it."""
    attribute = morsel["domain"]
    domain = canonical_domain(attribute) if attribute else None
    if domain is None:
        # No usable Domain attribute (none, empty, or with a trailing dot as
        # aiohttp treats it): a host-only cookie.
        host_only, domain = True, host
    elif is_public_suffix(domain):
        if domain != host:
            return None  # Domain=co.uk would reach every site under co.uk
        host_only = True
    elif not domain_match(host, domain):
        return None
    else:
        host_only = False
    return domain, _cookie_path(morsel, url), host_only


def _place_shared(morsel: Morsel[str]) -> tuple[str, str, bool] | None:
    """Where a cookie given without a response URL goes: shared unless it names a domain."""
    attribute = morsel["domain"]
    domain = canonical_domain(attribute) if attribute else ""
    if domain is None:
        return None
    return domain, _cookie_path(morsel, _NO_URL), False


def _cookie_path(morsel: Morsel[str], url: URL) -> str:
    path = morsel["path"]
    return path if path.startswith("/") else default_path(url)


def _expiry(morsel: Morsel[str], now: float) -> float | None:
    """When the cookie expires: ``Max-Age`` first, then ``Expires``; None for a session cookie."""
    max_age = str(morsel["max-age"]).strip()
    if max_age and _MAX_AGE.fullmatch(max_age):
        delta = int(max_age)
        return float("-inf") if delta <= 0 else now + min(delta, _MAX_DELTA)
    expires: object = morsel["expires"]
    if isinstance(expires, int) and not isinstance(expires, bool):
        return now + min(expires, _MAX_DELTA)  # Morsel's own "seconds from now" form
    if expires:
        return parse_cookie_date(str(expires))
    return None
