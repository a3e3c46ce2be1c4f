"""What one stream's failure leaves of its connection, against the raw h2c server.

A reset, a timed-out or a cancelled stream ends alone: the connection keeps
serving (the server counts one). GOAWAY ends the connection: the streams it
never processed are sent again on a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import h2.connection
import pytest
from h2.errors import ErrorCodes
from h2_helpers import Behaviour, RawH2Server, respond
from hpack import NeverIndexedHeaderTuple

from lamella_connectors import TCPConnector
from lamella_core import ClientSession, ClientTimeout
from lamella_core.exceptions import (
    ClientPayloadError,
    ServerDisconnectedError,
    SocketTimeoutError,
)
from state_checks import eventually

Start = Callable[[Behaviour], Awaitable[RawH2Server]]


def _all_but_stream_3(action: Callable[[h2.connection.H2Connection, int], None]) -> Behaviour:
    def behaviour(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        if stream_id == 3:
            action(conn, stream_id)
        else:
            respond(conn, stream_id, str(stream_id).encode())
        return True

    return behaviour


async def _get(session: ClientSession, server: RawH2Server, **kwargs: object) -> bytes:
    async with session.get(server.url, **kwargs) as resp:  # type: ignore[arg-type]
        return await resp.read()


async def test_a_reset_stream_leaves_the_connection_serving(raw_h2: Start) -> None:
    server = await raw_h2(
        _all_but_stream_3(lambda conn, sid: conn.reset_stream(sid, ErrorCodes.INTERNAL_ERROR))
    )
    connector = TCPConnector(http2="prior-knowledge")
    async with ClientSession(connector=connector) as session:
        assert await _get(session, server) == b"1"
        with pytest.raises(ServerDisconnectedError, match="INTERNAL_ERROR"):
            await _get(session, server)
        assert await _get(session, server) == b"5"
        assert connector.stats().total.idle == 1
    assert server.connections == 1


async def test_a_timed_out_stream_leaves_the_connection_serving(raw_h2: Start) -> None:
    server = await raw_h2(_all_but_stream_3(lambda conn, sid: None))  # stream 3: silence
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        assert await _get(session, server) == b"1"
        with pytest.raises(SocketTimeoutError):
            await _get(session, server, timeout=ClientTimeout(sock_read=0.2))
        assert await _get(session, server) == b"5"
    assert server.connections == 1


async def test_total_timeouts_share_one_clock_and_each_runs_out(raw_h2: Start) -> None:
    def silent_but_stream_1(conn: h2.connection.H2Connection, stream_id: int, n: int) -> bool:
        if stream_id == 1:
            respond(conn, stream_id, b"1")
        return True  # the others: silence

    server = await raw_h2(silent_but_stream_1)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        assert await _get(session, server, timeout=ClientTimeout(total=30)) == b"1"
        # The later deadline arms the clock first; the earlier one re-arms it,
        # and the later one's turn comes after it.
        later = asyncio.ensure_future(_get(session, server, timeout=ClientTimeout(total=0.4)))
        await asyncio.sleep(0)
        sooner = asyncio.ensure_future(_get(session, server, timeout=ClientTimeout(total=0.1)))
        with pytest.raises(asyncio.TimeoutError):
            await sooner
        assert not later.done()
        with pytest.raises(asyncio.TimeoutError):
            await later
    assert server.connections == 1


async def test_a_cancelled_request_leaves_the_connection_serving(raw_h2: Start) -> None:
    asked = asyncio.Event()

    def silent(conn: h2.connection.H2Connection, stream_id: int) -> None:
        asked.set()

    server = await raw_h2(_all_but_stream_3(silent))
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        assert await _get(session, server) == b"1"
        task = asyncio.ensure_future(_get(session, server))
        await asked.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await _get(session, server) == b"5"
    assert server.connections == 1


async def test_goaway_retries_only_the_streams_above_its_last_stream_id(raw_h2: Start) -> None:
    def goaway_after_stream_3(
        conn: h2.connection.H2Connection, stream_id: int, number: int
    ) -> bool:
        if number == 1 and stream_id == 5:  # streams 3 and 5 are both in flight
            respond(conn, 3, b"3 on the first connection")
            conn.close_connection(ErrorCodes.NO_ERROR, last_stream_id=3)
        elif not (number == 1 and stream_id == 3):
            respond(conn, stream_id, f"{stream_id} on connection {number}".encode())
        return True

    server = await raw_h2(goaway_after_stream_3)
    connector = TCPConnector(http2="prior-knowledge", limit_per_host=1)
    async with ClientSession(connector=connector) as session:
        assert await _get(session, server) == b"1 on connection 1"
        bodies = await asyncio.gather(_get(session, server), _get(session, server))
    assert sorted(bodies) == [b"1 on connection 2", b"3 on the first connection"]
    assert server.connections == 2


async def test_trailers_over_the_limits_fail_the_body(raw_h2: Start) -> None:
    def big_trailers(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        conn.send_headers(stream_id, [(":status", "200")])
        conn.send_data(stream_id, b"body")
        conn.send_headers(stream_id, [("x-trailer", "t" * 9000)], end_stream=True)
        return True

    server = await raw_h2(big_trailers)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:
            with pytest.raises(ClientPayloadError, match="trailers over max_field_size"):
                await resp.read()
            assert resp.trailers is None


async def test_an_idle_connection_is_closed_after_keepalive_timeout(raw_h2: Start) -> None:
    server = await raw_h2(lambda conn, sid, number: respond(conn, sid) or True)
    connector = TCPConnector(http2="prior-knowledge", keepalive_timeout=0.2)
    async with ClientSession(connector=connector) as session:
        assert await _get(session, server) == b"ok"
        assert connector.stats().total.idle == 1
        await eventually(lambda: server.closed == 1)  # the pool closed it, not the server
        assert connector.stats().total.idle == 0
        assert ErrorCodes.NO_ERROR in server.goaways  # with a GOAWAY first
        assert await _get(session, server) == b"ok"  # a new one serves the next request
    assert server.connections == 2


async def test_an_idle_connection_pings_when_asked_and_closes_when_unanswered(
    raw_h2: Start,
) -> None:
    server = await raw_h2(lambda conn, sid, number: respond(conn, sid) or True)
    connector = TCPConnector(http2="prior-knowledge", http2_ping_interval=0.05)
    async with ClientSession(connector=connector) as session:
        assert await _get(session, server) == b"ok"
        await eventually(lambda: server.pings >= 3)  # one per idle interval, each answered
        assert connector.stats().total.idle == 1
        assert await _get(session, server) == b"ok"  # still the first connection
        assert server.connections == 1
        server.mute = True  # a server that hung: the next PING goes unanswered
        await eventually(lambda: server.closed == 1)
        server.mute = False
        assert await _get(session, server) == b"ok"  # on a new connection
    assert server.connections == 2


async def test_no_ping_by_default(raw_h2: Start) -> None:
    server = await raw_h2(lambda conn, sid, number: respond(conn, sid) or True)
    connector = TCPConnector(http2="prior-knowledge", keepalive_timeout=0.2)
    async with ClientSession(connector=connector) as session:
        assert await _get(session, server) == b"ok"
        await eventually(lambda: server.closed == 1)  # idle until keep-alive ended it
    assert server.pings == 0


def test_http2_ping_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="http2_ping_interval"):
        TCPConnector(http2=True, http2_ping_interval=0)


async def test_credentials_are_never_indexed_by_hpack(
    raw_h2: Callable[[Behaviour], Awaitable[RawH2Server]],
) -> None:
    # Authorization, Proxy-Authorization and short cookies stay out of HPACK's
    # dynamic table (a peer sharing the compression context cannot guess
    # them from sizes); other fields may be indexed.
    def ok(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        respond(conn, stream_id)
        return True

    server = await raw_h2(ok)
    headers = {"Authorization": "Bearer secret", "Cookie": "sid=1", "X-Plain": "visible"}
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        for _ in range(2):
            async with session.get(server.url, headers=headers) as resp:
                assert await resp.read() == b"ok"
    assert len(server.heads) == 2
    for head in server.heads:
        kinds = {bytes(field[0]).lower(): type(field) for field in head}
        assert kinds[b"authorization"] is NeverIndexedHeaderTuple
        assert kinds[b"cookie"] is NeverIndexedHeaderTuple
        assert kinds[b"x-plain"] is not NeverIndexedHeaderTuple
