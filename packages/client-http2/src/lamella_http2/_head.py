"""Turning the HTTP/1.1 request head the session writes into HTTP/2 header fields.

The session serializes every request as HTTP/1.1 bytes (one code path for
every protocol, see ``AbstractExchange``); this module reads them back:
the request line becomes the pseudo-headers, ``Host`` becomes
``:authority``, connection-specific fields are dropped (RFC 9113 section
8.2.2) and the body's framing is noted so that the exchange knows where
the body ends. Chunked framing written after the head is undone by
:class:`Dechunker`. The other way, :class:`HeadReader` turns the header
list of a response into what a ``ResponseHead`` holds.
"""

from __future__ import annotations

import http
from dataclasses import dataclass
from typing import Any

from hpack import NeverIndexedHeaderTuple

from lamella_core.abc import HeadLimits

__all__ = ["Dechunker", "HeadReader", "ReadHead", "RequestHead", "breach", "parse_request_head"]

_REASONS = {status.value: status.phrase for status in http.HTTPStatus}

# Fields that are about one HTTP/1.1 connection and mean nothing (or are
# forbidden) on an HTTP/2 stream.
_HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade", b"host"}
)
# Fields kept out of HPACK's dynamic table, so that a peer sharing the
# connection's compression context cannot guess them from the compressed
# size (the rule h2's normalisation applies, after Firefox and nghttp2);
# cookies shorter than 20 bytes are treated the same.
_SECRET = frozenset({b"authorization", b"proxy-authorization"})


@dataclass(slots=True)
class RequestHead:
    """A request head as HTTP/2 sends it.

    Attributes:
        headers: the pseudo-headers first, then the other fields, names lower-case.
        chunked: the body after the head is chunk-framed (``Transfer-Encoding: chunked``).
        content_length: the declared body length, or None.
        upgrade: the request asks to switch protocols (a WebSocket handshake).
    """

    headers: list[tuple[bytes, bytes]]
    chunked: bool
    content_length: int | None
    upgrade: bool = False


def parse_request_head(head: bytes, scheme: bytes) -> RequestHead:
    """Read a serialized HTTP/1.1 request head (without its blank line).

    Raises:
        ValueError: the head is not a request head the session writes.
    """
    lines = head.split(b"\r\n")
    method, target, _version = lines[0].split(b" ", 2)
    authority = b""
    fields: list[tuple[bytes, bytes]] = []
    chunked = False
    content_length: int | None = None
    upgrade = False
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip()
        if name == b"host":
            authority = value
        elif name == b"transfer-encoding":
            chunked = value.lower().endswith(b"chunked")
        elif name == b"content-length":
            content_length = int(value)
        elif name == b"upgrade":
            upgrade = True
        elif name == b"te" and value.lower() != b"trailers":
            continue  # RFC 9113 section 8.2.2: TE may only say "trailers"
        if name in _HOP_BY_HOP:
            continue
        if name in _SECRET or (name == b"cookie" and len(value) < 20):
            fields.append(NeverIndexedHeaderTuple(name, value))
        else:
            fields.append((name, value))
    pseudo = [(b":method", method), (b":scheme", scheme), (b":authority", authority)]
    pseudo.append((b":path", target))
    return RequestHead(pseudo + fields, chunked, content_length, upgrade)


class Dechunker:
    """Undoes HTTP/1.1 chunked framing written after a head, piece by piece.

    :meth:`feed` returns the body bytes found so far; :attr:`done` turns
    true at the last (zero-size) chunk.
    """

    __slots__ = ("_buffer", "_left", "done")

    def __init__(self) -> None:
        self._buffer = b""
        self._left = 0  # bytes of the current chunk's data still to come
        self.done = False

    def feed(self, data: bytes) -> bytes:
        """The body bytes in ``data`` (and in what was fed before and not yet complete)."""
        buffer = self._buffer + data
        out: list[bytes] = []
        while buffer and not self.done:
            if self._left > 0:
                piece = buffer[: self._left]
                out.append(piece)
                self._left -= len(piece)
                buffer = buffer[len(piece) :]
                if not self._left:
                    self._left = -2  # the CRLF after the data
                continue
            if self._left < 0:
                if len(buffer) < 2:
                    break
                buffer = buffer[2:]
                self._left = 0
                continue
            size_line, found, rest = buffer.partition(b"\r\n")
            if not found:
                break
            size = int(size_line.split(b";", 1)[0], 16)
            buffer = rest
            if size == 0:
                self.done = True  # the session writes no trailers
                buffer = b""
            else:
                self._left = size
        self._buffer = buffer
        return b"".join(out)


Fields = tuple[tuple[bytes, bytes], ...]


@dataclass(slots=True, frozen=True)
class ReadHead:
    """A response's header list, read.

    Attributes:
        status: the ``:status`` code.
        reason: its phrase ("" for a code HTTP does not name).
        fields: the header fields, pseudo-headers left out.
        codings: the ``Content-Encoding`` values.
        content_length: the ``Content-Length``, or None.
        set_cookie: a ``Set-Cookie`` field is present.
        breach: the first head limit the fields exceed (its name, the limit,
            the size), or None.
    """

    status: int
    reason: str
    fields: Fields
    codings: tuple[bytes, ...]
    content_length: int | None
    set_cookie: bool
    breach: tuple[str, int, int] | None


class HeadReader:
    """Reads response header lists, keeping the last one read.

    A server answering the same request again sends the same head (HPACK
    hands the same field objects back for a repeated block), which then
    costs one comparison.
    """

    __slots__ = ("_last", "_last_key")

    def __init__(self) -> None:
        self._last_key: tuple[Any, ...] = ()
        self._last: ReadHead | None = None

    def read(self, headers: list[tuple[bytes, bytes]], limits: HeadLimits) -> ReadHead | None:
        """The head ``headers`` hold under ``limits``, or None without a valid ``:status``."""
        key = (limits, *headers)
        if key == self._last_key:
            return self._last
        if not headers or headers[0][0] != b":status":
            return None
        code = headers[0][1]
        if len(code) != 3 or not code.isdigit():
            return None
        status = int(code)
        fields = tuple(headers[1:])
        codings = tuple(value for name, value in fields if name == b"content-encoding")
        length = next((value for name, value in fields if name == b"content-length"), None)
        read = ReadHead(
            status,
            _REASONS.get(status, ""),
            fields,
            codings,
            int(length) if length is not None else None,
            any(name == b"set-cookie" for name, _ in fields),
            breach(fields, limits),
        )
        self._last_key, self._last = key, read
        return read


def breach(fields: Fields, limits: HeadLimits) -> tuple[str, int, int] | None:
    """The first head limit ``fields`` exceed: (its name, the limit, the size), or None."""
    max_field, max_headers = limits[1], limits[2]
    if len(fields) > max_headers:
        return ("max_headers", max_headers, len(fields))
    for name, value in fields:
        size = len(name) + len(value) + 2
        if size > max_field:
            return ("max_field_size", max_field, size)
    return None
