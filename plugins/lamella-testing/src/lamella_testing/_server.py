"""The fake server at the other end of a mock connection, and the transport between.

``MemoryTransport`` is what ``HTTP11Connection`` writes to and reads from:
a write goes to the ``FakeServer``, which reads requests from the bytes,
asks the router for the route, and writes the reply back as HTTP/1.1 bytes
through the protocol's receive buffer, honouring ``pause_reading``. So the
response goes through lamella's own parser, decoders and limits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any

from yarl import URL

from ._faults import Fault
from ._requests import RecordedRequest
from ._wire import ParsedRequest, Reply, RequestReader, head_bytes

if TYPE_CHECKING:
    from lamella_core.connection import HTTP11Connection

    from ._router import MockRouter, Route

__all__ = ["FakeServer", "MemoryTransport"]

_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_MALFORMED = b"HTTP/1.1 200 OK\r\nContent-Length: not-a-number\r\n\r\n"


class MemoryTransport(asyncio.Transport):
    """An in-memory ``asyncio.Transport`` between an ``HTTP11Connection`` and a fake server."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: HTTP11Connection, server: FakeServer
    ) -> None:
        super().__init__()
        self._loop = loop
        self._protocol: Any = protocol
        self._server = server
        self._pending = bytearray()
        self._paused = False
        self._reading = asyncio.Event()
        self._reading.set()
        self._closing = False
        self._eof = False

    # --- the client's side --------------------------------------------------------------

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            raise ConnectionResetError("the mock connection is closed")
        self._server.received(bytes(data))

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        self._shut(None)

    def abort(self) -> None:
        self._shut(None)

    def pause_reading(self) -> None:
        self._paused = True
        self._reading.clear()

    def resume_reading(self) -> None:
        if self._paused:
            self._paused = False
            self._loop.call_soon(self._flush)

    def is_reading(self) -> bool:
        return not self._paused and not self._closing

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": self._server.peername}.get(name, default)

    def get_protocol(self) -> Any:
        return self._protocol

    def set_protocol(self, protocol: Any) -> None:
        self._protocol = protocol

    def get_write_buffer_size(self) -> int:
        return 0

    def can_write_eof(self) -> bool:
        return False

    # --- the server's side ----------------------------------------------------------------

    def deliver(self, data: bytes) -> None:
        """Queue response bytes for the protocol; they arrive when it reads."""
        if self._closing or not data:
            return
        self._pending += data
        if not self._paused:
            self._flush()

    async def resumed(self) -> None:
        """Wait while the client has paused reading and bytes are still queued."""
        await self._reading.wait()

    def finish(self, exc: Exception | None = None) -> None:
        """The server closes (``exc`` None) or resets the connection, after what was delivered."""
        self._eof = True
        if exc is not None:
            self._pending.clear()
            self._shut(exc)
        elif not self._pending:
            self._shut(None)

    def _flush(self) -> None:
        protocol = self._protocol
        while self._pending and not self._paused and not self._closing:
            buffer = protocol.get_buffer(len(self._pending))
            size = min(len(buffer), len(self._pending))
            buffer[:size] = self._pending[:size]
            del self._pending[:size]
            protocol.buffer_updated(size)
        if not self._pending or self._closing:
            self._reading.set()
        if self._eof and not self._pending:
            self._shut(None)

    def _shut(self, exc: Exception | None) -> None:
        if self._closing:
            return
        self._closing = True
        self._reading.set()
        self._server.closed()
        self._loop.call_soon(self._protocol.connection_lost, exc)


class FakeServer:
    """Answers, in order, the requests written to one mock connection."""

    def __init__(self, router: MockRouter, scheme: str, host: str, port: int) -> None:
        self._router = router
        self._authority = URL.build(scheme=scheme, host=host, port=port)
        self.peername = (host, port)
        self._reader = RequestReader()
        self._queue: asyncio.Queue[tuple[Route, RecordedRequest]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.transport: MemoryTransport | None = None

    def attach(self, transport: MemoryTransport) -> None:
        """Start answering on ``transport``."""
        self.transport = transport
        self._task = asyncio.get_running_loop().create_task(self._serve())

    def received(self, data: bytes) -> None:
        """Take bytes the client wrote; raises the route's exception synchronously.

        Raises:
            UnmatchedRequestError: A request matched no route.
            BaseException: The matched route's ``exception``.
        """
        requests, new_head = self._reader.feed(data)
        if new_head and self._reader.expects_continue():
            assert self.transport is not None
            self.transport.deliver(_CONTINUE)
        for parsed in requests:
            request = self._recorded(parsed)
            route = self._router.resolve(request)
            if route.exception is not None:
                raise route.exception
            self._queue.put_nowait((route, request))

    def closed(self) -> None:
        """The connection went away: stop answering."""
        if self._task is not None:
            self._task.cancel()

    def _recorded(self, parsed: ParsedRequest) -> RecordedRequest:
        url = self._authority.join(URL(parsed.target, encoded=True))
        return RecordedRequest(parsed.method, url, parsed.headers, parsed.body)

    async def _serve(self) -> None:
        while True:
            route, request = await self._queue.get()
            try:
                if route.delay:
                    await asyncio.sleep(route.delay)
                reply = await route.answer(request)
                close = request.headers.get("Connection", "").lower() == "close"
                fault = self._router.fault_for(route)
                if not await self._send(reply, request.method, fault, close):
                    return
            except Exception as exc:
                # A callback or a stream of the test failed: the client sees a
                # reset, and the router reports the error when it stops.
                self._router.errors.append(exc)
                assert self.transport is not None
                self.transport.finish(ConnectionResetError(f"the route failed: {exc!r}"))
                return

    async def _send(self, reply: Reply, method: str, fault: Fault | None, close: bool) -> bool:
        """Write ``reply`` with ``fault`` applied; False once the connection is done."""
        transport = self.transport
        assert transport is not None
        if fault is Fault.RESET_BEFORE_HEAD:
            transport.finish(ConnectionResetError("connection reset by the mock server"))
            return False
        if fault is Fault.MALFORMED_HEAD:
            transport.deliver(_MALFORMED)
            transport.finish()
            return False
        head = head_bytes(reply, method, close=close)
        body = _body_pieces(reply, method)
        if fault is Fault.SLOW_DRIP:
            await self._drip(head, body)
        else:
            transport.deliver(head)
            if fault is Fault.RESET_AFTER_HEAD:
                transport.finish(ConnectionResetError("connection reset by the mock server"))
                return False
            if fault is Fault.STALL:
                return False  # the client's timeout ends it, closing the transport
            if fault is Fault.TRUNCATED_BODY:
                data = reply.body_bytes
                transport.deliver(data[: len(data) // 2])
                transport.finish()
                return False
            async for piece in body:
                transport.deliver(piece)
                await transport.resumed()
        if close:
            transport.finish()
            return False
        return True

    async def _drip(self, head: bytes, body: AsyncIterator[bytes]) -> None:
        transport = self.transport
        assert transport is not None
        size, delay = max(1, self._router.drip_size), self._router.drip_delay
        pending = bytearray(head)
        async for piece in body:
            pending += piece
        for start in range(0, len(pending), size):
            transport.deliver(bytes(pending[start : start + size]))
            await asyncio.sleep(delay)


async def _body_pieces(reply: Reply, method: str) -> AsyncIterator[bytes]:
    """The body as it goes on the wire: as is, or chunked for a stream; none for HEAD."""
    if not reply.has_body(method):
        return
    stream = reply.stream
    if stream is None:
        yield reply.body_bytes
        return
    async for piece in _iterate(stream):
        if piece:
            yield b"%x\r\n%b\r\n" % (len(piece), piece)
    yield b"0\r\n\r\n"


async def _iterate(stream: Iterable[bytes] | AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    if isinstance(stream, AsyncIterable):
        async for piece in stream:
            yield piece
    else:
        for piece in stream:
            yield piece
