"""Building the Cookie header from the jar, the request's cookies and the caller's header."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http.cookies import BaseCookie, Morsel, SimpleCookie
from typing import Any

from yarl import URL

__all__ = ["as_simple_cookie", "cookie_header"]

_SECURE_SCHEMES = frozenset({"https", "wss"})


def as_simple_cookie(cookies: Any, *, quote: bool = True) -> SimpleCookie:
    """Turn a mapping, pairs or a ``BaseCookie`` into a ``SimpleCookie``.

    A ``Morsel`` is kept whole, under its own key: as in aiohttp, its name
    and its attributes (``Secure``, ``Domain``, ``Path``) are what count,
    not the name it was filed under. ``quote=False`` (the session's jar was
    made with ``quote_cookie=False``) sends string values as given.
    """
    result = SimpleCookie()
    items: Iterable[tuple[str, Any]] = cookies.items() if isinstance(cookies, Mapping) else cookies
    for name, value in items:
        if isinstance(value, Morsel):
            dict.__setitem__(result, value.key, value)
        elif quote:
            result[name] = value
        else:
            morsel: Morsel[str] = Morsel()
            morsel.set(name, str(value), str(value))
            dict.__setitem__(result, name, morsel)
    return result


def _applies(morsel: Morsel[str], url: URL, secure_origins: frozenset[URL]) -> bool:
    """Whether a request cookie's own attributes let it go to ``url`` (RFC 6265 5.4).

    A ``Secure`` one goes over https and wss, and to the origins the jar
    treats as secure (``CookieJar(treat_as_secure_origin=...)``), as the
    jar's own cookies do.
    """
    if (
        morsel["secure"]
        and url.scheme not in _SECURE_SCHEMES
        and not (secure_origins and url.origin() in secure_origins)
    ):
        return False
    domain = morsel["domain"].lstrip(".").lower()
    host = (url.raw_host or "").lower()
    if domain and host != domain and not host.endswith("." + domain):
        return False
    path = morsel["path"]
    if not path:
        return True
    request_path = url.raw_path or "/"
    if request_path == path:
        return True
    return request_path.startswith(path) and (path.endswith("/") or request_path[len(path)] == "/")


def cookie_header(
    existing: str | None,
    jar: BaseCookie[str] | None,
    request: SimpleCookie | None,
    url: URL,
    secure_origins: frozenset[URL],
) -> str:
    """One Cookie value: the caller's header, then jar cookies overridden by the request's.

    The request's cookies whose own attributes exclude ``url`` (a Secure
    cookie over plain http to an origin not in ``secure_origins``, another
    domain or path) are left out.
    """
    # name -> coded value, in order; later sources override earlier ones.
    pairs: dict[str, str] = {}
    if existing:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(existing)
        pairs.update((name, morsel.coded_value) for name, morsel in parsed.items())
    if jar:
        # A jar cookie goes under its Morsel's key, which can differ from the
        # name it is stored under (aiohttp's jar stores Morsels as filed).
        pairs.update((morsel.key, morsel.coded_value) for morsel in jar.values())
    if request:
        pairs.update(
            (name, morsel.coded_value)
            for name, morsel in request.items()
            if _applies(morsel, url, secure_origins)
        )
    return "; ".join(f"{name}={value}" for name, value in pairs.items())
