"""Failures of HTTP/2 streams and connections, against a raw server built on the h2 library.

Each server here is plain asyncio plus h2's server-side state machine, so it
can do what a well-behaved server never does on purpose: reset a stream,
send GOAWAY mid-flight, drop the connection inside a body.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import h2.connection
import pytest
from h2.errors import ErrorCodes
from h2_helpers import Behaviour, RawH2Server, respond

from lamella_connectors import TCPConnector
from lamella_core import ClientSession, ClientTimeout
from lamella_core.exceptions import (
    ClientPayloadError,
    ConnectionTimeoutError,
    ResponseHeadTooLarge,
    ServerDisconnectedError,
    SocketTimeoutError,
)


async def test_rst_stream_before_the_head_names_the_error_code(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    def reset(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        conn.reset_stream(stream_id, ErrorCodes.INTERNAL_ERROR)
        return True

    server = await raw_h2(reset)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        with pytest.raises(ServerDisconnectedError, match="INTERNAL_ERROR"):
            await session.get(server.url)


async def test_rst_stream_inside_the_body_breaks_only_that_response(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    def reset_stream_3(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        if stream_id == 3:
            conn.send_headers(stream_id, [(":status", "200"), ("content-length", "10")])
            conn.send_data(stream_id, b"12345")
            conn.reset_stream(stream_id, ErrorCodes.CANCEL)
        else:
            respond(conn, stream_id)
        return True

    server = await raw_h2(reset_stream_3)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:  # stream 1 opens the connection
            assert await resp.read() == b"ok"

        async def get() -> bytes | BaseException:
            async with session.get(server.url) as resp:
                try:
                    return await resp.read()
                except ClientPayloadError as exc:
                    return exc

        results = await asyncio.gather(get(), get())  # streams 3 and 5, together
    assert sorted(map(type, results), key=str) == sorted([bytes, ClientPayloadError], key=str)
    assert b"ok" in results
    assert any("stream reset by the server (CANCEL)" in str(r) for r in results)
    assert server.connections == 1


async def test_goaway_before_processing_retries_an_idempotent_request(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    def goaway_first(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        if number == 1:
            conn.close_connection(ErrorCodes.NO_ERROR, last_stream_id=0)
            return True
        respond(conn, stream_id, b"second connection")
        return True

    server = await raw_h2(goaway_first)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:
            assert await resp.read() == b"second connection"
    assert server.connections == 2


async def test_goaway_fails_a_request_that_is_not_idempotent(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    def goaway(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        conn.close_connection(ErrorCodes.ENHANCE_YOUR_CALM, last_stream_id=0)
        return True

    server = await raw_h2(goaway)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        with pytest.raises(ServerDisconnectedError, match="GOAWAY \\(ENHANCE_YOUR_CALM\\)"):
            await session.post(server.url, data=b"x")
    assert server.connections == 1


async def test_connection_lost_inside_a_body(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    def drop(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        conn.send_headers(stream_id, [(":status", "200"), ("content-length", "100")])
        conn.send_data(stream_id, b"partial")
        return False

    server = await raw_h2(drop)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:
            assert resp.status == 200
            with pytest.raises(ClientPayloadError):
                await resp.read()


async def test_too_many_response_headers(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    def flood(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        headers = [(":status", "200")] + [(f"x-h{i}", "v") for i in range(300)]
        conn.send_headers(stream_id, headers, end_stream=True)
        return True

    server = await raw_h2(flood)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        with pytest.raises(ResponseHeadTooLarge):
            await session.get(server.url)


async def test_requests_beyond_the_stream_limit_queue_for_the_connection(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    streams_open: list[int] = []

    def answer(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        streams_open.append(conn.open_inbound_streams)
        respond(conn, stream_id, str(stream_id).encode())
        return True

    server = await raw_h2(answer)
    server.max_streams = 2
    connector = TCPConnector(http2="prior-knowledge", limit_per_host=1)
    async with ClientSession(connector=connector) as session:

        async def get() -> bytes:
            async with session.get(server.url) as resp:
                return await resp.read()

        bodies = await asyncio.gather(*(get() for _ in range(7)))
    assert sorted(int(b) for b in bodies) == [1, 3, 5, 7, 9, 11, 13]
    assert max(streams_open) <= 2
    assert server.connections == 1


@pytest.mark.parametrize(
    ("timeout", "error"),
    [
        (ClientTimeout(total=None, sock_read=0.2), SocketTimeoutError),
        (ClientTimeout(total=None, sock_connect=0.2), ConnectionTimeoutError),
        (ClientTimeout(total=0.2), ConnectionTimeoutError),
    ],
    ids=["sock_read", "sock_connect", "total"],
)
async def test_a_server_that_never_sends_its_settings_times_out(
    timeout: ClientTimeout, error: type[Exception]
) -> None:
    accepted: list[asyncio.StreamWriter] = []
    closed = asyncio.Event()

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # takes the preface, answers nothing
        while await reader.read(65536):
            pass
        closed.set()
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connector = TCPConnector(http2="prior-knowledge")
    try:
        async with ClientSession(connector=connector, timeout=timeout) as session:
            with pytest.raises(error):
                await session.get(f"http://127.0.0.1:{port}/")
            assert connector.stats().total.in_use == 0
        await asyncio.wait_for(closed.wait(), 5)  # the client closed the connection it opened
        assert len(accepted) == 1
    finally:
        server.close()
        await server.wait_closed()


async def test_sock_read_times_out_one_stream(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    def silent_on_stream_3(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        if stream_id != 3:
            respond(conn, stream_id)
        return True

    server = await raw_h2(silent_on_stream_3)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
        with pytest.raises(SocketTimeoutError):
            await session.get(server.url, timeout=ClientTimeout(sock_read=0.2))
        async with session.get(server.url) as resp:  # the session goes on
            assert await resp.read() == b"ok"
