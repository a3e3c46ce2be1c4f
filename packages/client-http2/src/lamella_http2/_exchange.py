"""``H2Exchange``: one request and its response, on one HTTP/2 stream.

The session writes the request as HTTP/1.1 bytes; the exchange reads the
head back (``_head``), opens its stream with a ``HEADERS`` frame and sends
the body as ``DATA`` frames within the peer's flow-control windows (what
does not fit waits in an outbox, and :meth:`drain` waits for it). The
response's ``HEADERS`` become a ``ResponseHead`` (version 2.0, no
pseudo-headers), its ``DATA`` feed the body stream, and a reset, a
``GOAWAY`` or the loss of the connection fail the exchange with the
exception its phase calls for, as ``HTTP11Connection`` does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable
from typing import TYPE_CHECKING, Any

import h2.exceptions
from h2.errors import ErrorCodes

from lamella_core import StreamReader
from lamella_core.connection import AbstractExchange, HeadLimits, ResponseHead
from lamella_core.exceptions import (
    BodyTooLarge,
    ClientConnectionError,
    ClientConnectionResetError,
    ClientOSError,
    ClientPayloadError,
    HeadLimitSignal,
    ServerDisconnectedError,
    SocketTimeoutError,
)

from ._head import Dechunker, RequestHead, breach

if TYPE_CHECKING:
    from lamella_core.connection import ContentDecoder

    from ._connection import H2Connection

__all__ = ["STREAM_WINDOW", "H2Exchange"]

_HEAD_END = b"\r\n\r\n"
# As for HTTP/1.1 (RFC 9110 section 10.1.1): do not wait for ever for 100 Continue.
_CONTINUE_WAIT = 1.0
_NO_UPGRADE = (
    "An Upgrade request (a WebSocket handshake) cannot be sent over HTTP/2: "
    "use a session whose connector was made without http2="
)
#: The body stream asks to pause its stream above this many buffered bytes.
_PAUSE_ABOVE = 256 * 1024
#: What each stream may have in flight towards us before the reader takes it
#: (SETTINGS_INITIAL_WINDOW_SIZE); a quarter of it is acknowledged at a time.
STREAM_WINDOW = 1024 * 1024


class _Body(StreamReader):
    """The response body: a ``StreamReader`` that resets its stream when broken early.

    The response breaks its stream when it is released before the body
    ended; on HTTP/2 the stream is then reset (``CANCEL``) so the server
    stops sending and the connection stays usable.
    """

    __slots__ = ("_exchange",)

    def __init__(self, exchange: H2Exchange, limit: int, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(exchange, limit, loop=loop, pause_above=_PAUSE_ABOVE)
        self._exchange = exchange

    def set_exception(self, exc: BaseException, *args: Any) -> None:
        super().set_exception(exc, *args)
        self._exchange.close()


class H2Exchange(AbstractExchange):
    """One request on one stream of an :class:`H2Connection`."""

    def __init__(
        self,
        conn: H2Connection,
        method: str,
        *,
        limits: HeadLimits,
        read_bufsize: int,
        sock_read: float | None,
        deadline: float | None,
        make_decoder: Callable[[list[bytes]], ContentDecoder | None] | None,
        expect_continue: bool,
        max_body_size: int | None,
    ) -> None:
        self._conn = conn
        self._loop = loop = conn._loop
        self._method = method
        self._limits = limits
        self._read_bufsize = read_bufsize
        self._make_decoder = make_decoder
        self._max_body_size = max_body_size
        self.stream_id: int | None = None
        self.output_size = 0
        self._pending = b""  # the head, until it is complete
        self._head: RequestHead | None = None
        self._dechunker: Dechunker | None = None
        self._body_left: int | None = None
        self._outbox = bytearray()
        self._end_pending = False  # end the stream once the outbox is sent
        self._sent_end = False
        self._done = False
        self._got_bytes = False
        self._paused = False
        self._unacked = 0
        self._received = 0  # body bytes, before decoding
        self._declared: int | None = None  # the head's content-length
        self._stream: _Body | None = None
        self._decoder: ContentDecoder | None = None
        self._head_waiter: asyncio.Future[tuple[ResponseHead, StreamReader]] = loop.create_future()
        self._continue_waiter: asyncio.Future[bool] | None = (
            loop.create_future() if expect_continue else None
        )
        self._sock_read = sock_read
        self._read_timer_on = False
        self._last_read = 0.0
        self._read_handle: asyncio.TimerHandle | None = None
        self.deadline = deadline  # the connection's deadline clock fails the exchange then
        self.start_read_timer()

    def __repr__(self) -> str:
        return f"<H2Exchange {self._method} stream={self.stream_id} done={self._done}>"

    # --- AbstractExchange: sending -------------------------------------------

    @property
    def got_bytes(self) -> bool:
        """True once any frame of the response has arrived."""
        return self._got_bytes

    def write(self, data: bytes) -> None:
        """Take bytes of the HTTP/1.1 serialization: the head opens the stream, the
        rest (unframed when chunked) goes out as ``DATA``."""
        if self._done or not self._conn.is_open():
            raise ClientConnectionResetError("Cannot write to a closed HTTP/2 stream")
        self.output_size += len(data)
        if self._head is None:
            if self._pending:
                data = self._pending + data
            head, found, rest = data.partition(_HEAD_END)
            if not found:
                self._pending = data
                return
            self._pending = b""
            self._open(head)
            data = rest
        if self._dechunker is not None:
            data = self._dechunker.feed(data)
            if self._dechunker.done:
                self._end_pending = True
        self._queue(data)
        self.pump()

    def _open(self, head: bytes) -> None:
        parsed = self._head = self._conn.request_head(head)
        if parsed.upgrade:
            self._finish()
            raise ClientConnectionError(_NO_UPGRADE)
        if parsed.chunked:
            self._dechunker = Dechunker()
        self._body_left = parsed.content_length
        no_body = not parsed.chunked and not parsed.content_length
        self.stream_id = self._conn.open_stream(self)
        try:
            self._conn.h2.open_request(self.stream_id, parsed.headers, no_body)
        except h2.exceptions.ProtocolError as exc:
            self._finish()
            raise ClientConnectionResetError(f"HTTP/2 refused the request: {exc}") from exc
        self._sent_end = no_body
        self._conn.flush_soon()

    def _queue(self, data: bytes) -> None:
        if data:
            self._outbox += data
            if self._body_left is not None and self._dechunker is None:
                self._body_left -= len(data)
                if self._body_left <= 0:
                    self._end_pending = True

    def pump(self) -> None:
        """Send what the windows allow of the outbox, and the stream's end after it."""
        stream_id = self.stream_id
        if stream_id is None or self._sent_end or self._done:
            return
        h2conn = self._conn.h2
        try:
            while self._outbox:
                window = h2conn.local_flow_control_window(stream_id)
                room = min(window, h2conn.max_outbound_frame_size)
                if room <= 0:
                    break
                piece = bytes(self._outbox[:room])
                del self._outbox[:room]
                h2conn.send_data(stream_id, piece)
            if self._end_pending and not self._outbox:
                h2conn.end_stream(stream_id)
                self._sent_end = True
        except h2.exceptions.StreamClosedError:
            self._outbox.clear()  # the server ended the stream: it wants no more
            self._sent_end = True
        self._conn.flush()

    @property
    def writing_paused(self) -> bool:
        """True while body bytes wait for a window, or the transport is full."""
        return bool(self._outbox) or self._conn.writing_paused

    def write_buffer_size(self) -> int:
        """Body bytes waiting for a flow-control window."""
        return len(self._outbox)

    async def drain(self) -> None:
        """Wait until the outbox has been sent and the transport takes more."""
        while self.writing_paused:
            if self._done:
                raise ClientConnectionResetError("The HTTP/2 stream was closed")
            await self._conn.wait_for_window()
            self.pump()
        if self._done and not self._sent_end:
            raise ClientConnectionResetError("The HTTP/2 stream was closed")

    async def write_body(self, body: AsyncIterable[bytes], chunked: bool) -> None:
        """Send a streamed body as ``DATA`` frames (HTTP/2 frames it; no chunks)."""
        self._dechunker = None
        async for piece in body:
            if piece:
                self.output_size += len(piece)
                self._queue(piece)
                self.pump()
                await self.drain()
        self._end_pending = True
        self.pump()
        await self.drain()

    async def sendfile(self, file: Any, offset: int, count: int) -> bool:
        """False: the body goes as ``DATA`` frames, which the session streams itself."""
        return False

    async def wait_continue(self) -> bool:
        """Wait for ``100 Continue`` (True) or a final response (False), at most a second."""
        waiter = self._continue_waiter
        assert waiter is not None
        head = self._head_waiter
        if not waiter.done() and not head.done():
            await asyncio.wait(
                (waiter, head), timeout=_CONTINUE_WAIT, return_when=asyncio.FIRST_COMPLETED
            )
            if not waiter.done() and not head.done():
                waiter.set_result(True)
        return waiter.done() and not waiter.cancelled() and waiter.result()

    # --- AbstractExchange: receiving -----------------------------------------

    async def read_head(self) -> tuple[ResponseHead, StreamReader]:
        """Wait for the response's ``HEADERS`` and the stream of its body."""
        return await self._head_waiter

    @property
    def head_future(self) -> asyncio.Future[tuple[ResponseHead, StreamReader]]:
        """What :meth:`read_head` awaits."""
        return self._head_waiter

    def pause_read_timer(self) -> None:
        """Hold the ``sock_read`` timer while the body is sent."""
        self._read_timer_on = False

    def start_read_timer(self) -> None:
        """Run the ``sock_read`` timer from now (a no-op when it already runs)."""
        sock_read = self._sock_read
        if sock_read is None or self._read_timer_on or self._done:
            return
        self._read_timer_on = True
        self._last_read = now = self._loop.time()
        if self._read_handle is None:
            self._read_handle = self._loop.call_at(now + sock_read, self._check_read_timeout)

    def is_connected(self) -> bool:
        """True while the stream can still send and receive."""
        return not self._done and self._conn.is_open()

    def close(self) -> None:
        """Abandon the exchange: reset its stream (``CANCEL``) if it is still open."""
        self._fail(ClientConnectionResetError("The HTTP/2 stream was closed"), None)

    # --- flow control, called by the body stream ------------------------------

    def pause_reading(self) -> None:
        """The reader holds too much: stop reopening this stream's window."""
        self._paused = True

    def resume_reading(self) -> None:
        """The reader caught up: reopen the window by what it took meanwhile."""
        self._paused = False
        self._acknowledge()

    def _acknowledge(self) -> None:
        unacked, self._unacked = self._unacked, 0
        if unacked and self.stream_id is not None and not self._done:
            self._conn.acknowledge(self.stream_id, unacked)

    # --- events, from the connection -------------------------------------------

    def on_informational(self, headers: list[tuple[bytes, bytes]]) -> None:
        """A 1xx answer: ``100`` lets the body go."""
        self._received_frame()
        read = self._conn.heads.read(headers, self._limits)
        if read is None:
            self._malformed("an interim response without a valid :status")
            return
        waiter = self._continue_waiter
        if waiter is not None and not waiter.done() and read.status == 100:
            waiter.set_result(True)

    def on_head(self, headers: list[tuple[bytes, bytes]]) -> None:
        """The final response head."""
        self._received_frame()
        read = self._conn.heads.read(headers, self._limits)
        if read is None:
            self._malformed("a response without a valid :status")
            return
        if read.breach is not None:
            self._fail(HeadLimitSignal(*read.breach), None)
            return
        bodyless = read.status in (204, 304) or self._method == "HEAD"
        codings = read.codings
        head = ResponseHead(
            version=(2, 0),
            status=read.status,
            reason=read.reason,
            headers=read.fields,
            keep_alive=True,
            chunked=False,
            content_length=0 if bodyless else read.content_length,
            upgrade=False,
            content_codings=codings,
            set_cookie=read.set_cookie,
        )
        self._declared = head.content_length
        stream = self._stream = _Body(self, self._read_bufsize, self._loop)
        refusal: ClientPayloadError | None = None
        if self._make_decoder is not None and codings:
            try:
                self._decoder = self._make_decoder(list(codings))
            except ClientPayloadError as exc:
                refusal = exc
        limit = self._max_body_size
        if limit is not None and (head.content_length or 0) > limit:
            refusal = BodyTooLarge("max_body_size", limit, head.content_length or 0)
        self._head_waiter.set_result((head, stream))
        if self._continue_waiter is not None and not self._continue_waiter.done():
            self._continue_waiter.set_result(False)
        self.start_read_timer()
        if refusal is not None:
            self._fail(None, refusal)

    def on_data(self, data: bytes, flow_controlled: int) -> None:
        """Body bytes of the response."""
        self._received_frame()
        stream = self._stream
        if stream is None or self._done:
            return
        self._unacked += flow_controlled
        if not self._paused and self._unacked >= STREAM_WINDOW // 4:
            self._acknowledge()
        received = self._received = self._received + len(data)
        limit = self._max_body_size
        if limit is not None and received > limit:
            self._fail(None, BodyTooLarge("max_body_size", limit, received))
            return
        if self._decoder is not None:
            stream.total_compressed_bytes = (stream.total_compressed_bytes or 0) + len(data)
            try:
                data = self._decoder.decompress(data)
            except ClientPayloadError as exc:
                self._fail(None, exc)
                return
        if data:
            stream.feed_data(data)

    def on_trailers(self, headers: list[tuple[bytes, bytes]]) -> None:
        """The trailer fields, under the head's limits; ``on_end`` follows."""
        stream = self._stream
        if self._done or stream is None:
            return
        fields = tuple(headers)
        if fields and fields[0][0] == b":status":  # the decoder let no other pseudo-header by
            self._malformed("a pseudo-header in the trailers")
            return
        over = breach(fields, self._limits)
        if over is not None:
            error = ClientPayloadError(f"Response trailers over {over[0]} ({over[1]})")
            self._fail(None, error)
            return
        stream.raw_trailers = fields

    def on_end(self) -> None:
        """The server ended its side: the response is complete."""
        stream = self._stream
        if self._done:
            return
        if stream is None:  # END_STREAM on the trailers of a response with no head
            self._fail(ServerDisconnectedError("The HTTP/2 stream ended before any response"), None)
            return
        if self._declared is not None and self._received != self._declared:
            # h2 checks the length on DATA frames only, not at an END_STREAM
            # carried by the head or the trailers.
            self.on_bad_length(self._received, self._declared)
            return
        if self._decoder is not None:
            try:
                tail = self._decoder.flush()
            except ClientPayloadError as exc:
                self._fail(None, exc)
                return
            if tail:
                stream.feed_data(tail)
        if not self._sent_end:
            # The server answered without reading all the body: stop sending it.
            self._reset(ErrorCodes.NO_ERROR)
        self._finish()
        stream.feed_eof()  # last: its callbacks give the lease back to the pool

    def on_bad_length(self, actual: int, declared: int) -> None:
        """The body ran past, or ended short of, the head's content-length."""
        self._received_frame()
        self._malformed(f"{actual} bytes of body against a content-length of {declared}")

    def on_reset(self, code: ErrorCodes | None) -> None:
        """The server reset the stream (``RST_STREAM``)."""
        name = code.name if code is not None else "NO_ERROR"
        refused = code is ErrorCodes.REFUSED_STREAM
        head_error = ServerDisconnectedError(f"HTTP/2 stream reset by the server ({name})")
        head_error.stale_connection = refused  # refused streams were never processed
        self._fail(
            head_error,
            ClientPayloadError(
                f"Response payload is not completed: stream reset by the server ({name})"
            ),
        )

    def on_refused(self, why: str) -> None:
        """The stream was above a ``GOAWAY``'s last stream id: never processed."""
        error = ServerDisconnectedError(f"HTTP/2 stream not processed by the server: {why}")
        error.stale_connection = True
        self._fail(error, ClientPayloadError(f"Response payload is not completed: {why}"))

    def on_lost(self, exc: BaseException | None) -> None:
        """The connection is gone."""
        lost: ClientOSError | ServerDisconnectedError = (
            ClientOSError(exc.errno, exc.strerror or str(exc))
            if isinstance(exc, OSError)
            else ServerDisconnectedError()
        )
        # A stream that was not the connection's first got nothing back: the
        # server dropped a connection it was keeping (retried when idempotent).
        lost.stale_connection = (self.stream_id or 0) > 1 and not self._got_bytes
        if exc is not None:
            lost.__cause__ = exc
        payload = ClientPayloadError("Response payload is not completed: the connection was lost")
        payload.__cause__ = exc
        self._fail(lost, payload)

    # --- internals --------------------------------------------------------------

    def _received_frame(self) -> None:
        self._got_bytes = True
        if self._sock_read is not None:
            self._last_read = self._loop.time()

    def _finish(self) -> None:
        """Mark the exchange over and free its stream on the connection."""
        self._done = True
        if self._read_handle is not None:
            self._read_handle.cancel()
            self._read_handle = None
        self._outbox.clear()
        self._conn.finished(self)

    def _fail(self, head_error: BaseException | None, body_error: BaseException | None) -> None:
        """End the exchange with ``head_error`` while no head came, else ``body_error``."""
        if self._done:
            return
        self._finish()
        self._reset(ErrorCodes.CANCEL)
        waiter = self._head_waiter
        if not waiter.done():
            waiter.set_exception(head_error or body_error or ServerDisconnectedError())
            waiter.exception()  # the sender may never await it: mark it seen
            return
        stream = self._stream
        if stream is not None and body_error is not None and stream.exception() is None:
            stream.set_exception(body_error)

    def _malformed(self, what: str) -> None:
        """The server sent ``what``, a malformed response: a stream error (RFC 9113
        section 8.1.1), answered with ``RST_STREAM(PROTOCOL_ERROR)``."""
        error = ClientOSError(None, f"HTTP/2 protocol error from the server: {what}")
        self._reset(ErrorCodes.PROTOCOL_ERROR)  # first: the CANCEL of _fail finds it closed
        self._fail(error, ClientPayloadError(f"Response payload is not completed: {what}"))

    def _reset(self, code: ErrorCodes) -> None:
        """Send ``RST_STREAM`` unless the stream is closed already (or never opened)."""
        if self.stream_id is None:
            return
        try:
            self._conn.h2.reset_stream(self.stream_id, code)
        except h2.exceptions.ProtocolError:
            return  # closed on the h2 side: nothing to reset
        self._conn.flush()

    def _check_read_timeout(self) -> None:
        self._read_handle = None
        timeout = self._sock_read
        if timeout is None or self._done or not self._read_timer_on:
            return  # start_read_timer arms it again
        due = self._last_read + timeout
        if self._loop.time() < due:
            self._read_handle = self._loop.call_at(due, self._check_read_timeout)
            return
        error = SocketTimeoutError("Timeout on reading data from socket")
        self._fail(error, error)

    def deadline_expired(self) -> None:
        """The total timeout ran out (called by the connection's deadline clock)."""
        error = TimeoutError()
        self._fail(error, error)
