"""Message framing shared by both response parsers.

Theory of operation
-------------------

A parser lives as long as its connection and is re-armed by ``start()``
before each response. Between ``start()`` and the end of the response it
walks these states, each a small method that consumes bytes from the
current buffer and returns the new position (or -1 for "need more"):

    HEAD ──1xx──> HEAD
     │
     ├─ 101, 2xx to CONNECT, HEAD, 204, 304, Content-Length: 0 ──> DONE
     ├─ Content-Length ─────────> LENGTH ────────────────────────> DONE
     ├─ chunked ──> CHUNK_SIZE <──> CHUNK_DATA ─> CHUNK_CRLF
     │                  └── size 0 ──> TRAILERS ─────────────────> DONE
     └─ otherwise ──────────────> EOF_BODY ─── feed_eof() ───────> DONE

In DONE every further byte is ``leftover``: the caller knows whether that
means a poisoned connection or the first bytes of an upgraded protocol.

The only thing the two implementations do differently is turning a
complete header block into ``(name, value)`` pairs
(``_parse_fields``); finding the end of the head, the size limits, the
meaning of the framing headers and the body decoding are done here, once,
for both. That is not only less code: httptools cannot say where inside
the fed bytes a message ended (llhttp's error position is exposed for
upgrades only), and its ``on_headers_complete`` cannot declare a bodiless
response, so the byte-exact ``leftover`` after a chunked body or a HEAD
answer can only be computed by framing code that owns the buffer.

Buffering: a feed is parsed in place; only an incomplete line-oriented
unit (head, chunk-size line, chunk CRLF, trailer line) is kept, in a
bytearray that later feeds extend. Searches resume where the previous one
stopped, so a head arriving one byte at a time costs linear time. Body
bytes are never buffered: each feed hands them out at once.
"""

from __future__ import annotations

import re
from typing import Final

from .errors import WireError
from .events import Body, ChunkEnd, Event, Informational, RawHeaders, ResponseEnd, ResponseHead
from .fields import (
    MAX_CONTENT_LENGTH,
    Framing,
    explain_bad_field,
    match_field_line,
    parse_status_line,
    read_framing,
    unfold,
)

__all__ = ["ResponseParserBase"]

# Plain ints rather than an Enum: these are compared on every feed.
_HEAD: Final = 0
_LENGTH: Final = 1
_CHUNK_SIZE: Final = 2
_CHUNK_DATA: Final = 3
_CHUNK_CRLF: Final = 4
_TRAILERS: Final = 5
_EOF_BODY: Final = 6
_DONE: Final = 7

_is_hex = re.compile(rb"[0-9A-Fa-f]{1,16}").fullmatch
_bad_ext_char = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]").search
# A lookbehind sees the bytes before the search's start: a CRLF split
# between two searches is not taken for a bare LF.
_bare_lf = re.compile(rb"(?<!\r)\n").search

_END_OF_CONTENT: Final = ResponseEnd(())
_CHUNK_END: Final = ChunkEnd()


class ResponseParserBase:
    """Everything of a response parser but the header-block tokenizer.

    Subclasses implement ``_parse_fields``. See the module docstring.
    """

    __slots__ = (
        "_counted",
        "_crlfs",
        "_line_at",
        "_max_field",
        "_max_headers",
        "_max_line",
        "_max_head",
        "_max_informational",
        "_informational",
        "_last_final",
        "_last_head",
        "_last_parsed",
        "_method",
        "_pending",
        "_remaining",
        "_scan",
        "_started",
        "_state",
        "_trailers",
        "leftover",
    )

    def __init__(
        self,
        *,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 32768,
        max_header_bytes: int = 2**62,
        max_informational: int = 2**62,
    ) -> None:
        self._max_line = max_line_size
        self._max_field = max_field_size
        self._max_headers = max_headers
        self._max_head = max_header_bytes
        self._max_informational = max_informational
        # The last head read and what it parsed to (see _parse_head).
        self._last_head = b""
        self._last_parsed: tuple[tuple[int, int], int, str, RawHeaders, Framing] | None = None
        # The final head made of it, for the method it answered, and the state
        # and body length it led to: events are immutable, so it is handed out again.
        self._last_final: tuple[str, ResponseHead, int, int] | None = None
        self.start("GET")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} method={self._method!r} state={self._state}>"

    # -- the ResponseParser interface ---------------------------------------

    def start(self, method: str) -> None:
        """Prepare for the response to a request made with ``method``."""
        self._method = method
        self._state = _HEAD
        self._pending: bytearray | None = None
        self._scan = 0
        self._crlfs = 0
        self._counted = 0
        self._line_at = 0
        self._remaining = 0
        self._trailers: list[tuple[bytes, bytes]] = []
        self._started = False
        self._informational = 0
        self.leftover = b""

    def feed(self, data: bytes | bytearray | memoryview) -> list[Event]:
        """Parse the next bytes from the peer and return the events they complete."""
        if self._state == _DONE:
            if data:
                self.leftover += bytes(data)
            return []
        if not data:
            return []
        self._started = True
        pending = self._pending
        buf: bytes | bytearray
        if pending is not None:
            pending += data
            buf = pending
        else:
            # A connection feeds a view of its shared receive buffer, which the
            # next read overwrites: this copies it (bytes given as bytes are kept).
            buf = bytes(data)
        events: list[Event] = []
        try:
            pos = self._run(buf, events)
        except WireError as exc:
            exc.events = list(events)
            raise
        if pos == len(buf):
            self._pending = None
        elif self._state == _DONE:
            self.leftover += bytes(buf[pos:])
            self._pending = None
        elif buf is pending:
            del pending[:pos]
        else:
            self._pending = bytearray(buf[pos:])
        return events

    def feed_eof(self) -> list[Event]:
        """The peer closed the connection; finish or refuse the response."""
        state = self._state
        self._state = _DONE
        if state == _DONE:
            return []
        if state == _EOF_BODY:
            return [_END_OF_CONTENT]
        if state == _HEAD:
            if not self._started:
                return []
            raise WireError("Connection closed before the response head was complete")
        if state == _LENGTH:
            raise WireError(
                f"Connection closed with {self._remaining} bytes of the body missing "
                "(Content-Length)"
            )
        raise WireError("Connection closed in the middle of a chunked body")

    # -- the state machine ---------------------------------------------------

    def _run(self, buf: bytes | bytearray, events: list[Event]) -> int:
        pos = 0
        size = len(buf)
        while pos < size:
            state = self._state
            if state == _HEAD:
                new = self._step_head(buf, pos, events)
            elif state == _LENGTH:
                new = self._step_length(buf, pos, events)
            elif state == _CHUNK_DATA:
                new = self._step_chunk_data(buf, pos, events)
            elif state == _CHUNK_SIZE:
                new = self._step_chunk_size(buf, pos)
            elif state == _CHUNK_CRLF:
                new = self._step_chunk_crlf(buf, pos, events)
            elif state == _TRAILERS:
                new = self._step_trailer(buf, pos, events)
            elif state == _EOF_BODY:
                events.append(Body(bytes(buf[pos:])))
                new = size
            else:  # _DONE: the rest is leftover, feed() keeps it.
                return pos
            if new < 0:
                return pos
            pos = new
        return pos

    def _step_head(self, buf: bytes | bytearray, pos: int, events: list[Event]) -> int:
        end = buf.find(b"\r\n\r\n", pos + self._scan)
        if end < 0:
            _refuse_bare_lf(buf, pos + self._scan, "the response head")
            self._check_partial_head(buf, pos)
            self._scan = max(len(buf) - pos - 3, 0)
            return -1
        self._scan = self._crlfs = self._counted = self._line_at = 0
        self._on_head(bytes(buf[pos : end + 4]), events)
        return end + 4

    def _check_partial_head(self, buf: bytes | bytearray, pos: int) -> None:
        # Refuse as soon as a limit is certainly crossed, so that a peer
        # cannot make us buffer an endless head. Only the bytes added since
        # the last call are scanned (from one byte back, for a split CRLF).
        start = pos + self._counted - 1 if self._counted else pos
        self._crlfs += buf.count(b"\r\n", start)
        last = buf.rfind(b"\r\n", start)
        if last >= 0:
            self._line_at = last + 2 - pos
        self._counted = len(buf) - pos
        # A line still open may end in a lone CR, hence the "+ 1".
        open_line = self._counted - self._line_at
        if self._crlfs == 0:
            if open_line > self._max_line + 1:
                raise WireError(
                    f"Got more than {self._max_line} bytes when reading the status line",
                    limit="max_line_size",
                    value=self._max_line,
                )
        elif self._crlfs - 1 > self._max_headers:
            raise WireError(
                f"Too many headers: more than {self._max_headers}",
                limit="max_headers",
                value=self._max_headers,
            )
        elif open_line > self._max_field + 1:
            raise WireError(
                f"Got more than {self._max_field} bytes when reading a header line",
                limit="max_field_size",
                value=self._max_field,
            )
        if self._counted > self._max_head + 4:
            raise WireError(
                f"Got more than {self._max_head} bytes of response head",
                limit="max_header_bytes",
                value=self._max_head,
            )

    def _on_head(self, head: bytes, events: list[Event]) -> None:
        """Turn one complete head into its events and the state its framing says."""
        kept = self._last_final  # set only for the final head in _last_head
        if head == self._last_head and kept is not None and kept[0] == self._method:
            final = kept[1]
            self._state, self._remaining = kept[2], kept[3]
        else:
            same = head == self._last_head and self._last_parsed is not None
            parsed = self._last_parsed if same else self._parse_head(head)
            assert parsed is not None
            version, status, reason, headers, framing = parsed
            if status < 200 and status != 101:
                self._informational += 1
                if self._informational > self._max_informational:
                    raise WireError(
                        f"More than {self._max_informational} interim (1xx) responses",
                        limit="max_informational",
                        value=self._max_informational,
                    )
                events.append(Informational(status, headers))
                return  # stay in HEAD: the final response follows
            final = self._final_head(version, status, reason, headers, framing)
            self._last_final = (self._method, final, self._state, self._remaining)
        events.append(final)
        if self._state == _DONE:
            events.append(_END_OF_CONTENT)

    def _parse_head(self, head: bytes) -> tuple[tuple[int, int], int, str, RawHeaders, Framing]:
        """The status line, the fields and the framing of ``head``, within the limits.

        A pure function of the bytes under this parser's fixed limits, so the
        result is kept for the next head: a server answering the same request
        again often sends the very same head, which then costs one comparison.
        """
        line_end = head.find(b"\r\n")
        if line_end > self._max_line:
            raise WireError(
                f"Got more than {self._max_line} bytes when reading the status line",
                limit="max_line_size",
                value=self._max_line,
            )
        if len(head) > self._max_head:
            raise WireError(
                f"Got more than {self._max_head} bytes of response head",
                limit="max_header_bytes",
                value=self._max_head,
            )
        version, status, reason = parse_status_line(head[:line_end])
        headers = self._read_fields(head, line_end) if len(head) > line_end + 4 else ()
        parsed = version, status, reason, headers, read_framing(headers)  # 1xx heads too
        self._last_head, self._last_parsed, self._last_final = head, parsed, None
        return parsed

    def _read_fields(self, head: bytes, line_end: int) -> RawHeaders:
        """The header fields of ``head``, whose status line ends at ``line_end``."""
        block = head[line_end + 2 : -2]
        # Cheap guards first: the block (each line with its CRLF) can only
        # hold a line over the limit if it is longer than the limit, and
        # only too many lines if it is 4 bytes a line long.
        if len(block) > self._max_field + 2:
            self._check_field_sizes(block)
        if len(block) > 4 * self._max_headers and block.count(b"\r\n") > self._max_headers:
            raise WireError(
                f"Too many headers: more than {self._max_headers}",
                limit="max_headers",
                value=self._max_headers,
            )
        try:
            return self._parse_fields(head, block)
        except WireError:
            # RFC 9112 section 5.2: a user agent replaces obs-fold with SP.
            unfolded = unfold(block)
            if unfolded is None:
                raise
            self._check_field_sizes(unfolded)
            return self._parse_fields(head[: line_end + 2] + unfolded + b"\r\n", unfolded)

    def _final_head(
        self,
        version: tuple[int, int],
        status: int,
        reason: str,
        headers: RawHeaders,
        framing: Framing,
    ) -> ResponseHead:
        """The final response's head; enters the state that reads its body."""
        content_length, transfer_encoding, chunked, close, keep_alive_token = framing[:5]
        codings, set_cookie = framing[5], framing[6]
        method = self._method
        if status == 101 or (method == "CONNECT" and status < 300):
            # The connection now speaks another protocol (RFC 9110 sections
            # 15.2.2 and 9.3.6); what follows the head is not ours.
            self._state = _DONE
            return ResponseHead(
                version, status, reason, headers, False, False, 0, True, codings, set_cookie
            )
        # RFC 9112 section 9.3: persistent by default from HTTP/1.1 on.
        keep_alive = not close if version == (1, 1) else keep_alive_token and not close
        # RFC 9112 section 6.3, in its order: no body, chunked, to EOF, or counted.
        if method == "HEAD" or status == 204 or status == 304:
            chunked, length, self._state = False, 0, _DONE
        elif chunked:
            length, self._state = None, _CHUNK_SIZE
        elif transfer_encoding or content_length is None:
            keep_alive, length, self._state = False, None, _EOF_BODY
        elif content_length:
            length, self._state = content_length, _LENGTH
            self._remaining = content_length
        else:
            length, self._state = 0, _DONE
        return ResponseHead(
            version,
            status,
            reason,
            headers,
            keep_alive,
            chunked,
            length,
            False,
            codings,
            set_cookie,
        )

    def _check_field_sizes(self, block: bytes) -> None:
        if max(map(len, block.split(b"\r\n"))) > self._max_field:
            raise WireError(
                f"Got more than {self._max_field} bytes when reading a header line",
                limit="max_field_size",
                value=self._max_field,
            )

    def _parse_fields(self, head: bytes, block: bytes) -> RawHeaders:
        """Turn the header block into raw pairs, refusing bad syntax.

        Args:
            head: the whole head, status line to the empty line included.
            block: the header lines only, each ending in CRLF (non-empty).

        Raises:
            WireError: a line breaks the field grammar of ``fields``.
        """
        raise NotImplementedError

    def _step_length(self, buf: bytes | bytearray, pos: int, events: list[Event]) -> int:
        end = pos + self._remaining
        if end <= len(buf):
            events.append(Body(bytes(buf[pos:end])))
            events.append(_END_OF_CONTENT)
            self._state = _DONE
            return end
        events.append(Body(bytes(buf[pos:])))
        self._remaining = end - len(buf)
        return len(buf)

    def _step_chunk_data(self, buf: bytes | bytearray, pos: int, events: list[Event]) -> int:
        end = pos + self._remaining
        if end <= len(buf):
            events.append(Body(bytes(buf[pos:end])))
            self._state = _CHUNK_CRLF
            return end
        events.append(Body(bytes(buf[pos:])))
        self._remaining = end - len(buf)
        return len(buf)

    def _step_chunk_crlf(self, buf: bytes | bytearray, pos: int, events: list[Event]) -> int:
        if len(buf) - pos < 2:
            if buf[pos] != 0x0D:
                raise WireError("Missing CRLF after chunk data")
            return -1
        if buf[pos : pos + 2] != b"\r\n":
            raise WireError("Missing CRLF after chunk data")
        events.append(_CHUNK_END)
        self._state = _CHUNK_SIZE
        return pos + 2

    def _step_chunk_size(self, buf: bytes | bytearray, pos: int) -> int:
        end = buf.find(b"\r\n", pos + self._scan)
        if end < 0:
            _refuse_bare_lf(buf, pos + self._scan, "a chunk size line")
            waiting = len(buf) - pos
            if waiting > self._max_line + 1:
                raise WireError(f"Got more than {self._max_line} bytes when reading a chunk size")
            self._scan = max(waiting - 1, 0)
            return -1
        self._scan = 0
        if end - pos > self._max_line:
            raise WireError(f"Got more than {self._max_line} bytes when reading a chunk size")
        # RFC 9112 section 7.1: chunk-size [ BWS ";" chunk-ext ]. The
        # extensions are ignored but may not hide control characters.
        size, semicolon, extensions = bytes(buf[pos:end]).partition(b";")
        if semicolon:
            size = size.rstrip(b" \t")
            if _bad_ext_char(extensions) is not None:
                raise WireError("Control character in a chunk extension")
        if _is_hex(size) is None:
            raise WireError(f"Invalid chunk size {size[:40]!r}: expected 1 to 16 hex digits")
        length = int(size, 16)
        if length > MAX_CONTENT_LENGTH:
            raise WireError(f"Chunk size {size!r} is too large")
        if length:
            self._remaining = length
            self._state = _CHUNK_DATA
        else:
            self._state = _TRAILERS
        return end + 2

    def _step_trailer(self, buf: bytes | bytearray, pos: int, events: list[Event]) -> int:
        end = buf.find(b"\r\n", pos + self._scan)
        if end < 0:
            _refuse_bare_lf(buf, pos + self._scan, "a trailer line")
            waiting = len(buf) - pos
            if waiting > self._max_field + 1:
                raise WireError(
                    f"Got more than {self._max_field} bytes when reading a trailer line"
                )
            self._scan = max(waiting - 1, 0)
            return -1
        self._scan = 0
        if end == pos:
            events.append(ResponseEnd(tuple(self._trailers)))
            self._state = _DONE
            return end + 2
        if end - pos > self._max_field:
            raise WireError(f"Got more than {self._max_field} bytes when reading a trailer line")
        line = bytes(buf[pos:end])
        match = match_field_line(line)
        if match is None:
            raise WireError(explain_bad_field(line))
        self._trailers.append((match[1], match[2]))
        if len(self._trailers) > self._max_headers:
            raise WireError(f"Too many trailers: more than {self._max_headers}")
        return end + 2


def _refuse_bare_lf(buf: bytes | bytearray, start: int, where: str) -> None:
    """Fail at once on a line that ends in LF alone, which would otherwise wait forever.

    RFC 9112 section 2.2 lets a recipient accept a bare LF; lamella refuses
    it instead, as a line end the framing code never looks for would leave
    the response waiting until a timeout, and as servers and proxies that
    split lines differently are how responses get smuggled.

    Raises:
        WireError: a bare LF lies in ``buf`` at or after ``start``.
    """
    if _bare_lf(buf, start) is not None:
        raise WireError(f"Bare LF line ending in {where}: lines must end with CRLF")
