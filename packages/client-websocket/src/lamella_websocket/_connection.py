"""The asyncio glue of one WebSocket: transport <-> websockets' sans-I/O Protocol.

Theory of operation: after the 101 response, lamella-core hands the socket's
transport over to a :class:`WebSocketConnection`. websockets' ``Protocol``
owns the state of the connection: framing, fragment limits, control frames,
the close handshake and permessage-deflate are all its business. This module
moves bytes and frames, with one shortcut each way for the overwhelmingly
common message, so that a small round trip costs little more than the
socket's own work:

- reading: the loop reads into one reused buffer (``get_buffer``), and
  ``data_received`` walks the frame headers of what arrived. A
  complete, final, unmasked TEXT or BINARY frame with no RSV bit, within
  ``max_size``, arriving while the Protocol is OPEN with no fragmented
  message in progress, is one the Protocol would only append to its events
  (``Protocol.recv_frame`` changes no state for it), so the glue takes its
  payload straight from the buffer. Every other frame (control frames,
  fragments, compressed or oversized frames, anything malformed) is handed
  to the Protocol unchanged and in order. The Protocol is only ever fed
  whole frames, or the start of one frame whose remaining length the glue
  counts down (``_to_protocol``), so it always sits on a frame boundary when
  the glue reads a frame itself. An incomplete fast frame waits in the
  glue's own buffer (``_pending``). Once the Protocol leaves OPEN (a close
  frame, a failure), every byte goes to it.
- the Protocol's outgoing bytes (pongs, the echo of a close frame) are
  written before anything else; messages are joined from fragments, text is
  checked as UTF-8 (1007 otherwise), and ``WSMessage`` objects are queued
  for ``receive()``; a failure of the peer (a protocol error, a message too
  big) is queued as a ``WebSocketError`` after the messages that preceded it;
- the queue applies back-pressure: past a high-water mark of buffered bytes
  the transport stops reading until the application catches up;
- writing: :meth:`write_message` frames and masks an uncompressed data
  message itself while the Protocol is OPEN with nothing queued (exactly the
  bytes ``Protocol.send_text``/``send_binary`` would produce, with a mask
  from ``os.urandom`` drawn in batches); everything else goes through the
  Protocol and :meth:`flush`. :meth:`drain` waits while the transport's
  write buffer is full.

No policy lives here (autoclose, heartbeat, timeouts): that is
``ClientWebSocketResponse``'s business.
"""

from __future__ import annotations

import asyncio
import os
import struct
import threading
from collections import deque
from collections.abc import Callable
from typing import Final, cast

from websockets.frames import Frame, Opcode
from websockets.protocol import State

try:  # the C helper websockets masks its own frames with
    from websockets.speedups import apply_mask
except ImportError:  # pragma: no cover - websockets built without its extension
    from websockets.utils import apply_mask

from lamella_core import ClientConnectionResetError

from ._errors import WebSocketError
from ._models import WSMessage, WSMsgType
from ._protocol import EOF, ClientProtocol, _Eof, error_for

__all__ = ["WebSocketConnection"]

# Queued bytes above which reading pauses, and below which it resumes.
_HIGH_WATER: Final = 4 * 2**16
_LOW_WATER: Final = 2**16

_TEXT, _BINARY, _CONT = Opcode.TEXT, Opcode.BINARY, Opcode.CONT
_CLOSE, _PING, _PONG = Opcode.CLOSE, Opcode.PING, Opcode.PONG
_OPEN = State.OPEN
_MSG_TEXT, _MSG_BINARY = WSMsgType.TEXT, WSMsgType.BINARY

# First header byte of the frames read and written without the Protocol:
# FIN set, no RSV bit, opcode TEXT (0x1) or BINARY (0x2).
_FIN_TEXT: Final = 0x81
_FIN_BINARY: Final = 0x82
# Payload lengths with the top bit set are invalid (RFC 6455 section 5.2).
_NO_LIMIT: Final = 2**63 - 1
_HEAD_16 = struct.Struct("!BBH").pack
_HEAD_64 = struct.Struct("!BBQ").pack
# Masks are drawn from os.urandom this many bytes at a time.
_MASK_POOL: Final = 1024
_READ_BUFFER_SIZE: Final = 256 * 1024
# A fast frame whose payload is at least this large and not all here yet is
# read by the loop straight into a buffer of the connection, which is kept
# for the next one when it is at most _KEEP_MAX bytes: reused memory spares
# the page faults of fresh memory, about 2 per 4 KiB read.
_READ_INTO: Final = 64 * 1024
_KEEP_MAX: Final = 2**20
_local = threading.local()


def _receive_buffer() -> memoryview:
    """The receive buffer shared by every WebSocket of this thread's loop.

    The loop reads into it and calls ``buffer_updated`` synchronously, which
    copies what it keeps, so one buffer serves all connections; reading into
    reused memory spares the allocation (and, for asyncio's 256 KiB reads,
    the mmap, mremap and munmap) that a fresh ``bytes`` per read costs.
    """
    buffer: memoryview | None = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = memoryview(bytearray(_READ_BUFFER_SIZE))
    return buffer


class WebSocketConnection(asyncio.BufferedProtocol):
    """Owns the transport of one WebSocket once the handshake is done."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, protocol: ClientProtocol, *, decode_text: bool
    ) -> None:
        self._loop = loop
        self.protocol = protocol
        self.transport: asyncio.Transport | None = None
        self._buffer = _receive_buffer()
        self._decode_text = decode_text
        self._deliver_control = not protocol.autoping
        self._max_size = protocol.max_message_size or _NO_LIMIT
        self._messages: deque[WSMessage | WebSocketError] = deque()
        self._buffered = 0
        self._reading_paused = False
        # Tasks waiting in read(): a receive() and a close() of another task may both.
        self._waiters: list[asyncio.Future[None]] = []
        # Received bytes not consumed yet: the start of a frame, ``_need``
        # bytes long at least (its header, or all of a fast frame).
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._need = 0
        # The buffer a large fast frame is read into (while one is), its first
        # byte, its length and how much of it arrived; the buffer kept.
        self._into: bytearray | None = None
        self._into_first = 0
        self._into_len = 0
        self._into_at = 0
        self._keep: bytearray | None = None
        # Bytes of a frame the Protocol has begun to parse and still needs.
        self._to_protocol = 0
        self._fragments: list[bytes] = []
        self._fragment_type = _BINARY
        self._failed = False
        self._eof = False
        self.lost_exc: BaseException | None = None
        self._lost: asyncio.Future[None] = loop.create_future()
        self._lost_callbacks: list[Callable[[], object]] = []
        self.writing_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._masks = b""
        self._mask_at = 0
        #: Called on every read from the socket (the heartbeat listens here).
        self.on_data: Callable[[], None] | None = None

    def __repr__(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        return (
            f"<WebSocketConnection {self.protocol.state.name.lower()} peer={peer!r} "
            f"queued={len(self._messages)}>"
        )

    def attach(self, transport: asyncio.Transport, leftover: bytes) -> None:
        """Start on a transport taken over from lamella-core, still paused."""
        self.transport = transport
        if leftover:
            # Frames the server sent right behind its 101 response.
            self.data_received(leftover)
        if not self._eof and not self._reading_paused:
            transport.resume_reading()

    # --- asyncio callbacks ---------------------------------------------------

    def get_buffer(self, sizehint: int) -> memoryview:
        if self._into is not None:
            return memoryview(self._into)[self._into_at : self._into_len]
        return self._buffer

    def buffer_updated(self, nbytes: int) -> None:
        if self._into is None:
            self.data_received(self._buffer[:nbytes].tobytes())
            return
        if self.on_data is not None:
            self.on_data()
        self._into_at += nbytes
        if self._into_at == self._into_len:
            self._end_into()
            self._wake()

    def data_received(self, data: bytes) -> None:
        """Take ``data`` from the network (``buffer_updated`` reads here too)."""
        if self.on_data is not None:
            self.on_data()
        if self._into is not None:
            # Only the loop reads into the message, but stay correct if fed.
            at = self._into_at
            take = min(self._into_len - at, len(data))
            self._into[at : at + take] = data[:take]
            self._into_at = at + take
            if self._into_at < self._into_len:
                return
            self._end_into()
            data = data[take:]
        if self._pending:
            # The rest of a frame that began in an earlier read.
            self._pending.append(data)
            self._pending_size += len(data)
            if self._pending_size < self._need:
                return
            data = b"".join(self._pending)
            self._pending = []
        self._receive(data)
        self._wake()

    def _start_into(self, first: int, part: bytes, length: int) -> None:
        """Read the rest of a large fast frame straight into a buffer."""
        into = self._keep
        if into is None or len(into) < length:
            into = bytearray(length)
            self._keep = into if length <= _KEEP_MAX else None
        into[: len(part)] = part
        self._into = into
        self._into_first = first
        self._into_len = length
        self._into_at = len(part)

    def _end_into(self) -> None:
        into, self._into = self._into, None
        assert into is not None
        with memoryview(into) as view:
            data = view[: self._into_len].tobytes()
        self._deliver_fast(self._into_first, data)

    def _receive(self, data: bytes) -> None:
        """Read the frames in ``data``: fast ones here, the others through the Protocol."""
        protocol = self.protocol
        end = len(data)
        pos = self._to_protocol
        if pos:
            # The Protocol is inside a frame: give it the rest of that frame first.
            if pos >= end:
                self._to_protocol = pos - end
                self._feed(data)
                return
            self._to_protocol = 0
            self._feed(data[:pos])
        slow = -1  # where a run of frames for the Protocol starts
        while True:
            if protocol.state is not _OPEN or self._failed:
                # Closing or failed: the Protocol takes (or discards) everything.
                self._feed(data[pos if slow < 0 else slow :])
                return
            left = end - pos
            if left < 2:
                break
            first, length = data[pos], data[pos + 1]
            if length > 127:
                # A masked frame: the Protocol fails the connection on its header.
                self._feed(data[pos if slow < 0 else slow :])
                return
            head = 2
            if length > 125:
                head = 4 if length == 126 else 10
                if left < head:
                    break
                length = int.from_bytes(data[pos + 2 : pos + head], "big")
            stop = pos + head + length
            if (first == _FIN_TEXT or first == _FIN_BINARY) and length <= self._max_size:  # noqa: SIM109 - faster than a tuple
                if slow >= 0:
                    # Frames for the Protocol came first; they may change its state.
                    self._feed(data[slow:pos])
                    slow = -1
                    continue
                if protocol.current_size is None:
                    if stop > end:
                        if length >= _READ_INTO:
                            self._start_into(first, data[pos + head :], length)
                            return
                        break  # wait for the rest of this frame
                    self._deliver_fast(first, data[pos + head : stop])
                    pos = stop
                    continue
            if slow < 0:
                slow = pos
            if stop > end:
                # The Protocol gets the start of this frame now, the rest later.
                self._to_protocol = stop - end
                self._feed(data[slow:])
                return
            pos = stop
        if slow >= 0:
            self._feed(data[slow:pos])
            if protocol.state is not _OPEN or self._failed:
                self._feed(data[pos:])
                return
        if pos < end:
            # An incomplete header, or an incomplete frame that will be read here.
            rest = data[pos:]
            self._pending = [rest]
            self._pending_size = len(rest)
            self._need = self._frame_size(rest)

    def _frame_size(self, start: bytes) -> int:
        """How many bytes to wait for before ``start`` can be read further."""
        if len(start) < 2:
            return 2
        length = start[1]
        if length < 126:
            return 2 + length
        if length == 126:
            head = 4
        elif length == 127:
            head = 10
        else:
            return 2  # masked: the Protocol rejects it on sight
        if len(start) < head:
            return head
        return head + int.from_bytes(start[2:head], "big")

    def _feed(self, data: bytes) -> None:
        """Hand ``data`` to the Protocol and handle the frames it yields."""
        if not data:
            return
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
                self._push(error_for(exc, protocol.close_sent), 0)

    def eof_received(self) -> bool:
        # The server closed its side: nothing more can arrive. Returning False
        # closes the transport, which runs connection_lost.
        self.protocol.receive_eof()
        self.protocol.data_to_send()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._into = self._keep = None
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
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._drain_waiters.clear()

    # --- reading -------------------------------------------------------------

    def read_nowait(self) -> WSMessage | WebSocketError | _Eof | None:
        """The next message or error, ``EOF`` once the socket is closed, else None."""
        messages = self._messages
        if not messages:
            return EOF if self._eof else None
        item = messages.popleft()
        # Sizes count what is queued: bytes, or characters of decoded text.
        if self._buffered and type(item) is WSMessage and item.type <= _MSG_BINARY:
            self._buffered -= len(item.data)
            if self._reading_paused and self._buffered <= _LOW_WATER:
                self._reading_paused = False
                if self.transport is not None and not self._eof:
                    self.transport.resume_reading()
        return item

    async def read(self) -> WSMessage | WebSocketError | _Eof:
        """The next message or error, or ``EOF`` once the socket is closed.

        Cancelling the wait loses nothing: an item leaves the queue only
        when it is returned.
        """
        while (item := self.read_nowait()) is None:
            waiter = self._loop.create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                self._waiters.remove(waiter)
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
        for waiter in self._waiters:
            if not waiter.done():
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

    def _deliver_fast(self, first: int, data: bytes) -> None:
        """Queue the payload of a final TEXT or BINARY frame read without the Protocol."""
        if first == _FIN_BINARY:
            message = WSMessage(_MSG_BINARY, data, "")
        elif not self._decode_text:
            message = WSMessage(_MSG_TEXT, data, "")
        else:
            try:
                message = WSMessage(_MSG_TEXT, data.decode("utf-8"), "")
            except UnicodeDecodeError as exc:
                self._fail_utf8(exc)
                return
        self._push(message, len(message.data))

    def _deliver(self, opcode: Opcode, data: bytes) -> None:
        if opcode is _BINARY:
            self._push(WSMessage(WSMsgType.BINARY, data, ""), len(data))
            return
        if not self._decode_text:
            self._push(WSMessage(WSMsgType.TEXT, data, ""), len(data))
            return
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            self._fail_utf8(exc)
            return
        self._push(WSMessage(WSMsgType.TEXT, text, ""), len(text))

    def _fail_utf8(self, exc: UnicodeDecodeError) -> None:
        # RFC 6455 section 8.1: invalid UTF-8 fails the connection with 1007.
        reason = f"invalid UTF-8 at position {exc.start}"
        self.protocol.fail(1007, reason)
        self.flush()
        self._failed = True
        self._push(WebSocketError(1007, reason), 0)

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

    def write_message(self, first: int, payload: bytes | bytearray | memoryview) -> None:
        """Write one final, uncompressed TEXT (0x81) or BINARY (0x82) frame.

        The caller checked that the Protocol is OPEN, that the transport is
        writable and that no extension is to encode this message; the
        Protocol then has nothing queued (:meth:`flush` follows each of its
        sends), so this frame cannot overtake one of its frames.
        """
        if type(payload) is not bytes:
            payload = bytes(payload)
        at = self._mask_at
        if at == len(self._masks):
            self._masks = os.urandom(_MASK_POOL)
            at = 0
        mask = self._masks[at : at + 4]
        self._mask_at = at + 4
        size = len(payload)
        transport = self.transport
        assert transport is not None
        if size < 126:
            transport.write(bytes((first, 0x80 | size)) + mask + apply_mask(payload, mask))
        elif size < 65536:
            transport.write(_HEAD_16(first, 0xFE, size) + mask + apply_mask(payload, mask))
        else:
            # Two writes rather than one more copy of a large payload.
            transport.write(_HEAD_64(first, 0xFF, size) + mask)
            transport.write(apply_mask(payload, mask))

    async def drain(self) -> None:
        """Wait while the transport's write buffer is above its high-water mark."""
        if not self.writing_paused:
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
