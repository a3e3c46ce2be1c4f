"""Parsing one ``Set-Cookie`` field value as RFC 6265 section 5.2 does.

``http.cookies.SimpleCookie.load`` parses a *Cookie* header grammar: it stops
at the first value it cannot read, merges several fields by name, and drops
cookies whose value holds a space. Browsers instead split the field on ``;``
and keep going, which is what this parser does, one field at a time, so a
malformed field loses only itself.
"""

from __future__ import annotations

import logging
import re
from http.cookies import Morsel, SimpleCookie
from typing import Final

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_ATTRIBUTE_VALUE",
    "MAX_COOKIES_PER_RESPONSE",
    "MAX_PAIR",
    "named_morsel",
    "parse_set_cookie",
]

MAX_ATTRIBUTE_VALUE: Final = 1024
"""Attribute values longer than this are ignored (RFC 6265bis section 5.6)."""

MAX_PAIR: Final = 4096
"""A ``Set-Cookie`` name plus value longer than this (UTF-8) is ignored, as in aiohttp."""

MAX_COOKIES_PER_RESPONSE: Final = 50
"""Cookies one response may set; later ``Set-Cookie`` fields are ignored, as in aiohttp."""

MAX_ATTRIBUTES: Final = 32
"""Attributes read from one field; the rest are ignored, as in aiohttp."""

# Control characters other than tab make the whole field invalid (RFC 6265bis 5.6).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# The names aiohttp accepts: printable ASCII but space, '"', ",", ";" and "\\".
_NAME: Final = re.compile(r"[!#$%&'()*+\-./0-9:<=>?@A-Z\[\]^_`a-z{|}~]+")
_FLAGS: Final = frozenset(Morsel._flags)  # type: ignore[attr-defined]
_ATTRIBUTE_WORDS: Final = frozenset(Morsel._reserved)  # type: ignore[attr-defined]
_DECODER: Final = SimpleCookie()
_log: Final = logging.getLogger("lamella.cookies")


def named_morsel(name: str, value: str, coded_value: str) -> Morsel[str] | None:
    """A Morsel for this cookie, or None when its name cannot be a cookie's.

    ``Morsel.set`` refuses names that are attribute words (``path``) or hold
    characters such as ``{`` or ``:``; servers set such cookies and aiohttp
    keeps them, so they are built through the pickling state. Names a
    ``Cookie`` header cannot carry (a space, ``;``, ``,``, a quote) stay refused.
    """
    if _NAME.fullmatch(name) is None:
        return None
    morsel: Morsel[str] = Morsel()
    morsel.__setstate__(  # type: ignore[attr-defined]
        {"key": name, "value": value, "coded_value": coded_value}
    )
    return morsel


def _quoted_end(text: str, start: int) -> int:
    """The index just past the quoted string opening at ``start``, or -1 if it never closes."""
    index = start + 1
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
        elif char == '"':
            return index + 1
        else:
            index += 1
    return -1


def _split(field: str) -> list[tuple[str, str]]:
    """``(name, raw value)`` of the cookie pair then each attribute, quoted values whole."""
    parts: list[tuple[str, str]] = []
    index, end = 0, len(field)
    while index < end and len(parts) <= MAX_ATTRIBUTES:
        stop = field.find(";", index)
        stop = end if stop == -1 else stop
        equals = field.find("=", index, stop)
        if equals == -1:
            parts.append((field[index:stop], ""))
            index = stop + 1
            continue
        value_start = equals + 1
        while value_start < end and field[value_start] in " \t":
            value_start += 1
        if field.startswith('"', value_start):
            closing = _quoted_end(field, value_start)
            after = field[closing:].lstrip(" \t") if closing != -1 else ""
            if closing != -1 and (not after or after[0] == ";"):
                parts.append((field[index:equals], field[value_start:closing]))
                index = end - len(after) + 1
                continue
        parts.append((field[index:equals], field[value_start:stop]))
        index = stop + 1
    return parts


def parse_set_cookie(field: str) -> Morsel[str] | None:
    """Return the cookie one ``Set-Cookie`` field value sets, or None to ignore it.

    The pair ends at the first ``;`` unless its value is a quoted string,
    which keeps its ``;`` (as do quoted attribute values, which are
    unquoted: ``Path="/a;b"`` is ``/a;b``). Attributes are stored the way
    ``SimpleCookie`` stores them (``expires`` and ``max-age`` as the text
    received); unknown ones are dropped and a repeated one keeps its last value.
    """
    if _CONTROL.search(field):
        return None
    if "=" not in field.partition(";")[0]:
        return None  # no cookie pair: a name alone sets nothing
    parts = _split(field)
    (name, raw_value), attributes = parts[0], parts[1:]
    name = name.strip(" \t")
    raw_value = raw_value.strip(" \t")
    if not name:
        return None
    if _NAME.fullmatch(name) is None:
        _log.warning("Can not load cookies: Illegal cookie name %r", name)
        return None
    if len((name + raw_value).encode("utf-8", "surrogatepass")) > MAX_PAIR:
        return None
    value, coded_value = _DECODER.value_decode(raw_value)
    if _CONTROL.search(value):
        return None
    morsel = named_morsel(name, value, coded_value)
    if morsel is None:
        return None
    for key, attr_value in attributes:
        key = key.strip(" \t").lower()
        if key not in _ATTRIBUTE_WORDS:
            continue
        if key in _FLAGS:
            morsel[key] = True
            continue
        attr_value = attr_value.strip(" \t")
        if len(attr_value) > MAX_ATTRIBUTE_VALUE:
            continue
        attr_value = _DECODER.value_decode(attr_value)[0]
        if not _CONTROL.search(attr_value):
            morsel[key] = attr_value
    return morsel
