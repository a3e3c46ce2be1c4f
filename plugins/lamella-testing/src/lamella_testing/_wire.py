"""The fake server's HTTP/1.1: reading the requests lamella writes, writing responses.

The reader is sans-I/O and strict only where lamella's own bytes could
differ: a head ends at the first empty line, a body is framed by
``Content-Length`` or ``Transfer-Encoding: chunked`` (RFC 9112 section 6).
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["ParsedRequest", "Reply", "RequestReader", "head_bytes"]

_NO_BODY_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class ParsedRequest:
    """One request as the fake server read it off the connection."""

    method: str
    target: str
    headers: CIMultiDictProxy[str]
    body: bytes


class RequestReader:
    """Turns the bytes a client writes into whole requests, in order."""

    __slots__ = ("_buffer", "_head", "_chunks", "_length", "_chunked")

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._head: tuple[str, str, CIMultiDict[str]] | None = None
        self._chunks: list[bytes] = []
        self._length = 0
        self._chunked = False

    def expects_continue(self) -> bool:
        """True while a head asking for ``100 Continue`` waits for its body."""
        return self._head is not None and (
            self._head[2].get("Expect", "").lower() == "100-continue"
        )

    def feed(self, data: bytes) -> tuple[list[ParsedRequest], bool]:
        """Add written bytes; return the requests they complete, and whether a head just ended.

        Raises:
            ValueError: The bytes are not an HTTP/1.1 request.
        """
        self._buffer += data
        done: list[ParsedRequest] = []
        new_head = False
        while True:
            if self._head is None:
                end = self._buffer.find(b"\r\n\r\n")
                if end < 0:
                    return done, new_head
                self._start(bytes(self._buffer[:end]).decode("latin-1"))
                del self._buffer[: end + 4]
                new_head = True
            request = self._read_body()
            if request is None:
                return done, new_head
            done.append(request)

    def _start(self, text: str) -> None:
        request_line, *lines = text.split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers: CIMultiDict[str] = CIMultiDict()
        for line in lines:
            name, _, value = line.partition(":")
            headers.add(name.strip(), value.strip())
        self._head = (method, target, headers)
        self._chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()
        self._length = int(headers.get("Content-Length", "0"))
        self._chunks = []

    def _read_body(self) -> ParsedRequest | None:
        assert self._head is not None
        if self._chunked:
            if not self._read_chunks():
                return None
            body = b"".join(self._chunks)
        else:
            if len(self._buffer) < self._length:
                return None
            body = bytes(self._buffer[: self._length])
            del self._buffer[: self._length]
        method, target, headers = self._head
        self._head = None
        return ParsedRequest(method, target, CIMultiDictProxy(headers), body)

    def _read_chunks(self) -> bool:
        """Consume whole chunks; True once the last chunk and trailers are in."""
        while True:
            line_end = self._buffer.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(bytes(self._buffer[:line_end]).split(b";")[0], 16)
            if size == 0:
                # The last chunk's line, any trailer fields, then an empty line.
                end = self._buffer.find(b"\r\n\r\n", line_end)
                if end < 0:
                    return False
                del self._buffer[: end + 4]
                return True
            if len(self._buffer) < line_end + 2 + size + 2:
                return False
            start = line_end + 2
            self._chunks.append(bytes(self._buffer[start : start + size]))
            del self._buffer[: start + size + 2]


@dataclass
class Reply:
    """What a route answers: a status, headers and one of body, JSON or a stream.

    Attributes:
        status: The status code.
        headers: Response header fields (``Content-Length`` and
            ``Transfer-Encoding`` are set from the body unless given).
        body: The body as bytes, or text encoded as UTF-8.
        json: A value sent as ``application/json`` (instead of ``body``).
        stream: An iterable or async iterable of byte pieces, sent chunked.
        reason: The reason phrase (the standard one by default).
    """

    status: int = 200
    headers: dict[str, str] | Iterable[tuple[str, str]] | None = None
    body: bytes | str | None = None
    json: Any = None
    stream: Iterable[bytes] | AsyncIterable[bytes] | None = None
    reason: str | None = None
    _fields: CIMultiDict[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        given = self.headers.items() if isinstance(self.headers, dict) else self.headers or ()
        self._fields = CIMultiDict(given)
        if self.json is not None:
            self.body = jsonlib.dumps(self.json).encode()
            self._fields.setdefault("Content-Type", "application/json")
        elif isinstance(self.body, str):
            self.body = self.body.encode()
            self._fields.setdefault("Content-Type", "text/plain; charset=utf-8")

    @property
    def body_bytes(self) -> bytes:
        """The body, empty for a stream or no body."""
        return self.body if isinstance(self.body, bytes) else b""

    def has_body(self, method: str) -> bool:
        """False where HTTP forbids a response body: HEAD, 1xx, 204, 304."""
        return method != "HEAD" and self.status >= 200 and self.status not in _NO_BODY_STATUSES


def head_bytes(reply: Reply, method: str, *, close: bool) -> bytes:
    """The status line and header block for ``reply`` to a ``method`` request."""
    fields = CIMultiDict(reply._fields)
    if reply.has_body(method) or method == "HEAD":
        if reply.stream is not None:
            fields.setdefault("Transfer-Encoding", "chunked")
        elif "Transfer-Encoding" not in fields:
            fields.setdefault("Content-Length", str(len(reply.body_bytes)))
    if close:
        fields["Connection"] = "close"
    reason = reply.reason
    if reason is None:
        try:
            reason = HTTPStatus(reply.status).phrase
        except ValueError:
            reason = ""
    lines = [f"HTTP/1.1 {reply.status} {reason}"]
    lines += [f"{name}: {value}" for name, value in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
