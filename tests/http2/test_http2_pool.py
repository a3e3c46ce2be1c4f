"""How the pool shares HTTP/2 connections: a first burst to a new origin, limits, h2c."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable

from h2_helpers import H2Server

from lamella_connectors import TCPConnector
from lamella_core import ClientSession, HttpVersion

Start = Callable[..., Awaitable[H2Server]]


async def _burst(session: ClientSession, server: H2Server, count: int) -> list[HttpVersion]:
    async def one(i: int) -> HttpVersion:
        async with session.post(server / "/echo", data=str(i).encode()) as resp:
            assert await resp.read() == str(i).encode()
            return resp.version

    return await asyncio.gather(*(one(i) for i in range(count)))


async def test_a_first_burst_to_a_new_origin_shares_one_connection(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    connector = TCPConnector(http2=True, ssl=trusting)
    async with ClientSession(connector=connector) as session:
        versions = await _burst(session, server, 50)
        assert set(versions) == {HttpVersion(2, 0)}
        assert connector.stats().total.idle == 1
    assert len(server.peers) == 50
    assert len(set(server.peers)) == 1  # the server saw one connection carry them all


async def test_a_first_h2c_burst_shares_one_connection(h2_server: Start) -> None:
    server = await h2_server(tls=False)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        versions = await _burst(session, server, 30)
    assert set(versions) == {HttpVersion(2, 0)}
    assert len(set(server.peers)) == 1


async def test_a_burst_within_limit_per_host_shares_the_connection(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    connector = TCPConnector(http2=True, ssl=trusting, limit_per_host=1)
    async with ClientSession(connector=connector) as session:
        await _burst(session, server, 20)
    assert len(server.peers) == 20
    assert len(set(server.peers)) == 1


async def test_a_burst_to_an_http11_origin_opens_connections_after_the_first(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server(alpn=("http/1.1",))
    connector = TCPConnector(http2=True, ssl=trusting)
    async with ClientSession(connector=connector) as session:
        versions = await _burst(session, server, 10)
        assert set(versions) == {HttpVersion(1, 1)}
        # The waiters opened their own once ALPN said http/1.1: several connections.
        assert connector.stats().total.idle > 1
    assert len(server.peers) == 10
