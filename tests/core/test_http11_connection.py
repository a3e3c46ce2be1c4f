"""HTTP11Connection's handling of events, driven by hand: bytes in, no socket.

A recording transport stands in for the socket, and the test feeds the
receive buffer as the event loop would, so each step of an exchange (the
head, the body, a close, a stray byte) is checked at the moment it happens.
"""

from __future__ import annotations

import asyncio

import pytest

from lamella_core.abc import AbstractConnection, AbstractExchange
from lamella_core.connection import HTTP11Connection, ResponseHeadError
from lamella_core.exceptions import (
    ClientConnectorError,
    ClientOSError,
    ClientPayloadError,
    ConnectionTimeoutError,
    ServerDisconnectedError,
)

LIMITS = (8190, 8190, 256, 256 * 1024, 32)
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class RecordingTransport(asyncio.Transport):
    """Keeps what is written; closing tells the protocol on the next loop turn."""

    def __init__(self, protocol: HTTP11Connection, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.protocol = protocol
        self.loop = loop
        self.written: list[bytes] = []
        self.closing = False
        self.reading = True

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        if not self.closing:
            self.closing = True
            self.loop.call_soon(self.protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def is_reading(self) -> bool:
        return self.reading

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol  # type: ignore[assignment]

    def get_extra_info(self, name: str, default: object = None) -> object:
        return default


def connected() -> tuple[HTTP11Connection, RecordingTransport]:
    loop = asyncio.get_running_loop()
    conn = HTTP11Connection(loop)
    transport = RecordingTransport(conn, loop)
    conn.connection_made(transport)
    return conn, transport


def feed(conn: HTTP11Connection, data: bytes) -> None:
    """Deliver ``data`` as one socket read."""
    buffer = conn.get_buffer(len(data))
    buffer[: len(data)] = data
    conn.buffer_updated(len(data))


async def exchange(conn: HTTP11Connection, response: bytes, **options: object) -> bytes:
    """One whole exchange: begin, the response fed in one read, the body read."""
    conn.begin("GET", limits=LIMITS, **options)  # type: ignore[arg-type]
    feed(conn, response)
    _, stream = await conn.read_head()
    return await stream.read()


async def settle() -> None:
    """Let the callbacks the loop was given (connection_lost) run."""
    await asyncio.sleep(0)


async def test_it_is_both_connection_and_exchange_and_begin_returns_itself():
    conn, _ = connected()
    assert isinstance(conn, AbstractConnection)
    assert isinstance(conn, AbstractExchange)
    assert conn.max_exchanges == 1
    assert conn.is_available()
    assert conn.is_idle()
    assert not conn.has_expired()
    assert conn.begin("GET", limits=LIMITS) is conn
    assert not conn.is_idle()
    assert not conn.is_available()


async def test_a_loop_that_hints_a_read_size_gets_reads_of_that_size():
    # uvloop hints 64 KiB; asyncio's loop hints -1 and gets the whole buffer.
    conn, _ = connected()
    assert len(conn.get_buffer(-1)) == 256 * 1024
    assert len(conn.get_buffer(65536)) == 65536
    assert len(conn.get_buffer(1024)) == 65536
    assert len(conn.get_buffer(100_000)) == 256 * 1024
    feed(conn, b"x")  # idle: bytes nobody asked for, read through the hinted view
    assert not conn.is_available()


async def test_a_keep_alive_exchange_ends_idle_and_available():
    conn, transport = connected()
    exchange = conn.begin("GET", limits=LIMITS)
    exchange.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert transport.written == [b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]
    feed(conn, OK[:20])
    assert exchange.got_bytes
    feed(conn, OK[20:])
    head, stream = await exchange.read_head()
    assert head.status == 200
    assert await stream.read() == b"ok"
    assert conn.is_idle()
    assert conn.is_available()
    assert not transport.closing


async def test_connection_close_in_the_response_makes_it_unavailable():
    conn, transport = connected()
    close = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    assert await exchange(conn, close) == b"ok"
    assert conn.is_idle()
    assert not conn.is_available()
    assert transport.closing
    await settle()
    assert conn.has_expired()


async def test_a_request_that_says_close_is_not_followed_by_another():
    conn, _ = connected()
    assert await exchange(conn, OK, keep_alive=False) == b"ok"
    assert not conn.is_available()


async def test_a_body_left_unread_keeps_the_exchange_in_flight():
    conn, _ = connected()
    conn.begin("GET", limits=LIMITS)
    feed(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    await conn.read_head()
    assert not conn.is_idle()
    assert not conn.is_available()


async def test_bytes_nobody_asked_for_close_an_idle_connection():
    conn, transport = connected()
    feed(conn, b"HTTP/1.1 200 OK\r\n")
    assert transport.closing
    assert not conn.is_available()


async def test_a_close_before_the_head_of_a_first_request_is_not_stale():
    conn, transport = connected()
    conn.begin("GET", limits=LIMITS)
    transport.close()
    await settle()
    with pytest.raises(ServerDisconnectedError) as info:
        await conn.read_head()
    assert info.value.stale_connection is False
    assert info.value.request_sent is True
    assert conn.has_expired()


async def test_a_kept_alive_connection_closed_before_any_byte_is_stale():
    conn, transport = connected()
    assert await exchange(conn, OK) == b"ok"
    conn.begin("GET", limits=LIMITS)
    transport.close()
    await settle()
    with pytest.raises(ServerDisconnectedError) as info:
        await conn.read_head()
    assert info.value.stale_connection is True


async def test_a_reset_after_some_bytes_of_the_head_is_not_stale():
    conn, _ = connected()
    assert await exchange(conn, OK) == b"ok"
    conn.begin("GET", limits=LIMITS)
    feed(conn, b"HTTP/1.1 200")
    conn.connection_lost(ConnectionResetError(104, "reset"))
    with pytest.raises(ClientOSError) as info:
        await conn.read_head()
    assert info.value.stale_connection is False


async def test_a_close_mid_body_fails_the_stream_with_a_payload_error():
    conn, transport = connected()
    conn.begin("GET", limits=LIMITS)
    feed(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    _, stream = await conn.read_head()
    transport.close()
    await settle()
    with pytest.raises(ClientPayloadError):
        await stream.read()


async def test_a_broken_head_is_a_response_head_error():
    conn, _ = connected()
    conn.begin("GET", limits=LIMITS)
    feed(conn, b"HTTP/1.1 abc\r\n\r\n")
    with pytest.raises(ResponseHeadError):
        await conn.read_head()
    assert not conn.is_available()


async def test_an_upgraded_connection_hands_over_its_transport_and_leftover():
    conn, transport = connected()
    conn.begin("GET", limits=LIMITS)
    feed(conn, b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n\r\nEARLY")
    head, stream = await conn.read_head()
    assert head.status == 101
    await stream.read()
    assert not transport.reading  # paused until the new owner takes over
    new_owner = asyncio.Protocol()
    taken, leftover = conn.take_over(new_owner)
    assert taken is transport
    assert transport.protocol is new_owner
    assert leftover == b"EARLY"
    assert not conn.is_available()


async def test_only_an_upgraded_connection_can_be_taken_over():
    conn, _ = connected()
    with pytest.raises(RuntimeError):
        conn.take_over(asyncio.Protocol())


async def test_writing_on_a_closed_connection_raises():
    conn, transport = connected()
    transport.close()
    await settle()
    with pytest.raises(ConnectionResetError):
        conn.begin("GET", limits=LIMITS).write(b"GET / HTTP/1.1\r\n\r\n")


def test_connect_phase_errors_say_the_request_never_left():
    key = type("Key", (), {"host": "h", "port": 1, "ssl": True})()
    assert ClientConnectorError(key, OSError(111, "refused")).request_sent is False  # type: ignore[arg-type]
    assert ConnectionTimeoutError().request_sent is False
    assert ServerDisconnectedError().request_sent is True
    assert ServerDisconnectedError().stale_connection is False
