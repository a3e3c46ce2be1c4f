"""Parsing one ``Set-Cookie`` field value as RFC 6265 section 5.2 does.

``http.cookies.SimpleCookie.load`` parses a *Cookie* header grammar: it stops
at the first value it cannot read, merges several fields by name, and drops
cookies whose value holds a space. Browsers instead split the field on ``;``
and keep going, which is what this parser does, one field at a time, so a
malformed field loses only itself.
"""

from __future__ import annotations

import re
from http.cookies import CookieError, Morsel, SimpleCookie
from typing import Final

__all__ = ["MAX_ATTRIBUTE_VALUE", "named_morsel", "parse_set_cookie"]

MAX_ATTRIBUTE_VALUE: Final = 1024
"""Attribute values longer than this are ignored (RFC 6265bis section 5.6)."""

# Control characters other than tab make the whole field invalid (RFC 6265bis 5.6).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_FLAGS: Final = {"secure": "secure", "httponly": "httponly"}
_VALUED: Final = {
    "expires": "expires",
    "max-age": "max-age",
    "domain": "domain",
    "path": "path",
    "samesite": "samesite",
    "comment": "comment",
    "version": "version",
}
_DECODER: Final = SimpleCookie()
_ATTRIBUTE_WORDS: Final = frozenset(Morsel._reserved)  # type: ignore[attr-defined]


def named_morsel(name: str, value: str, coded_value: str) -> Morsel[str] | None:
    """A Morsel for this cookie, or None when its name cannot be a cookie's.

    ``Morsel.set`` refuses names that are also attribute words (``path``,
    ``secure``, ...); servers set such cookies and aiohttp keeps them, so
    they are built through the pickling state, which skips that one check.
    Names with characters a Cookie header cannot carry stay refused.
    """
    morsel: Morsel[str] = Morsel()
    try:
        morsel.set(name, value, coded_value)
    except CookieError:
        if name.lower() not in _ATTRIBUTE_WORDS:
            return None
        morsel.__setstate__(  # type: ignore[attr-defined]
            {"key": name, "value": value, "coded_value": coded_value}
        )
    return morsel


def parse_set_cookie(field: str) -> Morsel[str] | None:
    """Return the cookie one ``Set-Cookie`` field value sets, or None to ignore it.

    Attributes are stored the way ``SimpleCookie`` stores them (``expires``
    and ``max-age`` as the text received), so the jar applies one set of
    rules to both parsers' output. Unknown attributes are dropped; a
    repeated attribute keeps its last value.
    """
    if _CONTROL.search(field):
        return None
    pair, _, rest = field.partition(";")
    name, eq, raw_value = pair.partition("=")
    name = name.strip(" \t")
    if not eq or not name:
        return None
    raw_value = raw_value.strip(" \t")
    value, coded_value = _DECODER.value_decode(raw_value)
    morsel = named_morsel(name, value, coded_value)
    if morsel is None:
        return None
    for attribute in rest.split(";") if rest else ():
        key, _, attr_value = attribute.partition("=")
        key = key.strip(" \t").lower()
        attr_value = attr_value.strip(" \t")
        if key in _FLAGS:
            morsel[_FLAGS[key]] = True
        elif key in _VALUED and len(attr_value) <= MAX_ATTRIBUTE_VALUE:
            morsel[_VALUED[key]] = attr_value
    return morsel
