"""Syntax rules for status lines and header fields, shared by both parsers.

The character classes are RFC 9110/9112's and, on purpose, exactly the
ones llhttp (httptools) enforces in its strict mode, so the pure-Python
parser and the httptools adapter accept and refuse the same bytes:

* field name: ``token`` (RFC 9110 section 5.6.2);
* field value: HTAB, SP, VCHAR and obs-text (0x80-0xff); no NUL, no bare
  CR or LF, no other control character. An obs-fold fails this grammar;
  the shared framing code then unfolds the block with :func:`unfold` and
  parses it again, since RFC 9112 section 5.2 has a user agent replace
  each obs-fold with SP;
* reason phrase: HTAB, SP, VCHAR and obs-text. llhttp would let NUL and
  other controls through here; lamella refuses them in both parsers.

The framing headers (``Content-Length``, ``Transfer-Encoding``,
``Connection``) are interpreted here once, in Python, for both parsers, so
the two can never disagree about where a body ends.
"""

from __future__ import annotations

import re

from .errors import WireError
from .events import RawHeaders

__all__ = [
    "Framing",
    "explain_bad_field",
    "fields_ok",
    "find_fields",
    "match_field_line",
    "parse_status_line",
    "read_framing",
    "unfold",
]

_TCHAR = rb"!#$%&'*+\-.^_`|~0-9A-Za-z"
# name ":" OWS value OWS, the value starting and ending with a visible byte.
# The value may not start with SP or HTAB, so each line splits one way only:
# were the leading OWS ambiguous, a bad line at the end of a block would make
# the block-wide fullmatch backtrack through 2**n splits (ReDoS).
_FIELD = (
    rb"([" + _TCHAR + rb"]+):[ \t]*"
    rb"((?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?)[ \t]*"
)
# One C-level pass validates a whole block of CRLF-terminated field lines,
# a second one extracts the (name, value) pairs as tuples.
fields_ok = re.compile(rb"(?:" + _FIELD + rb"\r\n)*").fullmatch
find_fields = re.compile(_FIELD + rb"\r\n").findall
match_field_line = re.compile(_FIELD).fullmatch

_bad_reason_char = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]").search
_is_name = re.compile(rb"[" + _TCHAR + rb"]+").fullmatch
_bad_value_char = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]").search

# Content-Length is refused from 2**63 on: no real body is that large and
# a smaller cap than llhttp's 2**64 keeps every length a signed 64-bit int.
MAX_CONTENT_LENGTH = 2**63 - 1


def parse_status_line(line: bytes) -> tuple[tuple[int, int], int, str]:
    """Split ``HTTP/1.x SP 3DIGIT [SP reason]`` into version, status, reason.

    The space before an empty reason may be missing, as llhttp tolerates.
    A server sends few distinct status lines, so parsed ones are cached.

    Raises:
        WireError: another protocol or version, a status that is not three
            digits in 100..999, or a control character in the reason.
    """
    parsed = _status_cache.get(line)
    if parsed is None:
        parsed = _parse_status_line(line)
        if len(_status_cache) < _STATUS_CACHE_SIZE:
            _status_cache[line] = parsed
    return parsed


_STATUS_CACHE_SIZE = 256
_status_cache: dict[bytes, tuple[tuple[int, int], int, str]] = {}


def _parse_status_line(line: bytes) -> tuple[tuple[int, int], int, str]:
    prefix = line[:9]
    if prefix == b"HTTP/1.1 ":
        version = (1, 1)
    elif prefix == b"HTTP/1.0 ":
        version = (1, 0)
    else:
        raise WireError(f"Invalid status line {line[:40]!r}: expected HTTP/1.0 or HTTP/1.1")
    code = line[9:12]
    if len(code) != 3 or not code.isdigit() or code[0] == 0x30:
        raise WireError(f"Invalid status code {code!r}: expected three digits, 100 to 999")
    if len(line) > 12:
        if line[12] != 0x20:
            raise WireError(f"Invalid status line {line[:40]!r}: expected SP after the status code")
        reason = line[13:]
        if _bad_reason_char(reason) is not None:
            raise WireError(f"Invalid reason phrase {reason[:40]!r}: control character")
        return version, int(code), reason.decode("utf-8", "surrogateescape")
    return version, int(code), ""


# obs-fold = OWS CRLF RWS (RFC 9112 section 5.2).
_obs_fold = re.compile(rb"[ \t]*\r\n[ \t]+")


def unfold(block: bytes) -> bytes | None:
    """``block`` with each obs-fold replaced by one SP, or None when it has none.

    A line led by whitespace right after the status line is no fold (there
    is no field to continue) and stays, for the grammar to refuse.
    """
    unfolded = _obs_fold.sub(b" ", block)
    return None if len(unfolded) == len(block) else unfolded


def explain_bad_field(line: bytes) -> str:
    """Say what is wrong with one header or trailer line (error path only)."""
    if line[:1] in (b" ", b"\t"):
        return f"Obsolete line folding is not accepted: {line[:40]!r}"
    name, colon, value = line.partition(b":")
    if not colon:
        return f"Header line without a colon: {line[:40]!r}"
    if _is_name(name) is None:
        return f"Invalid header name {name[:40]!r}: must be a token"
    if _bad_value_char(value) is not None:
        return f"Invalid character (NUL, CR, LF or control) in the value of {name[:40]!r}"
    return f"Invalid header line {line[:40]!r}"


# What the headers of one head say for framing and for the layers above:
# content_length, transfer_encoding (present), chunked, close, keep_alive
# (token present), the Content-Encoding values, and whether Set-Cookie is
# present. The last two are gathered in the same pass so that no later
# layer scans the fields again for every response.
Framing = tuple[int | None, bool, bool, bool, bool, tuple[bytes, ...], bool]

_NO_FRAMING: Framing = (None, False, False, False, False, (), False)
_CONNECTION_TOKENS: dict[bytes, tuple[bool, bool]] = {
    b"keep-alive": (False, True),
    b"close": (True, False),
}


def read_framing(headers: RawHeaders) -> Framing:
    """Interpret Content-Length, Transfer-Encoding and Connection.

    Raises:
        WireError: Content-Length that is repeated (even with the same
            value, as llhttp refuses it), not plain digits, too large, or
            present beside Transfer-Encoding (RFC 9112 section 6.3: a
            request-smuggling pattern); an empty Transfer-Encoding.
    """
    content_length: int | None = None
    codings: list[bytes] | None = None
    connection: list[bytes] | None = None
    content_codings: tuple[bytes, ...] = ()
    set_cookie = False
    for name, value in headers:
        size = len(name)
        # Length first: the lower() happens only for the candidates.
        if size == 14 and name.lower() == b"content-length":
            if content_length is not None:
                raise WireError("Duplicate Content-Length header")
            if not value.isdigit():
                raise WireError(f"Invalid Content-Length {value[:40]!r}: expected digits")
            if len(value.lstrip(b"0")) > 19 or (content_length := int(value)) > MAX_CONTENT_LENGTH:
                raise WireError(f"Content-Length {value[:40]!r} is too large")
        elif size == 10:
            lowered = name.lower()
            if lowered == b"connection":
                if connection is None:
                    connection = []
                connection.append(value)
            elif lowered == b"set-cookie":
                set_cookie = True
        elif size == 17 and name.lower() == b"transfer-encoding":
            if not value:
                raise WireError("Empty Transfer-Encoding header")
            if codings is None:
                codings = []
            codings.append(value)
        elif size == 16 and name.lower() == b"content-encoding":
            content_codings += (value,)
    if codings is None and connection is None and content_length is None:
        if not content_codings and not set_cookie:
            return _NO_FRAMING
        return (None, False, False, False, False, content_codings, set_cookie)
    chunked = False
    if codings is not None:
        if content_length is not None:
            raise WireError("Transfer-Encoding and Content-Length in one response")
        # RFC 9112 section 6.1: chunked only counts as the final coding.
        tokens = [t for t in b",".join(codings).split(b",") if t.strip(b" \t")]
        chunked = bool(tokens) and tokens[-1].strip(b" \t").lower() == b"chunked"
    close = keep_alive = False
    if connection is not None:
        known = _CONNECTION_TOKENS.get(connection[0].lower()) if len(connection) == 1 else None
        if known is not None:
            close, keep_alive = known
        else:
            options = {t.strip(b" \t") for t in b",".join(connection).lower().split(b",")}
            close = b"close" in options
            keep_alive = b"keep-alive" in options
    return (
        content_length,
        codings is not None,
        chunked,
        close,
        keep_alive,
        content_codings,
        set_cookie,
    )
