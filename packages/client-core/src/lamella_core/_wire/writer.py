"""Serialise a request head (request line and header fields) to bytes.

Every request goes through here, so the checks are done on joined strings
with one C-level regex search each instead of a Python loop per header;
the slow loop that names the culprit runs only once a check has failed.

Encoding: the method, the target and the header names must be ASCII (they
are validated as such), header values are encoded as UTF-8, as aiohttp
does. Values are sent verbatim: nothing is stripped, because surrounding
spaces and tabs are optional whitespace that the receiver drops anyway
(RFC 9112 section 5.1).

A client sends the same head again and again (the same method, target and
headers on every GET of a poll loop), so the validated bytes are kept per
distinct head, in a small table that is emptied when full: a repeated head
costs one dict lookup, and heads that never repeat (a changing token or
request id) cost one failed lookup more than before.
"""

from __future__ import annotations

import re
from typing import Any, Iterable  # noqa: UP035 - _wire imports only typing, see STYLE.md #1

__all__ = ["serialize_request_head"]

_TCHAR = "!#$%&'*+\\-.^_`|~0-9A-Za-z"
_is_token = re.compile(f"[{_TCHAR}]+").fullmatch
_bad_name_char = re.compile(f"[^{_TCHAR}]").search
# RFC 9110 section 5.5: a field value is visible characters, SP, HTAB and
# obs-text. C0 controls other than HTAB and DEL are refused, which covers
# the CR, LF and NUL that would let a value smuggle a line onto the wire.
_bad_value_char = re.compile("[\x00-\x08\x0a-\x1f\x7f]").search
# The target comes from yarl already percent-encoded: visible ASCII only.
_is_target = re.compile("[\x21-\x7e]+").fullmatch
# Methods known to be tokens skip the regex.
_STANDARD_METHODS = frozenset(
    ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
)
# (method, target, version, header pairs) -> the head's bytes; only heads
# that passed every check get in, so a hit needs none of them again.
_HEADS_MAX = 256
_heads: dict[tuple[str, str, tuple[int, int], tuple[tuple[str, str], ...]], bytes] = {}


def serialize_request_head(
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]] | Any,
    version: tuple[int, int] = (1, 1),
) -> bytes:
    """Build ``METHOD SP target SP HTTP/x.y CRLF *(name: value CRLF) CRLF``.

    Args:
        method: an RFC 9110 token such as ``GET``.
        target: the request target, already percent-encoded (origin form
            ``/path?query``, absolute form for proxies, ``host:port`` for
            CONNECT, ``*`` for OPTIONS).
        headers: ``(name, value)`` pairs in sending order, or a mapping such
            as ``CIMultiDict`` whose ``items()`` are used.
        version: the HTTP version of the request line.

    Returns:
        The whole head as one bytes object, ready for one ``write``.

    Raises:
        ValueError: the method is not a token; the target is empty or holds
            a space, a control or a non-ASCII character; a header name is
            not a token; a header value holds CR, LF, NUL or another control
            character than HTAB. Nothing is produced in that case.
    """
    if not isinstance(headers, tuple):
        items = getattr(headers, "items", None)
        headers = tuple(items() if items is not None else headers)
    key = (method, target, version, headers)
    keep = True
    try:
        return _heads[key]
    except KeyError:
        pass
    except TypeError:  # a pair that is not hashable (a list): checked, not kept
        keep = False
    head = _build_head(method, target, headers, version)
    if keep:
        if len(_heads) >= _HEADS_MAX:
            _heads.clear()
        _heads[key] = head
    return head


def _build_head(
    method: str, target: str, headers: tuple[Any, ...], version: tuple[int, int]
) -> bytes:
    """Check and serialise one head that is not in the table (see serialize_request_head)."""
    if method not in _STANDARD_METHODS and _is_token(method) is None:
        raise ValueError(f"invalid HTTP method {method!r}: must be an RFC 9110 token")
    if _is_target(target) is None:
        raise ValueError(
            f"invalid request target {target!r}: must be non-empty visible ASCII "
            "(no space, CR, LF, NUL or other control character)"
        )
    major, minor = version
    if headers:
        names, values = zip(*headers, strict=True)
        if (
            _bad_name_char("".join(names)) is not None
            or not all(names)
            or _bad_value_char("".join(values)) is not None
        ):
            _raise_for_bad_header(headers)
        block = "\r\n".join(map(": ".join, headers))
        return f"{method} {target} HTTP/{major}.{minor}\r\n{block}\r\n\r\n".encode()
    return f"{method} {target} HTTP/{major}.{minor}\r\n\r\n".encode()


def _raise_for_bad_header(headers: Iterable[tuple[str, str]]) -> None:
    """Find the first offending header and raise a ValueError naming it."""
    for name, value in headers:
        if _is_token(name) is None:
            raise ValueError(
                f"invalid header name {name!r}: must be an RFC 9110 token "
                "(no colon, space, CR, LF or NUL)"
            )
        if _bad_value_char(value) is not None:
            raise ValueError(
                f"invalid value for header {name!r}: {value!r} holds CR, LF, NUL "
                "or another control character"
            )
    raise AssertionError("unreachable: a header check failed but no header is bad")
