"""``Content-Disposition`` (RFC 6266): the disposition type, its parameters, the file name.

The header names the file a download should be saved as. Parameters may be
tokens, quoted strings, or RFC 8187 extended values (``filename*=UTF-8''%e2%82%ac.txt``)
that carry a charset; an extended value wins over the plain one, and RFC 2231
continuations (``filename*0``, ``filename*1*``...) are joined. A header that
breaks the grammar is ignored with a warning rather than an error, as a
download should not fail for it, the way aiohttp behaves.
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import unquote

__all__ = [
    "BAD_HEADER_CHARS",
    "CONTROL_CHARS",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "ContentDisposition",
    "content_disposition_filename",
    "content_disposition_header",
    "is_token",
    "parse_content_disposition",
]

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"'
is_token = re.compile(_TOKEN).fullmatch
# One ";"-separated parameter: name, then a token or a quoted string.
_PARAM = re.compile(rf"\s*;\s*({_TOKEN})\s*=\s*({_QUOTED}|[^;\s]*)\s*")
_UNESCAPE = re.compile(r"\\(.)")
# An extended RFC 2231 continuation, ``name*N*``: only piece 0 names the charset.
_CONTINUATION = re.compile(r".*\*(\d+)\*")
# RFC 8187 ext-value: charset "'" [ language ] "'" value-chars
_EXT_VALUE = re.compile(
    r"([!#$&+\-.^_`{}~0-9A-Za-z]+)'[^']*'((?:%[0-9A-Fa-f]{2}|[!#$&+\-.^_`|~0-9A-Za-z])*)"
)


class BadContentDispositionHeader(RuntimeWarning):
    """A ``Content-Disposition`` header that breaks the grammar was ignored."""


class BadContentDispositionParam(RuntimeWarning):
    """A ``Content-Disposition`` parameter that breaks the grammar was ignored."""


class ContentDisposition(NamedTuple):
    """``ClientResponse.content_disposition``: the parsed header."""

    type: str | None
    parameters: MappingProxyType[str, str]
    filename: str | None


def parse_content_disposition(header: str | None) -> tuple[str | None, dict[str, str]]:
    """Split a ``Content-Disposition`` value into its lower-cased type and parameters.

    Extended (``name*``) values are decoded with their charset; parameter
    names are lower-cased. A header that breaks the grammar gives
    ``(None, {})`` and a :class:`BadContentDispositionHeader` warning; a bad
    parameter does the same with :class:`BadContentDispositionParam`.
    """
    if not header:
        return None, {}
    disptype, sep, _ = header.partition(";")
    disptype = disptype.strip()
    if not is_token(disptype):
        warnings.warn(BadContentDispositionHeader(header), stacklevel=2)
        return None, {}
    params: dict[str, str] = {}
    rest = header[header.index(";") :].rstrip() if sep else ""
    at = 0
    while at < len(rest):
        match = _PARAM.match(rest, at)
        if match is None:
            if rest[at:].strip() == ";":  # a trailing semicolon
                break
            warnings.warn(BadContentDispositionParam(rest[at:].strip()), stacklevel=2)
            return None, {}
        at = match.end()
        name, value = match[1].lower(), match[2]
        if name in params:
            warnings.warn(BadContentDispositionParam(name), stacklevel=2)
            return None, {}
        if value.startswith('"'):
            value = _UNESCAPE.sub(r"\1", value[1:-1])
        elif name.endswith("*"):
            piece = _CONTINUATION.fullmatch(name)
            decoded = _decode_ext_value(value, first=piece is None or piece[1] == "0")
            if decoded is None:
                warnings.warn(BadContentDispositionParam(value), stacklevel=2)
                return None, {}
            value = decoded
        elif not is_token(value):
            warnings.warn(BadContentDispositionParam(value), stacklevel=2)
            return None, {}
        params[name] = value
    return disptype.lower(), params


def _decode_ext_value(value: str, *, first: bool) -> str | None:
    """Decode an RFC 8187 value; continuation pieces after the first carry no charset."""
    if not first:
        return unquote(value, "utf-8", "strict") if "'" not in value else None
    match = _EXT_VALUE.fullmatch(value)
    if match is None:
        return None
    try:
        codecs.lookup(match[1])  # unquote() looks the charset up only when it decodes
        return unquote(match[2], match[1], "strict")
    except (LookupError, UnicodeDecodeError):
        return None


def content_disposition_filename(params: Mapping[str, str], name: str = "filename") -> str | None:
    """The value of parameter ``name`` (``filename`` by default) from parsed parameters.

    ``name*`` wins over ``name``; RFC 2231 continuations ``name*0``,
    ``name*1``... (each possibly extended, ``name*0*``) are joined in order.
    """
    extended = params.get(f"{name}*")
    if extended is not None:
        return extended
    plain = params.get(name)
    if plain is not None:
        return plain
    pieces: list[str] = []
    index = 0
    while True:
        piece = params.get(f"{name}*{index}", params.get(f"{name}*{index}*"))
        if piece is None:
            break
        pieces.append(piece)
        index += 1
    return "".join(pieces) or None


# --- building -------------------------------------------------------------------

# Controls a quoted value percent-encodes; what no header value may hold.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
BAD_HEADER_CHARS = re.compile(r"[\r\n\x00]")
_PERCENT = {'"': "%22", "\r": "%0D", "\n": "%0A"}


def content_disposition_header(
    disptype: str, quote_fields: bool = True, _charset: str = "utf-8", **params: str
) -> str:
    """Build a part's Content-Disposition value, e.g. ``form-data; name="a"``.

    Args:
        disptype: a token: ``form-data``, ``attachment``, ``inline``.
        quote_fields: percent-encode ``"``, CR, LF and other controls in the
            values (the HTML form rules); when False, only backslash-escape
            ``\\`` and ``"`` and refuse CR, LF and NUL.
        _charset: kept for aiohttp compatibility; values are sent as UTF-8.
        params: the parameters, such as ``name`` and ``filename``.

    Raises:
        ValueError: a bad disposition type or parameter name, or (without
            quoting) a value holding CR, LF or NUL.
    """
    if not is_token(disptype):
        raise ValueError(f"bad content disposition type {disptype!r}")
    pieces = [disptype]
    for key, value in params.items():
        if not is_token(key):
            raise ValueError(f"bad content disposition parameter {key!r}={value!r}")
        if quote_fields:
            value = CONTROL_CHARS.sub(_percent, value.replace('"', "%22"))
            value = value.replace("\\", "\\\\")
        else:
            if BAD_HEADER_CHARS.search(value):
                raise ValueError(f"{key} must not contain CR, LF or NUL: {value!r}")
            value = value.replace("\\", "\\\\").replace('"', '\\"')
        pieces.append(f'{key}="{value}"')
    return "; ".join(pieces)


def _percent(match: re.Match[str]) -> str:
    char = match.group(0)
    return _PERCENT.get(char) or f"%{ord(char):02X}"
