"""Parsing ``Set-Cookie`` field values the way aiohttp's client reads them.

Public so that ``ClientResponse.cookies`` and every cookie jar (lamella-cookies'
or a third party's) read a field alike. ``http.cookies.SimpleCookie.load``
parses a *Cookie* header grammar instead: it stops at the first value it
cannot read, takes ``junk=x`` after a cookie for a second cookie, refuses
names such as ``path`` and drops values holding a space. Here one field sets
at most one cookie, and a malformed field loses only itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from http.cookies import Morsel, SimpleCookie
from typing import Final

__all__ = [
    "MAX_ATTRIBUTES",
    "MAX_ATTRIBUTE_VALUE",
    "MAX_COOKIES_PER_RESPONSE",
    "MAX_PAIR",
    "named_morsel",
    "parse_set_cookie",
    "parse_set_cookies",
    "response_cookies",
]

MAX_ATTRIBUTE_VALUE: Final = 1024
"""Attribute values longer than this (UTF-8) are ignored (RFC 6265bis section 5.6)."""

MAX_PAIR: Final = 4096
"""A ``Set-Cookie`` name plus value longer than this (UTF-8) is ignored, as in aiohttp."""

MAX_COOKIES_PER_RESPONSE: Final = 50
"""Cookies one response may set; later ``Set-Cookie`` fields are ignored, as in aiohttp."""

MAX_ATTRIBUTES: Final = 32
"""Attributes read from one field (unreadable ones count); the rest are ignored, as in aiohttp."""

# Control characters other than tab make the whole field invalid (RFC 6265bis 5.6).
_CONTROL: Final = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# A decoded value or attribute value holding one of these (tab included) is refused.
_DECODED_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
# The names aiohttp accepts: printable ASCII but space, '"', ",", ";" and "\\".
_NAME: Final = re.compile(r"[!#$%&'()*+\-./0-9:<=>?@A-Z\[\]^_`a-z{|}~]+")

# --- one attribute --------------------------------------------------------
# Attributes are separated by ";" or by whitespace, as aiohttp reads them, so
# "Path=/ Max-Age=5" sets both. An attribute name is printable ASCII but '"',
# ";", "=" and "\\"; an unquoted value may also hold "=". A value is a quoted
# string (which keeps its ";"), a quote that never closes (up to the next ";"),
# an Expires date with its spaces (RFC 1123 and its relatives, or asctime), or
# a run of those characters.
_WORD: Final = r"!#-:<>-\[\]-~"
_ALNUM: Final = "[A-Za-z0-9_]"
_WEEKDAY: Final = f"(?:{_ALNUM}{{3,6}}day|{_ALNUM}{{3}})"
_HTTP_DATE: Final = (
    rf"{_WEEKDAY},[ \t][A-Za-z0-9_ \t-]{{9,11}}[ \t][0-9:]{{8}}[ \t](?:GMT|[+-][0-9]{{4}})"
)
_ASCTIME: Final = (
    rf"{_ALNUM}{{3}}[ \t]+{_ALNUM}{{3}}[ \t]+[ \t0-9][0-9][ \t]+"
    r"[0-9]{2}:[0-9]{2}:[0-9]{2}[ \t]+[0-9]{4}"
)
_VALUE: Final = rf'"(?:[^"\\]|\\.)*"|"[^";]*|{_HTTP_DATE}|{_ASCTIME}|[{_WORD}=]*'
_ATTRIBUTE: Final = re.compile(
    rf"[ \t]*(?P<name>[{_WORD}]+)(?:[ \t]*=[ \t]*(?P<value>{_VALUE}))?(?:[ \t]*;|[ \t]*$|[ \t]+)"
)
# Where reading resumes after an unreadable attribute: past its ";" and any run
# of ";" or whitespace.
_RESUME: Final = re.compile(r"[^; \t]")

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


def _pair(field: str) -> tuple[str, str, int]:
    """``(name, raw value, where the attributes start)`` of the cookie pair.

    The pair ends at the first ``;`` unless its value is a quoted string
    followed by nothing but whitespace up to a ``;`` or the end.
    """
    end = len(field)
    stop = field.find(";")
    stop = end if stop == -1 else stop
    equals = field.find("=", 0, stop)
    value_start = equals + 1
    while value_start < end and field[value_start] in " \t":
        value_start += 1
    if field.startswith('"', value_start):
        closing = _quoted_end(field, value_start)
        after = field[closing:].lstrip(" \t") if closing != -1 else ""
        if closing != -1 and (not after or after[0] == ";"):
            return field[:equals], field[value_start:closing], end - len(after) + 1
    return field[:equals], field[value_start:stop], stop + 1


def _attribute_value(raw: str) -> str | None:
    """The decoded attribute value, or None to ignore the attribute (too long, a control)."""
    try:
        if len(raw.encode("utf-8")) > MAX_ATTRIBUTE_VALUE:
            return None
    except UnicodeEncodeError:
        return None
    value = _DECODER.value_decode(raw)[0]
    return None if _DECODED_CONTROL.search(value) else value


def _read_attributes(morsel: Morsel[str], text: str) -> None:
    """Set on ``morsel`` the known attributes of ``text``, what follows the pair.

    Unknown attributes are dropped, a repeated one keeps its last value, a
    flag (``Secure``) is set whatever value it carries, and one that cannot
    be read is skipped up to the next ``;``.
    """
    index, end = 0, len(text)
    for _ in range(MAX_ATTRIBUTES):
        if index >= end:
            return
        match = _ATTRIBUTE.match(text, index)
        if match is None:
            stop = text.find(";", index)
            resume = _RESUME.search(text, stop + 1) if stop != -1 else None
            if resume is None:
                return
            index = resume.start()
            continue
        index = match.end()
        key = match["name"].lower()
        if key not in _ATTRIBUTE_WORDS:
            continue
        if key in _FLAGS:
            morsel[key] = True
            continue
        value = _attribute_value(match["value"] or "")
        if value is not None:
            morsel[key] = value


def parse_set_cookie(field: str) -> Morsel[str] | None:
    """Return the cookie one ``Set-Cookie`` field value sets, or None to ignore it.

    The pair ends at the first ``;`` unless its value is a quoted string,
    which keeps its ``;`` (as do quoted attribute values, which are
    unquoted: ``Path="/a;b"`` is ``/a;b``). The cookie's name may be an
    attribute word (``path=1`` sets a cookie named ``path``). Attributes are
    stored the way ``SimpleCookie`` stores them (``expires`` and ``max-age``
    as the text received).
    """
    if _CONTROL.search(field):
        return None
    if "=" not in field.partition(";")[0]:
        return None  # no cookie pair: a name alone sets nothing
    name, raw_value, attributes = _pair(field)
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
    if _DECODED_CONTROL.search(value):
        return None
    morsel = named_morsel(name, value, coded_value)
    if morsel is None:
        return None
    _read_attributes(morsel, field[attributes:])
    return morsel


def parse_set_cookies(fields: Iterable[str]) -> list[Morsel[str]]:
    """The cookies of a response's ``Set-Cookie`` fields, in order, each field on its own.

    Fields past the first :data:`MAX_COOKIES_PER_RESPONSE` cookies are
    ignored, as in aiohttp; several cookies may share a name.
    """
    cookies: list[Morsel[str]] = []
    for field in fields:
        if len(cookies) >= MAX_COOKIES_PER_RESPONSE:
            break
        morsel = parse_set_cookie(field)
        if morsel is not None:
            cookies.append(morsel)
    return cookies


def response_cookies(fields: Iterable[str]) -> SimpleCookie:
    """The ``SimpleCookie`` of a response's ``Set-Cookie`` fields, as ``ClientResponse.cookies``.

    As :func:`parse_set_cookies`, but a later cookie of a name replaces an
    earlier one (a ``SimpleCookie`` holds one per name).
    """
    cookies = SimpleCookie()
    for morsel in parse_set_cookies(fields):
        # dict's own setter: BaseCookie's would re-parse the value and refuse ``path``.
        dict.__setitem__(cookies, morsel.key, morsel)
    return cookies
