"""``ClientWebSocketResponse``: the WebSocket as the application sees it.

It holds the policy that the asyncio glue (``_connection``) leaves out, in
the shape of aiohttp's client: ``receive()`` turns queued frames and
failures into ``WSMessage`` values and reacts to them (autoclose on CLOSE, a
close with the error's code on a protocol failure, CLOSED when the socket
vanished); ``close()`` runs the closing handshake within ``ws_close``; the
heartbeat pings after ``heartbeat`` seconds without incoming data and drops
the connection with 1006 when nothing answers within half that time.

States: open -> closing (a CLOSE or CLOSING message was seen) -> closed
(``close()`` ran or the connection was lost). ``closed`` turns True at the
start of ``close()``, as in aiohttp.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from websockets.frames import Close, Opcode
from websockets.protocol import State

from lamella_core import ClientConnectionResetError, ServerTimeoutError

from ._compression import one_message_deflate
from ._connection import WebSocketConnection
from ._errors import WebSocketError, WSMessageTypeError
from ._models import (
    DEFAULT_WS_CLIENT_TIMEOUT,
    WS_CLOSED_MESSAGE,
    WS_CLOSING_MESSAGE,
    ClientWSTimeout,
    WSCloseCode,
    WSMessage,
    WSMsgType,
)
from ._protocol import EOF, ClientProtocol

if TYPE_CHECKING:
    from lamella_core import ClientResponse

__all__ = ["ClientWebSocketResponse"]

_TEXT, _BINARY, _CLOSE = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CLOSE
_CLOSING = WSMsgType.CLOSING
_ENDS_ITERATION = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)
_ABNORMAL = WSCloseCode.ABNORMAL_CLOSURE
# The first byte of a final frame: FIN, no RSV bit, the opcode.
_FIN_TEXT, _FIN_BINARY = 0x80 | Opcode.TEXT, 0x80 | Opcode.BINARY


class ClientWebSocketResponse:
    """An open WebSocket, returned by ``ws_connect``; use it with ``async with``."""

    def __init__(
        self,
        connection: WebSocketConnection,
        response: ClientResponse,
        *,
        protocol: str | None = None,
        timeout: ClientWSTimeout = DEFAULT_WS_CLIENT_TIMEOUT,
        autoclose: bool = True,
        autoping: bool = True,
        heartbeat: float | None = None,
        compress: int = 0,
        client_notakeover: bool = False,
    ) -> None:
        self._conn = connection
        self._ws = connection.protocol
        self._response = response
        self._loop = asyncio.get_running_loop()
        self._protocol = protocol
        self._timeout = timeout
        self._autoclose = autoclose
        self._autoping = autoping
        self._compress = compress
        self._client_notakeover = client_notakeover
        self._closed = False
        self._closing = False
        self._close_code: int | None = None
        self._exception: BaseException | None = None
        self._waiting = False
        self._close_wait: asyncio.Future[None] | None = None
        self._heartbeat = heartbeat
        self._heartbeat_handle: asyncio.TimerHandle | None = None
        self._pong_handle: asyncio.TimerHandle | None = None
        self._last_data = 0.0
        if heartbeat is not None:
            self._last_data = self._loop.time()
            connection.on_data = self._on_data
            self._heartbeat_handle = self._loop.call_at(
                self._last_data + heartbeat, self._send_heartbeat
            )

    def __repr__(self) -> str:
        state = "closed" if self._closed else "closing" if self._closing else "open"
        return f"<ClientWebSocketResponse {state} url={str(self._response.url)!r}>"

    # --- attributes ----------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once closing started with ``close()`` or the connection was lost."""
        return self._closed

    @property
    def close_code(self) -> int | None:
        """The close code received or sent; None while open."""
        return self._close_code

    @property
    def protocol(self) -> str | None:
        """The subprotocol the server chose, or None."""
        return self._protocol

    @property
    def compress(self) -> int:
        """The window bits of permessage-deflate for sending; 0 when not negotiated."""
        return self._compress

    @property
    def client_notakeover(self) -> bool:
        """True when the server asked the client not to reuse its compression context."""
        return self._client_notakeover

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        """Information from the transport (``peername``, ``sslcontext``, ...)."""
        transport = self._conn.transport
        if transport is None or transport.is_closing():
            return default
        return transport.get_extra_info(name, default)

    def exception(self) -> BaseException | None:
        """The error that ended the connection, if one did."""
        return self._exception

    # --- sending -------------------------------------------------------------

    async def ping(self, message: bytes | str = b"") -> None:
        """Send a PING frame; a ``str`` message goes as UTF-8."""
        await self.send_frame(_as_bytes(message), WSMsgType.PING)

    async def pong(self, message: bytes | str = b"") -> None:
        """Send a PONG frame (needed only with ``autoping=False``); a ``str`` goes as UTF-8."""
        await self.send_frame(_as_bytes(message), WSMsgType.PONG)

    async def send_str(self, data: str, compress: int | None = None) -> None:
        """Send a TEXT message.

        Raises:
            TypeError: ``data`` is not a ``str``.
        """
        if not isinstance(data, str):
            raise TypeError(f"data argument must be str ({type(data)!r})")
        self._send(_FIN_TEXT, data.encode("utf-8"), compress)
        if self._conn.writing_paused:
            await self._conn.drain()

    async def send_bytes(
        self, data: bytes | bytearray | memoryview, compress: int | None = None
    ) -> None:
        """Send a BINARY message.

        Raises:
            TypeError: ``data`` is not bytes-like.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data argument must be byte-ish ({type(data)!r})")
        self._send(_FIN_BINARY, data, compress)
        if self._conn.writing_paused:
            await self._conn.drain()

    async def send_json(
        self,
        data: Any,
        compress: int | None = None,
        *,
        dumps: Callable[[Any], str] = json.dumps,
    ) -> None:
        """Send ``dumps(data)`` as a TEXT message."""
        await self.send_str(dumps(data), compress=compress)

    async def send_json_bytes(
        self,
        data: Any,
        compress: int | None = None,
        *,
        dumps: Callable[[Any], bytes],
    ) -> None:
        """Send ``dumps(data)`` as a BINARY message, for JSON encoders that return
        bytes (orjson, msgspec): no decoding and re-encoding in between."""
        await self.send_bytes(dumps(data), compress=compress)

    async def send_frame(
        self, message: bytes, opcode: WSMsgType | int, compress: int | None = None
    ) -> None:
        """Send one frame: TEXT, BINARY, PING, PONG or CLOSE.

        Raises:
            ValueError: another opcode; a lone CONTINUATION frame cannot be
                valid, since every frame sent here is final.
        """
        opcode = WSMsgType(opcode)
        if opcode is _TEXT or opcode is _BINARY:
            self._send(_FIN_TEXT if opcode is _TEXT else _FIN_BINARY, message, compress)
            await self._conn.drain()
        elif opcode is WSMsgType.PING or opcode is WSMsgType.PONG or opcode is _CLOSE:
            await self._send_control(opcode, bytes(message))
        else:
            raise ValueError(f"{opcode!r} is not a frame opcode")

    def _send(
        self, first: int, payload: bytes | bytearray | memoryview, compress: int | None
    ) -> None:
        # ``first`` is the frame's first byte: 0x81 (TEXT) or 0x82 (BINARY).
        ws, conn = self._ws, self._conn
        transport = conn.transport
        if ws.state is not State.OPEN or conn.lost or transport is None or transport.is_closing():
            raise ClientConnectionResetError("Cannot write to closing transport")
        if (compress == 0 or not ws.extensions) and not ws.writes:
            # Uncompressed: framed and masked by the glue, as the Protocol would.
            conn.write_message(first, payload)
            return
        if compress is None or not self._compress or compress == self._compress:
            _send_data(ws, first, payload)
        else:
            # This one message with a smaller window, compressed on its own.
            saved = ws.extensions
            ws.extensions = one_message_deflate(compress, self._compress)
            try:
                _send_data(ws, first, payload)
            finally:
                ws.extensions = saved
        conn.flush()

    async def _send_control(self, opcode: WSMsgType, payload: bytes) -> None:
        ws, conn = self._ws, self._conn
        # PING and PONG may still go after the server's CLOSE, until close()
        # runs (RFC 6455 section 5.5 lets control frames follow a Close; aiohttp
        # sends them then too).
        state_ok = ws.state is State.OPEN or (
            opcode is not _CLOSE and ws.state is State.CLOSING and not self._closed
        )
        if not state_ok or not conn.writable:
            raise ClientConnectionResetError("Cannot write to closing transport")
        if opcode is WSMsgType.PING:
            ws.send_ping(payload)
        elif opcode is WSMsgType.PONG:
            ws.send_pong(payload)
        else:
            code, reason = _parse_close_payload(payload)
            ws.send_close(code, reason)
        conn.flush()
        await conn.drain()

    # --- closing -------------------------------------------------------------

    async def close(self, *, code: int = WSCloseCode.OK, message: bytes | str = b"") -> bool:
        """Run the closing handshake; True if this call closed the WebSocket.

        Sends a close frame with ``code`` and ``message`` unless one was
        already sent, then waits up to ``ws_close`` seconds for the server's,
        and closes the connection. A ``receive()`` waiting in another task
        returns a CLOSING message first.

        Raises:
            ValueError: ``code`` may not be sent in a close frame, or
                ``message`` is longer than 123 bytes of UTF-8.
        """
        reason = message.decode("utf-8") if isinstance(message, (bytes, bytearray)) else message
        _check_close(code, reason)
        if self._waiting and not self._closing:
            # Break the receive() of another task first.
            self._close_wait = self._loop.create_future()
            self._set_closing()
            self._conn.push_front(WS_CLOSING_MESSAGE)
            await self._close_wait
        if self._closed:
            return False
        self._set_closed()
        conn, ws = self._conn, self._ws
        if ws.state is State.OPEN and conn.writable:
            ws.send_close(code, reason)
            conn.flush()
        if self._close_code is not None or conn.lost:
            # The server's close frame already came (or an error ended things).
            if self._close_code is None:
                self._close_code = _ABNORMAL
            await conn.close_transport(self._timeout.ws_close)
            return True
        try:
            async with asyncio.timeout(self._timeout.ws_close):
                await self._wait_for_close_frame()
        except asyncio.CancelledError:
            self._close_code = _ABNORMAL
            conn.abort()
            raise
        except Exception as exc:  # the server did not answer in time
            self._close_code = _ABNORMAL
            self._exception = exc
            conn.abort()
            return True
        await conn.close_transport(self._timeout.ws_close)
        return True

    async def _wait_for_close_frame(self) -> None:
        while True:
            item = await self._conn.read()
            if item is EOF:
                self._close_code = _ABNORMAL
                return
            if isinstance(item, WebSocketError):
                self._close_code = item.code
                self._exception = item
                return
            assert type(item) is WSMessage
            if item.type is _CLOSE:
                self._close_code = item.data
                return
            # Messages that arrive after our close frame are dropped.

    def _set_closing(self) -> None:
        self._closing = True
        self._cancel_heartbeat()

    def _set_closed(self) -> None:
        self._closed = True
        self._cancel_heartbeat()

    # --- receiving -----------------------------------------------------------

    async def receive(self, timeout: float | None = None) -> WSMessage:
        """Wait for the next message.

        TEXT, BINARY (and PING/PONG with ``autoping=False``) are returned as
        they come. CLOSE is returned after the handshake is answered (with
        ``autoclose``); CLOSING when ``close()`` was called from another task;
        CLOSED once the WebSocket is closed or the connection was lost; ERROR,
        with the exception as ``data``, after a protocol failure or a message
        larger than ``max_msg_size``, the connection then being closed.

        Args:
            timeout: seconds to wait; defaults to ``ws_receive`` of the
                ``ClientWSTimeout``. On ``TimeoutError`` the WebSocket stays
                usable, as it does when the waiting task is cancelled.

        Raises:
            RuntimeError: another task is already waiting in ``receive()``.
        """
        receive_timeout = timeout or self._timeout.ws_receive
        while True:
            if self._waiting:
                raise RuntimeError("Concurrent call to receive() is not allowed")
            if self._closed:
                return WS_CLOSED_MESSAGE
            if self._closing:
                await self.close()
                return WS_CLOSED_MESSAGE
            # A message already queued is returned without suspending.
            item = self._conn.read_nowait()
            if item is None:
                self._waiting = True
                try:
                    if receive_timeout:
                        async with asyncio.timeout(receive_timeout):
                            item = await self._conn.read()
                    else:
                        item = await self._conn.read()
                finally:
                    self._waiting = False
                    close_wait = self._close_wait
                    if close_wait is not None and not close_wait.done():
                        close_wait.set_result(None)
            if type(item) is WSMessage:
                if self.closed and (item.type is _TEXT or item.type is _BINARY):
                    # Another task closed the WebSocket while this one waited:
                    # data after our close frame is dropped, as close() drops it.
                    return WS_CLOSED_MESSAGE
                msg = item
            elif item is EOF:
                if self.closed and self.close_code is not None:
                    return WS_CLOSED_MESSAGE  # another task's close() saw the handshake end
                # The connection ended without a closing handshake.
                self._set_closed()
                self._close_code = _ABNORMAL
                if self._exception is None:
                    self._exception = self._conn.lost_exc
                return WS_CLOSED_MESSAGE
            else:
                assert isinstance(item, WebSocketError)
                # As in aiohttp, the ERROR message carries the protocol error;
                # exception() stays for what broke the connection itself.
                self._close_code = item.code
                await self.close(code=item.code)
                return WSMessage(WSMsgType.ERROR, item, None)
            kind = msg.type
            if kind is _TEXT or kind is _BINARY:
                return msg
            if kind is _CLOSE:
                self._set_closing()
                self._close_code = msg.data
                # A property, not the attribute: the heartbeat may have closed
                # the WebSocket while this task waited.
                if not self.closed and self._autoclose:
                    await self.close()
            elif kind is _CLOSING:
                self._set_closing()
            return msg

    async def receive_str(self, *, timeout: float | None = None) -> str:
        """Receive a TEXT message and return its text.

        Raises:
            WSMessageTypeError: the next message is of another type.
        """
        msg = await self.receive(timeout)
        if msg.type is not _TEXT:
            raise WSMessageTypeError(
                f"Received message {msg.type}:{msg.data!r} is not WSMsgType.TEXT"
            )
        data: str = msg.data
        return data

    async def receive_bytes(self, *, timeout: float | None = None) -> bytes:
        """Receive a BINARY message and return its bytes.

        Raises:
            WSMessageTypeError: the next message is of another type.
        """
        msg = await self.receive(timeout)
        if msg.type is not _BINARY:
            raise WSMessageTypeError(
                f"Received message {msg.type}:{msg.data!r} is not WSMsgType.BINARY"
            )
        data: bytes = msg.data
        return data

    async def receive_json(
        self, *, loads: Callable[[str], Any] = json.loads, timeout: float | None = None
    ) -> Any:
        """Receive a TEXT message and parse it with ``loads``."""
        return loads(await self.receive_str(timeout=timeout))

    def __aiter__(self) -> ClientWebSocketResponse:
        return self

    async def __anext__(self) -> WSMessage:
        msg = await self.receive()
        if msg.type in _ENDS_ITERATION:
            raise StopAsyncIteration
        return msg

    async def __aenter__(self) -> ClientWebSocketResponse:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- heartbeat -----------------------------------------------------------

    def _on_data(self) -> None:
        # Called for every read from the socket: any data proves the peer alive.
        now = self._last_data = self._loop.time()
        if self._pong_handle is not None:
            self._pong_handle.cancel()
            self._pong_handle = None
            assert self._heartbeat is not None
            self._heartbeat_handle = self._loop.call_at(now + self._heartbeat, self._send_heartbeat)

    def _send_heartbeat(self) -> None:
        self._heartbeat_handle = None
        heartbeat = self._heartbeat
        assert heartbeat is not None
        if self._closed or self._closing:
            return
        now = self._loop.time()
        due = self._last_data + heartbeat
        if now < due:
            # Data came since this timer was armed: wait from then on.
            self._heartbeat_handle = self._loop.call_at(due, self._send_heartbeat)
            return
        ws, conn = self._ws, self._conn
        if ws.state is not State.OPEN or not conn.writable:
            return
        ws.send_ping(b"")
        conn.flush()
        self._pong_handle = self._loop.call_at(now + heartbeat / 2, self._pong_not_received)

    def _pong_not_received(self) -> None:
        self._pong_handle = None
        if self._closed:
            return
        assert self._heartbeat is not None
        exc = ServerTimeoutError(f"No PONG received after {self._heartbeat / 2} seconds")
        self._set_closed()
        self._close_code = _ABNORMAL
        self._exception = exc
        self._conn.abort()
        if self._waiting and not self._closing:
            self._conn.push(WSMessage(WSMsgType.ERROR, exc, None))

    def _cancel_heartbeat(self) -> None:
        for handle in (self._heartbeat_handle, self._pong_handle):
            if handle is not None:
                handle.cancel()
        self._heartbeat_handle = self._pong_handle = None


def _send_data(ws: ClientProtocol, first: int, payload: bytes | bytearray | memoryview) -> None:
    if first == _FIN_TEXT:
        ws.send_text(payload)
    else:
        ws.send_binary(payload)


def _check_close(code: int, reason: str) -> None:
    try:
        Close(code, reason).check()
    except Exception as exc:
        raise ValueError(f"close code {code} cannot be sent in a close frame") from exc
    if len(reason.encode("utf-8")) > 123:
        raise ValueError("the close message is limited to 123 bytes of UTF-8")


def _parse_close_payload(payload: bytes) -> tuple[int | None, str]:
    if not payload:
        return None, ""
    if len(payload) < 2:
        raise ValueError("a close frame payload starts with a two-byte code")
    code = int.from_bytes(payload[:2], "big")
    reason = payload[2:].decode("utf-8")
    _check_close(code, reason)
    return code, reason


def _as_bytes(message: bytes | str) -> bytes:
    return message.encode("utf-8") if isinstance(message, str) else message
