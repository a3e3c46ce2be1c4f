"""``H2Connection``: one HTTP/2 connection, many exchanges multiplexed on it as streams.

Theory of operation: the connection is the ``asyncio.Protocol`` of the
socket and owns the sans-I/O ``h2`` state machine. Bytes read go to
``h2``; the events it returns are dispatched to the :class:`H2Exchange` of
their stream (response head, body data, end, reset) or handled here
(settings, ``GOAWAY``, flow-control window updates). After each step the
bytes ``h2`` wants to send are flushed to the transport.

The pool lends the connection up to :attr:`max_exchanges` times at once;
each lease calls :meth:`begin`, which returns a new exchange. The exchange
opens its stream when the session writes the request head.

Flow control, inbound: the connection window is acknowledged as data
arrives (so one slow stream never stalls the others), a stream's window
only while its reader keeps up: when the body stream holds too much it
pauses the exchange, which stops acknowledging, and the server stops
sending on that stream alone. Memory per stream is thus bounded by the
stream window plus the reader's buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import h2.config
import h2.connection
import h2.exceptions
import h2.settings
from h2 import events
from h2.errors import ErrorCodes
from h2.settings import SettingCodes

from lamella_core.connection import AbstractConnection, HeadLimits
from lamella_core.exceptions import ClientConnectionResetError, ClientOSError

from ._exchange import STREAM_WINDOW, H2Exchange
from ._head import HeadReader, RequestHead, parse_request_head
from ._hpack import MAX_BLOCKS, CachingDecoder, CachingEncoder
from ._state import MAX_STREAMS, BadBodyLength, H2State

if TYPE_CHECKING:
    from lamella_core.connection import ContentDecoder

__all__ = ["H2Connection"]

#: The most bytes one read of the socket takes. The loop reads into the
#: connection's own buffer, which h2 copies from: a read allocates nothing.
READ_SIZE = 64 * 1024
#: What the connection as a whole may have in flight towards us.
CONNECTION_WINDOW = 16 * 1024 * 1024
#: The largest decoded header list we accept (SETTINGS_MAX_HEADER_LIST_SIZE).
MAX_HEADER_LIST_SIZE = 256 * 1024
#: PING and SETTINGS frames answered per second at most; a server sending more
#: is flooding, and the connection is closed with ENHANCE_YOUR_CALM.
MAX_CONTROL_FRAMES_PER_SECOND = 100


class H2Connection(asyncio.BufferedProtocol, AbstractConnection):
    """One HTTP/2 connection (h2 over TLS, or h2c), shared by concurrent requests.

    Built by the connector through the ``lamella_http2_connection`` hook and
    passed to the event loop as the socket's protocol; the connector awaits
    :meth:`ready` (the server's first ``SETTINGS``) before lending it. With
    ``ping_interval`` an idle connection pings the server that often and
    closes itself when a ``PING`` goes unanswered for as long.
    """

    def __init__(
        self, loop: asyncio.AbstractEventLoop, *, ping_interval: float | None = None
    ) -> None:
        self._loop = loop
        self._ping_interval = ping_interval  # idle seconds before a PING; None: never
        self._ping_handle: asyncio.TimerHandle | None = None
        self._deadline_handle: asyncio.TimerHandle | None = None  # the earliest total timeout
        self._awaiting_pong = False
        self.transport: asyncio.Transport | None = None
        self._read_buffer = memoryview(bytearray(READ_SIZE))
        # The request heads come from the session's HTTP/1.1 writer, which has
        # refused CR, LF, NUL and non-token names, and from parse_request_head,
        # which lower-cases names, strips values, drops connection-specific
        # fields and marks credentials never-indexed: h2's own outbound checks
        # and normalisation would do that work a second time on every request.
        # What the server sends is checked by the decoder (``_hpack``), once
        # per distinct header block rather than by h2's generators on every
        # one; h2's inbound normalisation only joins Cookie fields, which no
        # response carries.
        config = h2.config.H2Configuration(
            client_side=True,
            header_encoding=None,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
            split_outbound_cookies=False,
            validate_inbound_headers=False,
            normalize_inbound_headers=False,
        )
        self._h2 = H2State(config=config)
        self._h2.encoder = CachingEncoder()
        self._h2.decoder = CachingDecoder(self._h2.decoder.max_header_list_size)
        self._h2.local_settings = h2.settings.Settings(
            client=True,
            initial_values={
                SettingCodes.ENABLE_PUSH: 0,
                SettingCodes.MAX_CONCURRENT_STREAMS: MAX_STREAMS,
                SettingCodes.INITIAL_WINDOW_SIZE: STREAM_WINDOW,
                SettingCodes.MAX_HEADER_LIST_SIZE: MAX_HEADER_LIST_SIZE,
            },
        )
        self._streams: dict[int, H2Exchange] = {}
        self._max_exchanges = self._stream_limit()  # kept: the pool asks for every request
        self._request_heads: dict[bytes, RequestHead] = {}  # kept: a client repeats its heads
        self.heads = HeadReader()  # reads the responses' header lists
        self._live: set[H2Exchange] = set()  # begun and not finished
        self._settings: asyncio.Future[None] = loop.create_future()
        self._connected = False
        self._goaway = False
        self._unacked = 0  # connection-level bytes received and not yet acknowledged
        self._paused_writing = False
        self._window_waiters: list[asyncio.Future[None]] = []
        self._flush_due = False  # a flush_soon() is pending
        self._control_since = 0.0  # when the current second of control frames began
        self._control_frames = 0  # PING and SETTINGS frames received in it
        self.scheme = b"https"

    def __repr__(self) -> str:
        peer = self.transport.get_extra_info("peername") if self.transport else None
        state = "open" if self._connected else "closed"
        return f"<H2Connection {state} peer={peer!r} streams={len(self._live)}>"

    # --- asyncio callbacks ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)
        self._connected = True
        if transport.get_extra_info("ssl_object") is None:
            self.scheme = b"http"
        self._h2.initiate_connection()
        self._h2.increment_flow_control_window(CONNECTION_WINDOW - 65535)
        self.flush()
        self._arm_ping()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._read_buffer

    def buffer_updated(self, nbytes: int) -> None:
        try:
            events = self._h2.receive_data(self._read_buffer[:nbytes])
        except h2.exceptions.ProtocolError as exc:
            self.flush()  # h2 has queued a GOAWAY naming the error
            if self.transport is not None:
                self.transport.close()
            self._lose(ClientOSError(None, f"HTTP/2 protocol error from the server: {exc}"))
            return
        self._dispatch(events)
        if self._connected:
            self.flush()

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._connected = False
        self._lose(exc)

    def pause_writing(self) -> None:
        self._paused_writing = True

    def resume_writing(self) -> None:
        self._paused_writing = False
        self._wake_senders()

    # --- AbstractConnection --------------------------------------------------

    async def ready(self) -> None:
        """Wait for the server's first ``SETTINGS`` frame (its stream limit among them).

        Raises:
            ClientOSError: the connection failed first.
        """
        await self._settings

    @property
    def max_exchanges(self) -> int:
        """The server's ``SETTINGS_MAX_CONCURRENT_STREAMS``, at most ``MAX_STREAMS``."""
        return self._max_exchanges

    def is_available(self) -> bool:
        """True while connected, before any ``GOAWAY``, with a stream to spare."""
        return (
            self._connected
            and not self._goaway
            and len(self._live) < self._max_exchanges
            and self.transport is not None
            and not self.transport.is_closing()
        )

    def is_idle(self) -> bool:
        """True when no stream is in flight."""
        return not self._live

    def has_expired(self) -> bool:
        """True once closed, or after ``GOAWAY`` with no stream left."""
        closing = self.transport is None or self.transport.is_closing()
        return not self._connected or closing or (self._goaway and not self._live)

    def begin(
        self,
        method: str,
        *,
        limits: HeadLimits,
        read_bufsize: int = 2**18,
        sock_read: float | None = None,
        deadline: float | None = None,
        make_decoder: Callable[[list[bytes]], ContentDecoder | None] | None = None,
        expect_continue: bool = False,
        read_until_eof: bool = True,
        max_body_size: int | None = None,
        keep_alive: bool = True,
        max_head_time: float | None = None,
    ) -> H2Exchange:
        """A new exchange for one request; its stream opens when the head is written.

        ``read_until_eof`` and ``keep_alive`` have no meaning on a stream (its
        end is always framed, the connection is shared); ``max_head_time``
        is not applied, since a head arrives whole in one ``HEADERS`` block.
        """
        exchange = H2Exchange(
            self,
            method,
            limits=limits,
            read_bufsize=read_bufsize,
            sock_read=sock_read,
            deadline=deadline,
            make_decoder=make_decoder,
            expect_continue=expect_continue,
            max_body_size=max_body_size,
        )
        self._live.add(exchange)
        self._disarm_ping()
        if deadline is not None:
            self._watch_deadline(deadline)
        return exchange

    def take_over(self, protocol: asyncio.BaseProtocol) -> tuple[asyncio.Transport, bytes]:
        """Refused: the socket carries other streams, it cannot be handed over."""
        raise RuntimeError("An HTTP/2 connection cannot be taken over (no Upgrade on a stream)")

    def close(self) -> None:
        """Send ``GOAWAY`` and close the socket; streams in flight fail."""
        if self._connected and self.transport is not None and not self.transport.is_closing():
            try:
                self._h2.close_connection()
                self.flush()
            except h2.exceptions.ProtocolError:
                pass  # already closed on the h2 side
            self.transport.close()
        self._lose(None)

    # --- what the exchanges call ----------------------------------------------

    @property
    def h2(self) -> H2State:
        """The h2 state machine, for the exchanges to frame their streams."""
        return self._h2

    def open_stream(self, exchange: H2Exchange) -> int:
        """Give ``exchange`` the next stream id.

        Raises:
            ClientConnectionResetError: the connection is closed or going away.
        """
        if not self._connected or self._goaway:
            raise ClientConnectionResetError("Cannot open a stream on a closing HTTP/2 connection")
        stream_id = self._h2.get_next_available_stream_id()
        self._streams[stream_id] = exchange
        return stream_id

    def request_head(self, head: bytes) -> RequestHead:
        """The serialized HTTP/1.1 request ``head`` as HTTP/2 fields (kept for the next time).

        Raises:
            ValueError: the head is not a request head the session writes.
        """
        parsed = self._request_heads.get(head)
        if parsed is None:
            if len(self._request_heads) >= MAX_BLOCKS:
                self._request_heads.clear()
            parsed = self._request_heads[head] = parse_request_head(head, self.scheme)
        return parsed

    def finished(self, exchange: H2Exchange) -> None:
        """``exchange`` is over: forget its stream (before its body's EOF frees the lease)."""
        self._live.discard(exchange)
        if exchange.stream_id is not None:
            self._streams.pop(exchange.stream_id, None)
        if self._goaway and not self._live and self.transport is not None:
            self.transport.close()
        elif not self._live:
            self._arm_ping()

    def flush(self) -> None:
        """Write what h2 has queued."""
        self._flush_due = False
        data = self._h2.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def flush_soon(self) -> None:
        """Write what h2 has queued at the end of this turn of the event loop.

        Many tasks each open a stream in the same turn (64 of them, woken by
        one read of 64 responses): their ``HEADERS`` frames then go out in one
        write, one TLS record and one ``send`` instead of 64.
        """
        if not self._flush_due:
            self._flush_due = True
            self._loop.call_soon(self._flush_if_due)

    def _flush_if_due(self) -> None:
        if self._flush_due:
            self.flush()

    def acknowledge(self, stream_id: int | None, size: int) -> None:
        """Reopen a window by ``size`` bytes: the connection's (None) or a stream's."""
        try:
            self._h2.increment_flow_control_window(size, stream_id)
        except h2.exceptions.StreamClosedError:
            return
        self.flush_soon()

    async def wait_for_window(self) -> None:
        """Wait until the server opens a window or the transport drains.

        Raises:
            ClientConnectionResetError: the connection was lost meanwhile.
        """
        if not self._connected:
            raise ClientConnectionResetError("Connection lost")
        waiter = self._loop.create_future()
        self._window_waiters.append(waiter)
        await waiter

    def is_open(self) -> bool:
        """True while the socket is connected."""
        return self._connected

    @property
    def writing_paused(self) -> bool:
        """True while the transport's buffer is over its high-water mark."""
        return self._paused_writing

    # --- internals ------------------------------------------------------------

    def _dispatch(self, received: list[Any]) -> None:
        """Hand each event to its handler (one dict look-up by type, no isinstance chain)."""
        handlers = _HANDLERS
        streams = self._streams
        for event in received:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(self, event, streams.get(getattr(event, "stream_id", 0)))
                if not self._connected:  # a flood closed the connection
                    return

    def _on_data(self, event: events.DataReceived, exchange: H2Exchange | None) -> None:
        self._on_flow_controlled(event.flow_controlled_length)
        if exchange is not None:  # else a stream we reset: its window is moot
            exchange.on_data(event.data, event.flow_controlled_length)

    def _on_flow_controlled(self, length: int) -> None:
        """Reopen the connection's receive window once a quarter of it is consumed."""
        self._unacked += length
        if self._unacked >= CONNECTION_WINDOW // 4:
            self._h2.increment_flow_control_window(self._unacked)
            self._unacked = 0

    def _on_bad_body_length(self, event: BadBodyLength, exchange: H2Exchange | None) -> None:
        self._on_flow_controlled(event.flow_controlled_length)
        if exchange is not None:
            exchange.on_bad_length(event.actual, event.declared)

    def _on_response(self, event: events.ResponseReceived, exchange: H2Exchange | None) -> None:
        if exchange is not None:
            exchange.on_head(event.headers)

    def _on_trailers(self, event: events.TrailersReceived, exchange: H2Exchange | None) -> None:
        if exchange is not None:
            exchange.on_trailers(event.headers)

    def _on_informational(
        self, event: events.InformationalResponseReceived, exchange: H2Exchange | None
    ) -> None:
        if exchange is not None:
            exchange.on_informational(event.headers)

    def _on_end(self, event: events.StreamEnded, exchange: H2Exchange | None) -> None:
        if exchange is not None:
            exchange.on_end()

    def _on_reset(self, event: events.StreamReset, exchange: H2Exchange | None) -> None:
        if exchange is not None:
            exchange.on_reset(ErrorCodes(event.error_code) if event.error_code else None)

    def _on_settings(
        self, event: events.RemoteSettingsChanged, exchange: H2Exchange | None
    ) -> None:
        if not self._control_frame_allowed():
            self._enhance_your_calm()
            return
        self._max_exchanges = self._stream_limit()
        if not self._settings.done():
            self._settings.set_result(None)
        self._wake_senders()

    def _on_ping(self, event: events.PingReceived, exchange: H2Exchange | None) -> None:
        if not self._control_frame_allowed():
            self._enhance_your_calm()

    def _on_pong(self, event: events.PingAckReceived, exchange: H2Exchange | None) -> None:
        if self._awaiting_pong:  # the server is alive: wait another interval
            self._disarm_ping()
            self._arm_ping()

    def _on_window(self, event: events.WindowUpdated, exchange: H2Exchange | None) -> None:
        self._wake_senders()

    def _on_goaway_event(
        self, event: events.ConnectionTerminated, exchange: H2Exchange | None
    ) -> None:
        self._on_goaway(event.last_stream_id or 0, event.error_code)

    def _stream_limit(self) -> int:
        return max(1, min(MAX_STREAMS, self._h2.remote_settings.max_concurrent_streams))

    def _watch_deadline(self, deadline: float) -> None:
        """Make the deadline clock run out no later than ``deadline``.

        One clock serves every stream: deadlines come in the order requests
        begin, so the clock is nearly always due already, and a request pays
        no ``call_at`` and no cancel (as on HTTP/1.1).
        """
        handle = self._deadline_handle
        if handle is None or handle.when() > deadline:
            if handle is not None:
                handle.cancel()
            self._deadline_handle = self._loop.call_at(deadline, self._on_deadline, deadline)

    def _on_deadline(self, due: float) -> None:
        """Fail the exchanges whose deadline is ``due`` or earlier; wait for the next one."""
        self._deadline_handle = None
        for exchange in [e for e in self._live if e.deadline is not None and e.deadline <= due]:
            exchange.deadline_expired()
        later = [e.deadline for e in self._live if e.deadline is not None]
        if later:
            self._watch_deadline(min(later))

    def _arm_ping(self) -> None:
        """Idle now: send a ``PING`` after ``ping_interval`` unless a stream begins."""
        interval = self._ping_interval
        if interval is None or self._ping_handle is not None or self._live or not self._connected:
            return
        self._ping_handle = self._loop.call_later(interval, self._on_ping_timer)

    def _disarm_ping(self) -> None:
        self._awaiting_pong = False
        if self._ping_handle is not None:
            self._ping_handle.cancel()
            self._ping_handle = None

    def _on_ping_timer(self) -> None:
        """Idle for an interval: ping; after an unanswered one, close the connection."""
        self._ping_handle = None
        if not self._connected or self._live:
            return
        if self._awaiting_pong:
            self.close()  # the server stopped answering: the pool drops the connection
            return
        self._awaiting_pong = True
        self._h2.ping(b"lamella\0")
        self.flush()
        assert self._ping_interval is not None
        self._ping_handle = self._loop.call_later(self._ping_interval, self._on_ping_timer)

    def _control_frame_allowed(self) -> bool:
        """Count one PING or SETTINGS frame; False past the cap of this second."""
        now = self._loop.time()
        if now - self._control_since >= 1.0:
            self._control_since = now
            self._control_frames = 0
        self._control_frames += 1
        return self._control_frames <= MAX_CONTROL_FRAMES_PER_SECOND

    def _enhance_your_calm(self) -> None:
        """The server floods control frames: drop the answers h2 queued, close with
        ``GOAWAY(ENHANCE_YOUR_CALM)`` and fail the streams in flight."""
        self._h2.data_to_send()
        with contextlib.suppress(h2.exceptions.ProtocolError):  # closed on the h2 side already
            self._h2.close_connection(ErrorCodes.ENHANCE_YOUR_CALM)
        self.flush()
        if self.transport is not None:
            self.transport.close()
        self._lose(
            ClientOSError(
                None,
                "HTTP/2 server sent more than "
                f"{MAX_CONTROL_FRAMES_PER_SECOND} PING/SETTINGS frames in a second "
                "(connection closed with ENHANCE_YOUR_CALM)",
            )
        )

    def _on_goaway(self, last_stream_id: int, error_code: Any) -> None:
        """The server takes no new stream; those above ``last_stream_id`` were never
        processed and fail as stale (an idempotent request is sent again)."""
        self._goaway = True
        for stream_id, exchange in list(self._streams.items()):
            if stream_id > last_stream_id:
                exchange.on_refused(f"GOAWAY ({_code_name(error_code)})")
        if not self._live and self.transport is not None:
            self.transport.close()

    def _lose(self, exc: BaseException | None) -> None:
        """The connection is gone: fail every exchange still in flight."""
        self._connected = False
        self._disarm_ping()
        if self._deadline_handle is not None:
            self._deadline_handle.cancel()
            self._deadline_handle = None
        if not self._settings.done():
            self._settings.set_exception(
                ClientOSError(None, "The HTTP/2 connection closed before the server's SETTINGS")
            )
            self._settings.exception()
        for exchange in list(self._live):
            exchange.on_lost(exc)
        self._live.clear()
        self._streams.clear()
        self._wake_senders()

    def _wake_senders(self) -> None:
        """A window opened or the transport drained: send what waits, wake ``drain``."""
        for exchange in list(self._streams.values()):
            exchange.pump()
        waiters, self._window_waiters = self._window_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)


#: What handles each event h2 returns; the others (priority, unknown frames) are ignored.
_HANDLERS: dict[type[Any], Callable[[H2Connection, Any, H2Exchange | None], None]] = {
    events.DataReceived: H2Connection._on_data,
    BadBodyLength: H2Connection._on_bad_body_length,
    events.ResponseReceived: H2Connection._on_response,
    events.TrailersReceived: H2Connection._on_trailers,
    events.InformationalResponseReceived: H2Connection._on_informational,
    events.StreamEnded: H2Connection._on_end,
    events.StreamReset: H2Connection._on_reset,
    # The frames h2 answers by itself, which a flood makes us write: counted.
    events.RemoteSettingsChanged: H2Connection._on_settings,
    events.PingReceived: H2Connection._on_ping,
    events.PingAckReceived: H2Connection._on_pong,
    events.WindowUpdated: H2Connection._on_window,
    events.ConnectionTerminated: H2Connection._on_goaway_event,
}


def _code_name(code: Any) -> str:
    try:
        return ErrorCodes(code).name
    except ValueError:
        return str(code)
