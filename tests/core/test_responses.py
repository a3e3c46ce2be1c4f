"""Exact response bytes from a raw server, through the whole client stack.

Each case checks the documented outcome and that the connection is either
reused cleanly or closed: never returned to the pool in a bad state.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip

import pytest

from lamella_core import BasicTCPConnector, ClientSession, ClientTimeout
from lamella_core.exceptions import (
    ClientPayloadError,
    ClientResponseError,
    ServerDisconnectedError,
    SocketTimeoutError,
)
from state_checks import eventually

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


async def fetch(server, method: str = "GET", **kwargs):
    async with ClientSession() as session, session.request(method, server.url, **kwargs) as resp:
        return resp, await resp.read()


@pytest.mark.parametrize(
    ("reply", "body"),
    [
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n",
            b"abcde",
        ),
        (b"HTTP/1.1 200 OK\r\n\r\nuntil eof", b"until eof"),
        (b"HTTP/1.0 200 OK\r\n\r\nten body", b"ten body"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", b""),
        (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", b"ok"),
        (
            b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            b"ok",
        ),
    ],
)
async def test_well_formed_framings(raw_server, reply, body):
    server = await raw_server([reply])
    resp, got = await fetch(server)
    assert resp.status == 200
    assert got == body


@pytest.mark.parametrize("status", [204, 304])
async def test_no_body_statuses_keep_the_connection(raw_server, status):
    reply = b"HTTP/1.1 %d X\r\nContent-Length: 5\r\n\r\n" % status
    server = await raw_server([reply, OK])
    async with ClientSession() as session:
        async with session.get(server.url) as resp:
            assert resp.status == status
            assert await resp.read() == b""
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
    assert server.connections == 1


async def test_head_with_content_length_has_no_body(raw_server):
    server = await raw_server([b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n", OK])
    async with ClientSession() as session:
        async with session.head(server.url) as resp:
            assert resp.headers["Content-Length"] == "50"
            assert await resp.read() == b""
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
    assert server.connections == 1


async def test_extra_bytes_after_the_body_poison_the_connection(raw_server):
    server = await raw_server([OK + b"garbage", OK], cycle=True)
    async with ClientSession() as session:
        for _ in range(2):
            async with session.get(server.url) as resp:
                assert await resp.read() == b"ok"
    # The first connection carried garbage after its response: it was not reused.
    assert server.connections == 2


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\nok",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/2.0 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n folded: a\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 9000 + b"\r\n\r\n",
        b"HTTP/1.1 200 " + b"R" * 9000 + b"\r\n\r\n",
    ],
)
async def test_malformed_heads_raise_client_response_error(raw_server, reply):
    server = await raw_server([reply])
    with pytest.raises(ClientResponseError) as info:
        await fetch(server)
    assert info.value.status == 400
    assert info.value.message


async def test_header_limits_follow_the_session(raw_server):
    reply = b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 9000 + b"\r\nContent-Length: 2\r\n\r\nok"
    server = await raw_server([reply])
    async with ClientSession(max_field_size=10000) as session, session.get(server.url) as resp:
        assert len(resp.headers["X-Long"]) == 9000


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\nab\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nab\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    ],
)
async def test_broken_bodies_raise_payload_error(raw_server, reply):
    server = await raw_server([reply], keep_open=True)
    with pytest.raises(ClientPayloadError):
        await fetch(server)


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n"
        + gzip.compress(b"hello" * 100, mtime=0)[:-10],
    ],
)
async def test_truncated_bodies_raise_payload_error(raw_server, reply):
    server = await raw_server([reply])  # the server closes after writing
    with pytest.raises(ClientPayloadError):
        await fetch(server)


@pytest.mark.parametrize("reply", [b"", b"HTTP/1.1 200 OK\r\nContent-Le"])
async def test_close_before_the_head_is_server_disconnected(raw_server, reply):
    server = await raw_server([reply])
    with pytest.raises(ServerDisconnectedError):
        await fetch(server)


async def test_slow_server_hits_sock_read(raw_server):
    async def trickle(reader, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(20):
            writer.write(b"x")
            await asyncio.sleep(0.3)

    server = await raw_server([trickle])
    async with ClientSession(timeout=ClientTimeout(sock_read=0.1)) as session:
        resp = await session.get(server.url)
        with pytest.raises(SocketTimeoutError):
            await resp.read()


async def test_total_timeout_covers_the_body(raw_server):
    async def trickle(reader, writer):
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(40):
            writer.write(b"x")
            await asyncio.sleep(0.05)

    server = await raw_server([trickle])
    async with ClientSession(timeout=ClientTimeout(total=0.3, sock_read=1)) as session:
        resp = await session.get(server.url)
        with pytest.raises(asyncio.TimeoutError):
            await resp.read()


@contextlib.asynccontextmanager
async def _serving(handler):
    """A loopback server running ``handler`` per connection; yields its URL."""
    srv = await asyncio.start_server(lambda r, w: _run_and_close(handler, r, w), "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}/"
    finally:
        srv.close()
        await srv.wait_closed()


async def _run_and_close(handler, reader, writer):
    try:
        await handler(reader, writer)
    finally:
        writer.close()


async def test_expect_100_continue_sends_the_body_after_100():
    heads = []

    async def continue_then_ok(reader, writer):
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = await reader.readexactly(4)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n" + body)

    async with _serving(continue_then_ok) as url, ClientSession() as session:
        async with session.post(url, data=b"body", expect100=True) as resp:
            assert await resp.read() == b"body"
    assert b"expect: 100-continue" in heads[0].lower()


async def test_expect_100_final_answer_skips_the_body():
    received = []
    client_closed = asyncio.Event()

    async def refuse(reader, writer):
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        received.append(await reader.read())
        client_closed.set()

    async with _serving(refuse) as url, ClientSession() as session:
        async with session.post(url, data=b"secret", expect100=True) as resp:
            assert resp.status == 401
        await asyncio.wait_for(client_closed.wait(), 5)
        # The announced body was never sent: the connection is not lent again.
        assert received[-1] == b""
    assert b"secret" not in b"".join(received)


async def test_expect_100_without_an_answer_sends_the_body_after_a_second():
    async def ignore_expect(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        body = await reader.readexactly(4)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n" + body)

    async with (
        _serving(ignore_expect) as url,
        ClientSession(timeout=ClientTimeout(total=5)) as session,
        session.post(url, data=b"body", expect100=True) as resp,
    ):
        assert await resp.read() == b"body"


async def test_expect_100_answered_417_is_repeated_without_the_expectation():
    heads = []

    async def expectation_failed(reader, writer):
        head = await reader.readuntil(b"\r\n\r\n")
        heads.append(head)
        if b"100-continue" in head.lower():
            writer.write(b"HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n")
            return
        body = await reader.readexactly(4)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n" + body)

    async with (
        _serving(expectation_failed) as url,
        ClientSession() as session,
        session.post(url, data=b"body", expect100=True) as resp,
    ):
        assert resp.status == 200
        assert await resp.read() == b"body"
        assert resp.history == ()
    assert len(heads) == 2
    assert b"expect:" not in heads[1].lower()


async def test_flow_control_pauses_reading_of_a_large_body(http_server):
    connector = BasicTCPConnector()
    async with ClientSession(connector=connector, read_bufsize=2**14) as session:
        resp = await session.get(http_server / "large", params={"size": str(8 * 2**20)})
        transport = resp.connection.transport
        await eventually(lambda: not transport.is_reading())  # the stream paused it
        # Unread, the stream holds about its high-water mark, not the whole body.
        buffered = resp.content.total_bytes
        assert buffered < 2**20
        assert len(await resp.read()) == 8 * 2**20


async def test_unknown_content_encoding_is_passed_through(raw_server):
    server = await raw_server(
        [b"HTTP/1.1 200 OK\r\nContent-Encoding: x-custom\r\nContent-Length: 3\r\n\r\nabc"]
    )
    _, body = await fetch(server)
    assert body == b"abc"


async def test_readchunk_reports_http_chunk_ends(raw_server):
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    server = await raw_server([reply])
    async with ClientSession() as session, session.get(server.url) as resp:
        assert await resp.content.readchunk() == (b"abc", True)
        assert await resp.content.readchunk() == (b"de", True)
        assert await resp.content.readchunk() == (b"", False)
