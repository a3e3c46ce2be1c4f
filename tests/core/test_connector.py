"""BaseConnector pooling and Connection, over real loopback sockets."""

from __future__ import annotations

import asyncio
import os

import pytest
from yarl import URL

from lamella_core import (
    BasicTCPConnector,
    ClientSession,
    ClientTimeout,
    Connection,
    HttpVersion10,
    TraceConfig,
)
from lamella_core.connection import PoolCounts
from lamella_core.exceptions import (
    ClientConnectorError,
    ClientPayloadError,
    ConnectionTimeoutError,
    ServerDisconnectedError,
)
from state_checks import eventually

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


@pytest.fixture
def blackhole_url(blackhole: tuple[str, int]) -> URL:
    """The conftest's silent address as a URL."""
    host, port = blackhole
    return URL(f"http://{host}:{port}/")


def open_sockets() -> int:
    """Sockets this process holds open."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                count += 1
        except OSError:
            continue
    return count


async def test_keep_alive_reuses_one_connection(raw_server):
    server = await raw_server([OK], cycle=True)
    async with ClientSession() as session:
        for _ in range(5):
            async with session.get(server.url) as resp:
                assert await resp.read() == b"ok"
    assert server.connections == 1


async def test_force_close_opens_a_connection_per_request(raw_server):
    server = await raw_server([OK], cycle=True)
    async with ClientSession(connector=BasicTCPConnector(force_close=True)) as session:
        for _ in range(3):
            async with session.get(server.url) as resp:
                await resp.read()
    assert server.connections == 3
    assert all(b"\r\nConnection: close\r\n" in head for head in server.requests)


async def test_force_close_over_http10_sends_no_connection_header(raw_server):
    server = await raw_server([OK], cycle=True)
    connector = BasicTCPConnector(force_close=True)
    async with ClientSession(connector=connector, version=HttpVersion10) as session:
        async with session.get(server.url) as resp:
            await resp.read()
    assert b"connection:" not in server.requests[0].lower()


async def test_a_request_that_says_close_does_not_reuse_its_connection(raw_server):
    server = await raw_server([OK], cycle=True)
    async with ClientSession() as session:
        for headers in ({"Connection": "close"}, {"Connection": "foo, Close"}, {}, {}):
            async with session.get(server.url, headers=headers) as resp:
                assert await resp.read() == b"ok"
    assert server.connections == 3


async def test_connection_close_header_is_honoured(raw_server):
    reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
    server = await raw_server([reply], cycle=True)
    async with ClientSession() as session:
        for _ in range(2):
            async with session.get(server.url) as resp:
                await resp.read()
    assert server.connections == 2


async def test_http10_without_keep_alive_closes(raw_server):
    reply = b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"
    server = await raw_server([reply], cycle=True)
    async with ClientSession() as session:
        for _ in range(2):
            async with session.get(server.url) as resp:
                assert await resp.read() == b"ok"
    assert server.connections == 2


async def test_limit_makes_requests_wait(raw_server):
    answer = asyncio.Event()

    async def held_ok(reader, writer):
        await answer.wait()
        writer.write(OK)

    server = await raw_server([held_ok], cycle=True)
    connector = BasicTCPConnector(limit=2)
    async with ClientSession(connector=connector) as session:

        async def fetch() -> bytes:
            async with session.get(server.url) as resp:
                return await resp.read()

        fetches = asyncio.gather(*(fetch() for _ in range(6)))

        def lent_opening_queued() -> tuple[int, int, int]:
            total = connector.stats().total
            return total.in_use, total.opening, total.waiting

        # Two connections open and are lent; the other four requests queue.
        await eventually(lambda: lent_opening_queued() == (2, 0, 4))
        answer.set()
        assert await fetches == [b"ok"] * 6
        assert connector.stats().total.in_use == 0
    # Six concurrent requests, two connections: the other four waited for a slot.
    assert server.connections == 2


async def test_limit_per_host(http_server):
    connector = BasicTCPConnector(limit=0, limit_per_host=1)
    assert connector.limit == 0
    assert connector.limit_per_host == 1
    async with ClientSession(connector=connector) as session:
        peak = served = 0

        async def fetch() -> None:
            nonlocal peak, served
            # A body larger than the read buffer keeps the connection lent until read.
            async with session.get(http_server / "large", params={"size": "1000000"}) as resp:
                peak = max(peak, connector.stats().total.in_use)
                # Held until every request not yet served is queued behind it.
                await eventually(lambda: connector.stats().total.waiting == 3 - served)
                served += 1
                await resp.read()

        await asyncio.gather(*(fetch() for _ in range(4)))
    assert peak == 1
    assert served == 4


async def test_cancelled_waiter_does_not_leak_a_slot(http_server):
    connector = BasicTCPConnector(limit=1)
    async with ClientSession(connector=connector) as session:
        holder = await session.get(http_server / "large", params={"size": "1000000"})
        waiter = asyncio.ensure_future(session.get(http_server / "hello"))
        await eventually(lambda: connector.stats().total.waiting == 1)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert len(await holder.read()) == 1_000_000
        holder.release()
        async with session.get(http_server / "hello") as resp:
            assert await resp.text() == "Hello, world!"
        total = connector.stats().total
        assert (total.in_use, total.waiting) == (0, 0)


async def test_cancelled_connect_frees_its_slot(blackhole_url):
    connector = BasicTCPConnector(limit=1)
    async with ClientSession(connector=connector, timeout=ClientTimeout(total=0.2)) as session:
        for _ in range(2):
            with pytest.raises(asyncio.TimeoutError):
                await session.get(blackhole_url)
        total = connector.stats().total
        assert (total.in_use, total.opening) == (0, 0)


async def test_connect_timeout(blackhole_url):
    async with ClientSession(timeout=ClientTimeout(connect=0.1)) as session:
        with pytest.raises(ConnectionTimeoutError):
            await session.get(blackhole_url)
    async with ClientSession(timeout=ClientTimeout(sock_connect=0.1)) as session:
        with pytest.raises(ConnectionTimeoutError):
            await session.get(blackhole_url)


async def test_keepalive_timeout_expires_idle_connections(raw_server):
    server = await raw_server([OK], cycle=True)
    connector = BasicTCPConnector(keepalive_timeout=0.05)
    async with ClientSession(connector=connector) as session:
        async with session.get(server.url) as resp:
            await resp.read()
        assert connector.stats().total.idle == 1
        await eventually(lambda: connector.stats().total.idle == 0)  # the keep-alive sweep
        async with session.get(server.url) as resp:
            await resp.read()
    assert server.connections == 2


async def test_idle_connection_closed_by_server_is_not_reused(raw_server):
    body_may_go = asyncio.Event()

    async def once(reader, writer):
        writer.write(OK[:-2])
        await body_may_go.wait()
        writer.write(OK[-2:])
        await writer.drain()
        writer.close()

    server = await raw_server([once], cycle=True)
    reused = []

    async def on_reuse(*args: object) -> None:
        reused.append(args)

    config = TraceConfig()
    config.on_connection_reuseconn.append(on_reuse)
    async with ClientSession(trace_configs=[config]) as session:
        async with session.get(server.url) as resp:
            connection = resp.connection.protocol
            body_may_go.set()
            await resp.read()
        await eventually(connection.has_expired)  # the server's FIN has arrived
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
    assert server.connections == 2
    assert reused == []  # the closed connection was never handed out


async def test_stale_reused_connection_is_retried_for_idempotent_requests(raw_server):
    async def drop(reader, writer):
        writer.close()

    # The first connection answers, then drops the second request unanswered.
    server = await raw_server([OK, drop, OK])
    async with ClientSession() as session:
        async with session.get(server.url) as resp:
            await resp.read()
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
    assert server.connections == 2


async def test_a_connection_closed_between_lend_and_write_is_resent_whatever_the_method(
    raw_server,
):
    # The server's FIN arrives after the pool lent the kept-alive connection
    # and before the request is written: nothing went out, so even a POST is
    # sent again, on a new connection (aiohttp raises ServerDisconnectedError).
    cue = asyncio.Event()
    body_may_go = asyncio.Event()

    async def answer_then_close_on_cue(reader, writer):
        writer.write(OK[:-2])
        await body_may_go.wait()
        writer.write(OK[-2:])
        await writer.drain()
        await cue.wait()
        writer.close()

    server = await raw_server([answer_then_close_on_cue, OK])
    first: list[object] = []

    async def on_reuse(*args: object) -> None:
        cue.set()
        await eventually(first[0].has_expired)

    config = TraceConfig()
    config.on_connection_reuseconn.append(on_reuse)
    async with ClientSession(trace_configs=[config]) as session:
        async with session.get(server.url) as resp:
            first.append(resp.connection.protocol)
            body_may_go.set()
            await resp.read()
        async with session.post(server.url, data=b"x") as resp:
            assert await resp.read() == b"ok"
    assert server.connections == 2
    assert [r.split(b" ", 1)[0] for r in server.requests] == [b"GET", b"POST"]


async def test_post_on_a_dropped_connection_is_not_retried(raw_server):
    async def drop(reader, writer):
        writer.close()

    server = await raw_server([OK, drop, OK])
    async with ClientSession() as session:
        async with session.get(server.url) as resp:
            await resp.read()
        with pytest.raises(ServerDisconnectedError):
            await session.post(server.url, data=b"x")


async def test_connection_object(http_server):
    async with ClientSession() as session:
        resp = await session.get(http_server / "large", params={"size": "2000000"})
        conn = resp.connection
        assert isinstance(conn, Connection)
        assert not conn.closed
        with pytest.warns(DeprecationWarning, match="connector.loop property is deprecated"):
            assert conn.loop is asyncio.get_running_loop()
        assert conn.transport is not None
        assert conn.protocol is not None
        assert "Connection<127.0.0.1" in repr(conn)
        resp.close()
        assert conn.closed
        assert conn.transport is None
        assert resp.connection is None


async def test_release_before_body_end_closes_the_connection(http_server):
    connector = BasicTCPConnector()
    async with ClientSession(connector=connector) as session:
        resp = await session.get(http_server / "large", params={"size": "4000000"})
        await resp.content.read(10)
        resp.release()
        total = connector.stats().total
        assert (total.in_use, total.idle) == (0, 0)


async def test_detach_frees_the_slot_but_keeps_the_socket(http_server):
    connector = BasicTCPConnector(limit=1)
    async with ClientSession(connector=connector) as session:
        resp = await session.get(http_server / "large", params={"size": "2000000"})
        conn = resp.connection
        transport = conn.transport
        conn.detach()
        assert conn.closed
        assert connector.stats().total.in_use == 0
        assert not transport.is_closing()
        transport.close()


async def test_connector_repr_and_close(http_server):
    connector = BasicTCPConnector(limit=7)
    async with ClientSession(connector=connector) as session:
        async with session.get(http_server / "hello") as resp:
            await resp.read()
        assert "limit=7" in repr(connector)
        assert "idle=1" in repr(connector)
        assert "ClientSession open" in repr(session)
    assert connector.closed
    assert "closed" in repr(connector)


async def test_refused_connection():
    async with ClientSession() as session:
        with pytest.raises(ClientConnectorError) as info:
            await session.get("http://127.0.0.1:1/")
        assert info.value.host == "127.0.0.1"
        assert info.value.port == 1
        assert isinstance(info.value, OSError)


async def test_server_reset_mid_body_raises_payload_error(raw_server):
    async def cut(reader, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        await writer.drain()
        writer.transport.abort()

    server = await raw_server([cut])
    async with ClientSession() as session:
        resp = await session.get(server.url)
        with pytest.raises(ClientPayloadError):
            await resp.read()


async def test_no_socket_leaks_after_many_requests(raw_server, http_server):
    async def reset(reader, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"y" * 10)
        await writer.drain()
        writer.transport.abort()

    flaky = await raw_server([OK, reset], cycle=True)
    connector = BasicTCPConnector(limit=10)
    before = open_sockets()
    async with ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            kind = i % 3
            if kind == 0:
                async with session.get(http_server / "hello") as resp:
                    await resp.read()
            elif kind == 1:
                async with session.get(http_server / "large", params={"size": "300000"}) as resp:
                    await resp.content.read(100)
            else:
                try:
                    async with session.get(flaky.url) as resp:
                        await resp.read()
                except (ClientPayloadError, ServerDisconnectedError):
                    pass

        for start in range(0, 1000, 50):
            await asyncio.gather(*(one(i) for i in range(start, start + 50)))
        assert connector.stats().total.in_use == 0
        # Our side of each idle connection, plus the server sides they hold open,
        # once the closed transports have let their sockets go.
        await eventually(lambda: open_sockets() - before <= 2 * connector.stats().total.idle)
    # The servers close their sides when they see our FIN.
    await eventually(lambda: open_sockets() <= before)


async def test_connection_callbacks_run_once_on_release(http_server):
    calls = []
    async with ClientSession() as session:
        resp = await session.get(http_server / "large", params={"size": "1000000"})
        conn = resp.connection
        conn.add_callback(lambda: calls.append("released"))
        await resp.read()  # the end of the body gives the connection back
        conn.release()
    assert calls == ["released"]


class _CountingConnector(BasicTCPConnector):
    """A subclass that wraps the public connect(), as aiohttp users do."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lends: list[str] = []

    async def connect(self, req, traces, timeout):
        self.lends.append(str(req.url))
        return await super().connect(req, traces, timeout)


async def test_every_lend_goes_through_the_public_connect(raw_server):
    async def drop(reader, writer):
        writer.close()

    # Two answers on the first connection, then a stale one, then a new connection.
    server = await raw_server([OK, OK, drop, OK])
    connector = _CountingConnector()
    async with ClientSession(connector=connector) as session:
        for _ in range(3):
            async with session.get(server.url) as resp:
                assert await resp.read() == b"ok"
    # Pooled requests and the stale-connection retry included: four lends.
    assert connector.lends == [str(server.url)] * 4
    assert server.connections == 2


async def test_stats_per_key_and_in_total(http_server, raw_server):
    other = await raw_server([OK], keep_open=True)
    connector = BasicTCPConnector(limit=5, limit_per_host=2)
    async with ClientSession(connector=connector) as session:
        held = await session.get(http_server / "large", params={"size": "1000000"})
        async with session.get(other.url) as resp:
            await resp.read()
        stats = connector.stats()
        assert (stats.limit, stats.limit_per_host, stats.closed) == (5, 2, False)
        assert stats.total == PoolCounts(idle=1, in_use=1, leases=1)
        by_port = {key.port: counts for key, counts in stats.per_key.items()}
        assert by_port == {
            http_server.url.port: PoolCounts(in_use=1, leases=1),
            other.url.port: PoolCounts(idle=1),
        }
        assert "in_use=1 idle=1 opening=0 waiting=0" in repr(connector)
        await held.read()
        assert connector.stats().total == PoolCounts(idle=2)
    assert connector.stats().closed
    assert connector.stats().total == PoolCounts()
