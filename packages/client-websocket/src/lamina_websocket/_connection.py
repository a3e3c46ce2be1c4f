"""The asyncio glue of one WebSocket: transport <-> websockets' sans-I/O Protocol.

Theory of operation: after the 101 response, lamina-core hands the socket's
transport over to a :class:`WebSocketConnection`. Framing, masking,
fragment limits, control frames, the close handshake and permessage-deflate
are all done by websockets' ``Protocol`` (fed bytes, it returns frames and the
bytes to write back). This module only moves bytes and frames:

- ``data_received`` feeds the Protocol, writes what it wants written (pongs,
  the echo of a close frame), joins fragments into whole messages, checks
  UTF-8 and queues ``WSMessage`` objects for ``receive()``;
- a failure of the peer (a protocol error, a message too big) is queued as a
  ``WebSocketError`` after the messages that preceded it;
- the queue applies back-pressure: past a high-water mark of buffered bytes
  the transport stops reading until the application catches up;
- writes from the application go through :meth:`flush`, and :meth:`drain`
  waits while the transport's write buffer is full.

No policy lives here (autoclose, heartbeat, timeouts): that is
``ClientWebSocketResponse``'s business.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from typing import Final, cast

from websockets.frames import Frame, Opcode
from websockets.protocol import Protocol, Side, State

from lamina_core import ClientConnectionResetError

from ._errors import WebSocketError
from ._models import WSMessage, WSMsgType

__all__ = ["EOF", "ClientProtocol", "WebSocketConnection"]

# Queued bytes above which reading pauses, and below which it resumes.
_HIGH_WATER: Final = 4 * 2**16
_LOW_WATER: Final = 2**16

_TEXT, _BINARY, _CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
_CLOSE, _PING, _PONG = Opcode.CLOSE, Opcode.PING, Opcode.PONG


class _Eof:
    """What :meth:`WebSocketConnection.read` returns once the socket is gone."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EOF"


EOF: Final = _Eof()


class ClientProtocol(Protocol):
    """websockets' client-side Protocol, already open, with optional auto-pong.

    websockets always answers a ping; aiohttp's ``autoping=False`` hands pings
    to the application instead, which then answers with ``pong()``.
    """

    def __init__(self, *, max_size: int | None, autoping: bool) -> None:
        super().__init__(Side.CLIENT, state=State.OPEN, max_size=max_size)
        self.autoping = autoping

    def recv_frame(self, frame: Frame) -> None:
        if frame.opcode is _PING and not self.autoping:
            self.events.append(frame)
            return
        super().recv_frame(frame)


class WebSocketConnection(asyncio.Protocol):
    """Owns the transport of one WebSocket once the handshake is done."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: ClientProtocol, *, decode_text: bool
    ) -> None:
        self._loop = loop
        self.protocol = protocol
        self.transport: asyncio.Transport | None = None
        self._decode_text = decode_text
        self._deliver_control = not protocol.autoping
        self._messages: deque[WSMessage | WebSocketError] = deque()
        self._buffered = 0
        self._reading_paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._fragments: list[bytes] = []
        self._fragment_type = _BINARY
        self._failed = False
        self._eof = False
        self.lost_exc: BaseException | None = None
        self._lost: asyncio.Future[None] = loop.create_future()
        self._lost_callbacks: list[Callable[[], object]] = []
        self._writing_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        #: Called on every read from the socket (the heartbeat listens here).
        self.on_data: Callable[[], None] | None = None

    def __repr__(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        return (
            f"<WebSocketConnection {self.protocol.state.name.lower()} peer={peer!r} "
            f"queued={len(self._messages)}>"
        )

    def attach(self, transport: asyncio.Transport, leftover: bytes) -> None:
        """Start on a transport taken over from lamina-core, still paused."""
        self.transport = transport
        if leftover:
            # Frames the server sent right behind its 101 response.
            self.data_received(leftover)
        if not self._eof and not self._reading_paused:
            transport.resume_reading()

    # --- asyncio callbacks ---------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.on_data is not None:
            self.on_data()
        protocol = self.protocol
        protocol.receive_data(data)
        # Pongs and the echo of a close frame go out before anything else.
        self.flush()
        # After the handshake the Protocol yields frames only.
        for frame in cast("list[Frame]", protocol.events_received()):
            if self._failed:
                break
            self._on_frame(frame)
        exc = protocol.parser_exc
        if exc is not None and not self._failed:
            self._failed = True
            # An unexpected EOF is reported by connection_lost as CLOSED.
            if not isinstance(exc, EOFError):
                sent = protocol.close_sent
                code = sent.code if sent is not None else 1006
                self._push(WebSocketError(code, str(exc) or type(exc).__name__), 0)
        self._wake()

    def eof_received(self) -> bool:
        # The server closed its side: nothing more can arrive. Returning False
        # closes the transport, which runs connection_lost.
        self.protocol.receive_eof()
        self.protocol.data_to_send()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self.lost_exc = exc
        self.protocol.receive_eof()
        self.protocol.data_to_send()
        self._wake()
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_exception(ClientConnectionResetError("Connection lost"))
        self._drain_waiters.clear()
        if not self._lost.done():
            self._lost.set_result(None)
        callbacks, self._lost_callbacks = self._lost_callbacks, []
        for callback in callbacks:
            callback()

    def on_lost(self, callback: Callable[[], object]) -> None:
        """Call ``callback()`` once the transport is gone (now, if it already is)."""
        if self._lost.done():
            callback()
        else:
            self._lost_callbacks.append(callback)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._drain_waiters.clear()

    # --- reading -------------------------------------------------------------

    async def read(self) -> WSMessage | WebSocketError | _Eof:
        """The next message or error, or ``EOF`` once the socket is closed.

        Cancelling the wait loses nothing: an item leaves the queue only
        when it is returned.
        """
        messages = self._messages
        while not messages:
            if self._eof:
                return EOF
            waiter = self._waiter = self._loop.create_future()
            try:
                await waiter
            finally:
                self._waiter = None
        item = messages.popleft()
        # Sizes count what is queued: bytes, or characters of decoded text.
        if type(item) is WSMessage and item.type <= WSMsgType.BINARY and self._buffered:
            self._buffered -= len(item.data)
            if self._reading_paused and self._buffered <= _LOW_WATER:
                self._reading_paused = False
                if self.transport is not None and not self._eof:
                    self.transport.resume_reading()
        return item

    def push_front(self, message: WSMessage) -> None:
        """Queue ``message`` ahead of everything (``close()`` wakes ``receive()``)."""
        self._messages.appendleft(message)
        self._wake()

    def push(self, message: WSMessage) -> None:
        """Queue ``message`` behind everything received so far."""
        self._messages.append(message)
        self._wake()

    def _push(self, item: WSMessage | WebSocketError, size: int) -> None:
        self._messages.append(item)
        if size:
            self._buffered += size
            if self._buffered > _HIGH_WATER and not self._reading_paused:
                self._reading_paused = True
                if self.transport is not None:
                    self.transport.pause_reading()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _on_frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is _TEXT or opcode is _BINARY:
            if frame.fin:
                self._deliver(opcode, frame.data)  # type: ignore[arg-type]
            else:
                self._fragment_type = opcode
                self._fragments = [frame.data]  # type: ignore[list-item]
        elif opcode is _CONT:
            self._fragments.append(frame.data)  # type: ignore[arg-type]
            if frame.fin:
                data = b"".join(self._fragments)
                self._fragments = []
                self._deliver(self._fragment_type, data)
        elif opcode is _CLOSE:
            close = self.protocol.close_rcvd
            assert close is not None
            self._push(WSMessage(WSMsgType.CLOSE, close.code, close.reason), 0)
        elif self._deliver_control:  # PING or PONG, with autoping off
            kind = WSMsgType.PING if opcode is _PING else WSMsgType.PONG
            self._push(WSMessage(kind, bytes(frame.data), ""), 0)

    def _deliver(self, opcode: Opcode, data: bytes) -> None:
        if opcode is _BINARY:
            self._push(WSMessage(WSMsgType.BINARY, data, None), len(data))
            return
        if not self._decode_text:
            self._push(WSMessage(WSMsgType.TEXT, data, None), len(data))
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            # RFC 6455 section 8.1: invalid UTF-8 fails the connection with 1007.
            reason = f"invalid UTF-8 at position {exc.start}"
            self.protocol.fail(1007, reason)
            self.flush()
            self._failed = True
            self._push(WebSocketError(1007, reason), 0)
            return
        self._push(WSMessage(WSMsgType.TEXT, text, None), len(text))

    # --- writing -------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """True while frames can still be written."""
        transport = self.transport
        return transport is not None and not self._eof and not transport.is_closing()

    def flush(self) -> None:
        """Write what the Protocol has queued for the network."""
        transport = self.transport
        data = self.protocol.data_to_send()
        if transport is None or self._eof or transport.is_closing():
            return
        for chunk in data:
            if chunk:
                transport.write(chunk)
            elif transport.can_write_eof():  # websockets asks for a half-close
                transport.write_eof()

    async def drain(self) -> None:
        """Wait while the transport's write buffer is above its high-water mark."""
        if not self._writing_paused:
            return
        if self._eof:
            raise ClientConnectionResetError("Connection lost")
        waiter = self._loop.create_future()
        self._drain_waiters.append(waiter)
        await waiter

    # --- closing -------------------------------------------------------------

    @property
    def lost(self) -> bool:
        """True once the transport is gone."""
        return self._eof

    def abort(self) -> None:
        """Drop the connection now, without a close handshake."""
        if self.transport is not None:
            self.transport.abort()

    async def close_transport(self, timeout: float | None) -> None:
        """Close the transport and wait, at most ``timeout``, until it is gone."""
        transport = self.transport
        if transport is None or self._lost.done():
            return
        transport.close()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._lost)
        except TimeoutError:
            transport.abort()
