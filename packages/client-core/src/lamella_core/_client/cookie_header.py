"""Building the Cookie header from the jar, the request's cookies and the caller's header."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http.cookies import BaseCookie, Morsel, SimpleCookie
from typing import Any

__all__ = ["as_simple_cookie", "cookie_header"]


def as_simple_cookie(cookies: Any) -> SimpleCookie:
    """Turn a mapping, pairs or a ``BaseCookie`` into a ``SimpleCookie``."""
    result = SimpleCookie()
    items: Iterable[tuple[str, Any]] = cookies.items() if isinstance(cookies, Mapping) else cookies
    for name, value in items:
        if isinstance(value, Morsel):
            morsel: Morsel[str] = Morsel()
            morsel.set(value.key, value.value, value.coded_value)
            result[name] = morsel
        else:
            result[name] = value
    return result


def cookie_header(
    existing: str | None, jar: BaseCookie[str] | None, request: SimpleCookie | None
) -> str:
    """One Cookie value: the caller's header, then jar cookies overridden by the request's."""
    # name -> coded value, in order; later sources override earlier ones.
    pairs: dict[str, str] = {}
    if existing:
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(existing)
        pairs.update((name, morsel.coded_value) for name, morsel in parsed.items())
    for source in (jar, request):
        if source:
            pairs.update((name, morsel.coded_value) for name, morsel in source.items())
    return "; ".join(f"{name}={value}" for name, value in pairs.items())
