"""The asyncio glue of one HTTP/1.1 connection: transport, parser and stream.

Theory of operation: ``HTTP11Connection`` is an ``asyncio.BufferedProtocol``.
The event loop reads into a buffer shared by the thread's connections (no
allocation per read); ``buffer_updated`` feeds that memory to the sans-I/O
parser and hands the events out: the head resolves the waiter of
:meth:`read_head`, body pieces go (decompressed when asked) into the
response's ``StreamReader``, and the end of the response feeds EOF, which
lets the response give the connection back to the pool. It holds no
policy: the session decides what to send and the connector what to keep.

Failures of the response are mapped in :meth:`_fail`, because only this
object knows the phase the response was in: a broken body becomes a
``ClientPayloadError``, a close before any head a ``ServerDisconnectedError``
(``stale_connection`` set when a kept-alive connection died before any
byte), a broken head a ``ResponseHeadError`` or ``HeadLimitSignal`` that
the session turns into a ``ClientResponseError`` because only it holds the
``RequestInfo``. A write on a lost transport raises
``ClientConnectionResetError`` from the call that writes.

One exchange at a time (``max_exchanges`` is 1): it implements both
``AbstractConnection`` and ``AbstractExchange``, and :meth:`begin` returns
the connection itself, so a request costs no extra object. Its clocks
(``sock_read``, the total deadline, the head's time) are the
``HTTP11Timers`` mixin, in ``http11_timers``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Callable
from typing import TYPE_CHECKING, Any, cast

from lamella_core._content.decoders import ContentDecoder
from lamella_core._content.streams import StreamReader
from lamella_core._limits import DEFAULT_LIMITS
from lamella_core._wire import (
    Body,
    ChunkEnd,
    Event,
    Informational,
    ResponseEnd,
    ResponseHead,
    WireError,
)
from lamella_core.abc import AbstractConnection, AbstractExchange, HeadLimits
from lamella_core.exceptions import (
    BodyTooLarge,
    ClientConnectionResetError,
    ClientOSError,
    ClientPayloadError,
    HeadLimitSignal,
    ServerDisconnectedError,
)

from .http11_timers import IDLE, READING_BODY, WAITING_HEAD, HTTP11Timers
from .parsers import response_parser_class
from .receive_buffer import HINTED_READ_SIZE, READ_BUFFER_SIZE, receive_buffer

if TYPE_CHECKING:
    from lamella_core._wire import ResponseParser

__all__ = ["HTTP11Connection", "ParserLimits", "ResponseHeadError"]

ParserLimits = HeadLimits
_DEFAULT_LIMITS: ParserLimits = (8190, 8190, 256, 256 * 1024, 32)


class ResponseHeadError(Exception):
    """The response head could not be parsed; the session raises it as a
    ``ClientResponseError`` because only it holds the ``RequestInfo``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HTTP11Connection(
    asyncio.BufferedProtocol, HTTP11Timers, AbstractConnection, AbstractExchange
):
    """One HTTP/1.1 connection, lent to one request at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self._buffer = receive_buffer()
        self._hinted_buffer = self._buffer[:HINTED_READ_SIZE]
        self._read_size = READ_BUFFER_SIZE  # the size of the reads the loop makes
        self._parser: ResponseParser | None = None
        self._limits = _DEFAULT_LIMITS
        self._state = IDLE
        self._connected = False
        self._reusable = True  # until a response or a failure says otherwise
        self._keep_alive = True
        self._paused_writing = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._head_waiter: asyncio.Future[tuple[ResponseHead, StreamReader]] | None = None
        self._continue_waiter: asyncio.Future[bool] | None = None
        self._stream: StreamReader | None = None
        self._decoder: ContentDecoder | None = None
        self._read_bufsize = 2**18
        self._got_bytes = False
        self._init_timers()
        self._make_decoder: Callable[[list[bytes]], ContentDecoder | None] | None = None
        self._read_until_eof = True
        self._max_body_size: int | None = None
        self._body_received = 0
        self.leftover = b""
        self.upgraded = False
        self.requests_sent = 0
        self.output_size = 0

    def __repr__(self) -> str:
        state = ("idle", "waiting-head", "reading-body")[self._state]
        peer = self.transport.get_extra_info("peername") if self.transport else None
        open_ = "open" if self._connected else "closed"
        return f"<HTTP11Connection {open_} {state} peer={peer!r} requests={self.requests_sent}>"

    # --- asyncio callbacks ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # No isinstance check: uvloop's transports do the whole Transport API
        # without subclassing asyncio.Transport.
        self.transport = cast("asyncio.Transport", transport)
        self._connected = True

    def get_buffer(self, sizehint: int) -> memoryview:
        # The loop reads into the thread's shared buffer on every call: no allocation.
        if 0 < sizehint <= HINTED_READ_SIZE:
            self._read_size = HINTED_READ_SIZE
            return self._hinted_buffer
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        if self._state == IDLE:
            # Bytes nobody asked for: the connection cannot be trusted again.
            self._reusable = False
            self.close()
            return
        self._got_bytes = True
        if self._sock_read is not None:
            self._last_read = self._loop.time()
        assert self._parser is not None
        try:
            events = self._parser.feed(self._buffer[:nbytes])
        except WireError as exc:
            for event in exc.events:
                self._dispatch(event)  # type: ignore[arg-type]
            self._fail(exc)
            return
        for event in events:
            cls = type(event)  # the usual three here, one call fewer each
            if cls is Body:
                self._on_body(event.data)  # type: ignore[union-attr]
            elif cls is ResponseHead:
                self._on_head(event)  # type: ignore[arg-type]
            elif cls is ResponseEnd:
                self._on_end()
            else:  # ChunkEnd, Informational
                self._dispatch(event)
            if self._state == IDLE:
                break  # the exchange ended early (read_until_eof=False)
        if (
            self._state == WAITING_HEAD
            and self._head_due is None
            and not (events and type(events[-1]) is Informational)
        ):
            self._start_head_clock()

    def eof_received(self) -> bool:
        # Returning False closes the transport, which runs connection_lost.
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._connected = False
        self._reusable = False
        self._cancel_timers()
        self._wake_drain(exc)
        if self._state == IDLE or self._parser is None:
            return
        try:
            events = self._parser.feed_eof()
        except WireError as wire_exc:
            self._fail(exc or wire_exc, disconnected=True)
            return
        for event in events:
            self._dispatch(event)
        if self._state != IDLE:
            self._fail(exc, disconnected=True)

    def pause_writing(self) -> None:
        self._paused_writing = True

    def resume_writing(self) -> None:
        self._paused_writing = False
        self._wake_drain(None)

    # --- flow control, called by StreamReader --------------------------------

    def pause_reading(self) -> None:
        """Stop reading from the socket while the stream holds too much."""
        if self.transport is not None and self._connected:
            self.transport.pause_reading()

    def resume_reading(self) -> None:
        """Read again once the consumer has drained the stream."""
        if self.transport is not None and self._connected:
            self.transport.resume_reading()

    # --- the exchange ---------------------------------------------------------

    def is_connected(self) -> bool:
        """True while the transport is open."""
        return self._connected and self.transport is not None and not self.transport.is_closing()

    @property
    def max_exchanges(self) -> int:
        """1: HTTP/1.1 carries one request at a time."""
        return 1

    def is_available(self) -> bool:
        """True when open, idle and the last response (if any) allowed keep-alive."""
        return self._reusable and self._state == IDLE and self.is_connected()

    def is_idle(self) -> bool:
        """True between exchanges."""
        return self._state == IDLE

    def has_expired(self) -> bool:
        """True once the transport is closed or closing."""
        return not self.is_connected()

    @property
    def got_bytes(self) -> bool:
        """True once any byte of the current response has arrived."""
        return self._got_bytes

    def begin(
        self,
        method: str,
        *,
        limits: ParserLimits = _DEFAULT_LIMITS,
        read_bufsize: int = 2**18,
        sock_read: float | None = None,
        deadline: float | None = None,
        make_decoder: Callable[[list[bytes]], ContentDecoder | None] | None = None,
        expect_continue: bool = False,
        read_until_eof: bool = True,
        max_body_size: int | None = None,
        keep_alive: bool = True,
        max_head_time: float | None = DEFAULT_LIMITS.max_head_time,
    ) -> HTTP11Connection:
        """Prepare for the response to one request; call before writing it.

        Returns the connection itself, the exchange of that request.
        ``keep_alive=False`` (the request said ``Connection: close``) keeps
        the connection from being reused after this response.
        ``max_head_time`` bounds the seconds from the first byte of each
        response head (1xx or final) to its end.
        """
        parser = self._parser
        if parser is None or limits != self._limits:
            parser = self._parser = response_parser_class()(
                max_line_size=limits[0],
                max_field_size=limits[1],
                max_headers=limits[2],
                max_header_bytes=limits[3],
                max_informational=limits[4],
            )
            self._limits = limits
        parser.start(method)
        self._state = WAITING_HEAD
        self._reusable = False
        self._got_bytes = False
        self._stream = None
        self._decoder = None
        self._read_bufsize = read_bufsize
        self._make_decoder = make_decoder
        self._read_until_eof = read_until_eof
        self._max_body_size = max_body_size
        self._keep_alive = keep_alive
        self._body_received = 0
        self._head_waiter = self._loop.create_future()
        self._continue_waiter = self._loop.create_future() if expect_continue else None
        self.requests_sent += 1
        self.output_size = 0
        self._arm_timers(sock_read, deadline, max_head_time)
        return self

    @property
    def writing_paused(self) -> bool:
        """True while the transport's write buffer is over its high-water mark."""
        return self._paused_writing

    @property
    def head_future(self) -> asyncio.Future[tuple[ResponseHead, StreamReader]]:
        """The future :meth:`read_head` awaits, to wait for it beside something else."""
        waiter = self._head_waiter
        assert waiter is not None
        return waiter

    def write_buffer_size(self) -> int:
        """Bytes written but still in the transport's buffer, not yet given to the kernel."""
        transport = self.transport
        return transport.get_write_buffer_size() if transport is not None else 0

    def write(self, data: bytes) -> None:
        """Write bytes of the current request (counted in ``output_size``)."""
        self._open_transport().write(data)
        self.output_size += len(data)

    def _open_transport(self) -> asyncio.Transport:
        transport = self.transport
        if transport is None or not self._connected or transport.is_closing():
            if self.output_size == 0 and self.requests_sent > 1:
                # Closed between two requests, before a byte of this one: resendable.
                lost = ServerDisconnectedError()
                lost.stale_connection = True
                lost.request_sent = False
                raise lost
            raise ClientConnectionResetError("Cannot write to closing transport")
        return transport

    async def drain(self) -> None:
        """Wait until the transport's write buffer is below its high-water mark."""
        if not self._connected:
            raise ClientConnectionResetError("Connection lost")
        if not self._paused_writing:
            return
        waiter = self._drain_waiter = self._loop.create_future()
        await waiter

    async def write_body(self, body: AsyncIterable[bytes], chunked: bool) -> None:
        """Stream a body, framing it as chunks when asked, with back-pressure."""
        async for piece in body:
            if not piece:
                continue
            if chunked:
                self.write(b"%x\r\n%b\r\n" % (len(piece), piece))
            else:
                self.write(piece)
            await self.drain()
        if chunked:
            self.write(b"0\r\n\r\n")

    async def sendfile(self, file: Any, offset: int, count: int) -> bool:
        """Send ``count`` bytes of ``file`` from ``offset`` through ``loop.sendfile``.

        On a plain socket the kernel copies the file itself; over TLS asyncio
        reads and writes it in large blocks. Returns False, having sent
        nothing, when the event loop has no ``sendfile`` (the caller then
        streams the file itself).
        """
        transport = self._open_transport()
        try:
            await self._loop.sendfile(transport, file, offset, count)
        except NotImplementedError:
            return False
        except ConnectionError as exc:
            if isinstance(exc, ClientOSError):
                raise
            raise ClientConnectionResetError(f"Connection lost sending a file: {exc}") from exc
        self.output_size += count
        return True

    async def read_head(self) -> tuple[ResponseHead, StreamReader]:
        """Wait for the final response head and the stream of its body."""
        waiter = self._head_waiter
        assert waiter is not None
        return await waiter

    def take_over(self, protocol: asyncio.BaseProtocol) -> tuple[asyncio.Transport, bytes]:
        """Hand the transport of an upgraded connection (101) to ``protocol``.

        Returns the transport, still paused, and the bytes that arrived after
        the response head; the new owner feeds those, then resumes reading.
        The connection stays lent from the pool until it is released, so the
        session's limits count it and closing the connector closes it.
        """
        transport = self.transport
        if not self.upgraded or transport is None:
            raise RuntimeError("Only an upgraded connection can be taken over")
        transport.set_protocol(protocol)
        self._cancel_timers()
        leftover, self.leftover = self.leftover, b""
        self._connected = False  # never reused for HTTP; close() still closes it
        return transport, leftover

    def switch_transport(self, transport: asyncio.Transport) -> None:
        """Carry on over ``transport``, e.g. TLS started inside a CONNECT tunnel."""
        if self.leftover:
            raise ClientConnectionResetError("Unexpected bytes from the proxy after CONNECT")
        self.transport = transport
        self.upgraded = False
        self._connected = True

    def close(self) -> None:
        """Close the transport now; the current exchange fails.

        A body still arriving when this side closes (the session or the
        connector was closed) is cut off with ``RuntimeError("Connection
        closed.")``, the error aiohttp raises there. Closing twice is a
        no-op: asyncio's TLS transport, closed a second time, drops its
        protocol and can no longer answer ``get_extra_info``.
        """
        self._reusable = False
        stream = self._stream
        if self._state == READING_BODY and stream is not None and stream.exception() is None:
            stream.set_exception(RuntimeError("Connection closed."))
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.close()

    def abort(self) -> None:
        """Drop the connection without flushing."""
        self._reusable = False
        if self.transport is not None:
            self.transport.abort()

    # --- internals ------------------------------------------------------------

    def _dispatch(self, event: Event) -> None:
        # Exact type checks: events are final classes, and this runs per event.
        cls = type(event)
        if cls is Body:
            self._on_body(event.data)  # type: ignore[union-attr]
        elif cls is ResponseHead:
            self._on_head(event)  # type: ignore[arg-type]
        elif cls is ChunkEnd:
            stream = self._stream
            assert stream is not None
            stream.end_http_chunk_receiving()
        elif cls is ResponseEnd:
            self._on_end()
        else:  # Informational: each head gets its own max_head_time, so a
            # body sent after 100 Continue is not timed as part of a head.
            self._head_due = None
            waiter = self._continue_waiter
            if event.status == 100 and waiter is not None and not waiter.done():  # type: ignore[union-attr]
                waiter.set_result(True)

    def _on_head(self, head: ResponseHead) -> None:
        # Pausing waits for more than a whole socket read, or every read
        # would pause and resume the transport.
        stream = self._stream = StreamReader(
            self, self._read_bufsize, loop=self._loop, pause_above=2 * self._read_size
        )
        if head.chunked:
            stream.begin_http_chunk_receiving()
        refusal: ClientPayloadError | None = None
        if self._make_decoder is not None and head.content_codings:
            try:
                self._decoder = self._make_decoder(list(head.content_codings))
            except ClientPayloadError as exc:  # too many codings
                refusal = exc
        max_body = self._max_body_size
        if max_body is not None and (head.content_length or 0) > max_body:
            refusal = BodyTooLarge("max_body_size", max_body, head.content_length or 0)
        self._reusable = head.keep_alive and self._keep_alive
        self.upgraded = head.upgrade
        self._state = READING_BODY
        self.start_read_timer()  # the server answered before the body was all written
        waiter = self._head_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result((head, stream))
        if self._continue_waiter is not None and not self._continue_waiter.done():
            self._continue_waiter.set_result(False)
            self._reusable = False  # the announced body is never sent: framing is lost
        if refusal is not None:
            self._fail(refusal)  # the caller gets the head, then the error on reading
            return
        if not self._read_until_eof and head.content_length is None and not head.chunked:
            # The body would run to EOF and the caller declined to read it.
            self._finish_exchange()
            self.close()
            stream.feed_eof()

    def _on_body(self, data: bytes) -> None:
        stream = self._stream
        assert stream is not None
        limit = self._max_body_size
        if limit is not None:
            self._body_received += len(data)
            if self._body_received > limit:
                self._fail(BodyTooLarge("max_body_size", limit, self._body_received))
                return
        if self._decoder is not None:
            stream.total_compressed_bytes = (stream.total_compressed_bytes or 0) + len(data)
            try:
                data = self._decoder.decompress(data)
            except ClientPayloadError as exc:
                self._fail(exc)
                return
            if not data:
                return
        stream.feed_data(data)

    def _on_end(self) -> None:
        stream = self._stream
        assert stream is not None
        if self._decoder is not None:
            try:
                tail = self._decoder.flush()
            except ClientPayloadError as exc:
                self._fail(exc)
                return
            if tail:
                stream.feed_data(tail)
        self._finish_exchange()
        assert self._parser is not None
        self.leftover = self._parser.leftover
        if self.upgraded:
            # 101 or a CONNECT tunnel: the bytes that follow are another
            # protocol's. Stop reading until its owner takes the transport.
            self._reusable = False
            if self.transport is not None:
                self.transport.pause_reading()
        elif self.leftover or not self._reusable:
            self.close()
        # EOF last: its callbacks give this connection back to the pool.
        stream.feed_eof()

    def _finish_exchange(self) -> None:
        # The timers stay armed; they find no exchange when they fire.
        self._state = IDLE
        self._deadline = None

    def _fail(self, cause: BaseException | None, *, disconnected: bool = False) -> None:
        """Translate a failure into the documented exception for this phase."""
        state = self._state
        head_waiter, stream = self._head_waiter, self._stream
        self._finish_exchange()
        self.close()
        self._wake_drain(cause)
        if state == WAITING_HEAD and head_waiter is not None and not head_waiter.done():
            exc: BaseException
            if isinstance(cause, asyncio.TimeoutError):
                exc = cause
            elif not disconnected and isinstance(cause, WireError):
                exc = (
                    HeadLimitSignal(cause.limit, cause.value, 0)
                    if cause.limit is not None
                    else ResponseHeadError(str(cause))
                )
            else:
                lost: ClientOSError | ServerDisconnectedError = (
                    ClientOSError(cause.errno, cause.strerror or str(cause))
                    if isinstance(cause, OSError)
                    else ServerDisconnectedError()
                )
                # A kept-alive connection the server closed before answering.
                lost.stale_connection = self.requests_sent > 1 and not self._got_bytes
                exc = lost
            if exc is not cause:
                exc.__cause__ = cause
            head_waiter.set_exception(exc)
            # The sender may be stopped elsewhere (a failed write) and never
            # await the head: mark the error seen so asyncio does not log it.
            head_waiter.exception()
        elif state == READING_BODY and stream is not None and stream.exception() is None:
            # (A stream already broken, e.g. by the response's release, keeps its error.)
            if isinstance(cause, (ClientPayloadError, asyncio.TimeoutError)):
                exc = cause
            else:
                exc = ClientPayloadError(
                    f"Response payload is not completed: {cause!r}"
                    if cause is not None
                    else "Response payload is not completed"
                )
                exc.__cause__ = cause
            stream.set_exception(exc)

    def _wake_drain(self, exc: BaseException | None) -> None:
        waiter = self._drain_waiter
        if waiter is None or waiter.done():
            return
        self._drain_waiter = None
        if exc is None:
            waiter.set_result(None)
        elif isinstance(exc, asyncio.TimeoutError):
            waiter.set_exception(exc)
        else:
            waiter.set_exception(ClientConnectionResetError(str(exc) or "Connection lost"))
