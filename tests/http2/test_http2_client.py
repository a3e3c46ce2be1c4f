"""HTTP/2 through the ordinary ClientSession API, against hypercorn (TLS + ALPN, and h2c)."""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Awaitable, Callable

import pytest
from h2_helpers import H2Server

from lamella_connectors import TCPConnector
from lamella_cookies import CookieJar
from lamella_core import ClientSession, HttpVersion
from lamella_core.exceptions import (
    ClientConnectionError,
    ClientConnectorError,
    ClientResponseError,
)
from lamella_core.plugins import get_plugin_manager
from lamella_http2._head import Dechunker

Start = Callable[..., Awaitable[H2Server]]


async def test_get_over_tls_speaks_h2(h2_server: Start, trusting: ssl.SSLContext) -> None:
    server = await h2_server()
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(server / "/") as resp:
            assert resp.status == 200
            assert resp.version == HttpVersion(2, 0)
            assert await resp.text() == "hello over 2"
            assert resp.headers["Content-Type"] == "text/plain"
            assert not any(name.startswith(":") for name in resp.headers)
    assert server.versions == ["2"]


async def test_post_body_is_sent_in_data_frames(h2_server: Start, trusting: ssl.SSLContext) -> None:
    server = await h2_server()
    payload = bytes(range(256)) * 1024  # 256 KiB: more than the initial stream window
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.post(server / "/echo", data=payload) as resp:
            assert resp.version == HttpVersion(2, 0)
            assert resp.headers["X-Method"] == "POST"
            assert await resp.read() == payload
        async with session.post(server / "/echo", json={"a": 1}) as resp:
            assert await resp.json(content_type=None) == {"a": 1}


async def test_streamed_upload(h2_server: Start, trusting: ssl.SSLContext) -> None:
    server = await h2_server()

    async def chunks():  # type: ignore[no-untyped-def]
        for i in range(64):
            yield bytes([i]) * 8192

    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.post(server / "/echo", data=chunks()) as resp:
            body = await resp.read()
    assert body == b"".join(bytes([i]) * 8192 for i in range(64))


async def test_chunked_request_body_goes_unframed(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    # chunked=True frames the body for HTTP/1.1; over HTTP/2 the chunk framing
    # is taken off again and the data goes out as DATA frames.
    server = await h2_server()
    payload = b"0123456789abcdef" * 700
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.post(server / "/echo", data=payload, chunked=True) as resp:
            assert resp.version == HttpVersion(2, 0)
            assert await resp.read() == payload
        async with session.post(server / "/echo", data=b"abc", chunked=True) as resp:
            assert await resp.read() == b"abc"


def test_dechunker_takes_the_framing_apart_however_it_is_split() -> None:
    framed = b"3\r\nabc\r\n10;ext=1\r\n" + b"x" * 16 + b"\r\n0\r\n\r\n"
    for size in (1, 2, 3, 5, 7, len(framed)):
        dechunker = Dechunker()
        out = b"".join(dechunker.feed(framed[i : i + size]) for i in range(0, len(framed), size))
        assert out == b"abc" + b"x" * 16
        assert dechunker.done


async def test_concurrent_requests_share_one_connection(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    connector = TCPConnector(http2=True, ssl=trusting)
    async with ClientSession(connector=connector) as session:
        async with session.get(server / "/") as resp:  # opens the connection
            await resp.read()

        async def one(i: int) -> bytes:
            async with session.post(server / "/echo", data=str(i).encode()) as resp:
                assert resp.version == HttpVersion(2, 0)
                return await resp.read()

        bodies = await asyncio.gather(*(one(i) for i in range(60)))
        assert bodies == [str(i).encode() for i in range(60)]
        stats = connector.stats()
        assert stats.total.idle == 1
    assert len(server.peers) == 61
    assert len(set(server.peers)) == 1


async def test_large_download_streams(h2_server: Start, trusting: ssl.SSLContext) -> None:
    server = await h2_server()
    size = 8 * 1024 * 1024  # eight stream windows
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(server / "/large", params={"size": size}) as resp:
            received = 0
            async for piece in resp.content.iter_chunked(65536):
                assert set(piece) == {ord("x")}
                received += len(piece)
                # The reader never holds much more than one window and its buffer.
                assert resp.content.total_bytes - received <= 4 * 1024 * 1024
    assert received == size


async def test_raise_for_status_and_redirects(h2_server: Start, trusting: ssl.SSLContext) -> None:
    server = await h2_server()
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(server / "/status/404") as resp:
            assert resp.status == 404
            assert resp.reason == "Not Found"
            with pytest.raises(ClientResponseError) as info:
                resp.raise_for_status()
            assert info.value.status == 404
        async with session.get(server / "/redirect") as resp:
            assert resp.status == 200
            assert resp.version == HttpVersion(2, 0)
            assert [r.status for r in resp.history] == [302]
            assert resp.url == server / "/"


async def test_falls_back_to_http11_when_the_server_offers_no_h2(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server(alpn=("http/1.1",))
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(server / "/") as resp:
            assert resp.version == HttpVersion(1, 1)
            assert await resp.text() == "hello over 1.1"


async def test_http2_off_by_default(h2_server: Start, trusting: ssl.SSLContext) -> None:
    server = await h2_server()
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        # A given context keeps its own ALPN list: this one offers h2, which
        # an HTTP/1.1 connector refuses plainly rather than misreading frames.
        with pytest.raises(ClientConnectorError, match="chose h2"):
            await session.get(server / "/")
    trusting.set_alpn_protocols(["http/1.1"])
    async with ClientSession(connector=TCPConnector(ssl=trusting)) as session:
        async with session.get(server / "/") as resp:
            assert resp.version == HttpVersion(1, 1)
            assert await resp.text() == "hello over 1.1"


async def test_prior_knowledge_speaks_h2c(h2_server: Start) -> None:
    server = await h2_server(tls=False)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server / "/") as resp:
            assert resp.version == HttpVersion(2, 0)
            assert await resp.text() == "hello over 2"
        async with session.post(server / "/echo", data=b"plain") as resp:
            assert await resp.read() == b"plain"
    assert server.versions == ["2", "2"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_a_request_head_longer_than_a_frame_goes_in_continuation_frames(
    h2_server: Start, method: str
) -> None:
    # Random hex Huffman-codes to about 5/8 of its length: 54,000 characters
    # make a block of some 33 KiB, a HEADERS frame and two CONTINUATION
    # frames at the default 16 KiB frame size (and under hypercorn's 64 KiB
    # header list limit).
    value = os.urandom(27_000).hex()
    server = await h2_server(tls=False)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        data = b"body" if method == "POST" else None
        headers = {"X-Long": value}
        async with session.request(method, server / "/headers", data=data, headers=headers) as resp:
            assert resp.version == HttpVersion(2, 0)
            fields = (await resp.read()).split(b"\n")
        assert b"x-long: " + value.encode() in fields
        async with session.get(server / "/") as resp:  # the connection carries on
            assert await resp.text() == "hello over 2"
    assert server.versions == ["2", "2"]


async def test_http2_true_leaves_plain_http_on_http11(h2_server: Start) -> None:
    server = await h2_server(tls=False)
    async with ClientSession(connector=TCPConnector(http2=True)) as session:
        async with session.get(server / "/") as resp:
            assert resp.version == HttpVersion(1, 1)


async def test_released_unread_body_resets_only_its_stream(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    connector = TCPConnector(http2=True, ssl=trusting)
    async with ClientSession(connector=connector) as session:
        resp = await session.get(server / "/large", params={"size": 4 * 1024 * 1024})
        await resp.content.readexactly(1024)
        resp.release()
        async with session.get(server / "/") as again:
            assert await again.text() == "hello over 2"
    assert len(set(server.peers)) == 1


def test_bad_http2_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="http2"):
        TCPConnector(http2="yes")  # type: ignore[arg-type]


async def test_lamella_contexts_offer_h2(h2_server: Start) -> None:
    server = await h2_server()
    async with ClientSession(connector=TCPConnector(http2=True, ssl=False)) as session:
        async with session.get(server / "/") as resp:
            assert resp.version == HttpVersion(2, 0)
    async with ClientSession(connector=TCPConnector(ssl=False)) as session:
        async with session.get(server / "/") as resp:
            assert resp.version == HttpVersion(1, 1)


def test_http2_without_lamella_http2_names_the_distribution() -> None:
    manager = get_plugin_manager()
    plugin = manager.get_plugin("http2")
    assert plugin is not None
    manager.unregister(plugin)
    try:
        with pytest.raises(RuntimeError, match="lamella-http2"):
            TCPConnector(http2=True)
        TCPConnector(http2=False)  # HTTP/1.1 alone needs nothing more
    finally:
        manager.register(plugin, "http2")
    assert TCPConnector(http2=True).http2 is True


async def test_websocket_goes_over_http11_and_never_over_an_h2_stream(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    ws_url = (server / "/ws").with_scheme("wss")
    # lamella's own contexts: the handshake's connection offers http/1.1 alone.
    async with ClientSession(connector=TCPConnector(http2=True, ssl=False)) as session:
        async with session.ws_connect(ws_url) as ws:  # a new connection: HTTP/1.1
            await ws.send_str("hi")
            assert await ws.receive_str() == "hi"
        async with session.get(server / "/") as resp:
            assert resp.version == HttpVersion(2, 0)
        # The pooled HTTP/2 connection cannot carry the handshake: a clear error.
        with pytest.raises(ClientConnectionError, match="cannot be sent over HTTP/2"):
            await session.ws_connect(ws_url)


async def test_a_slow_reader_stalls_only_its_own_stream(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    size = 8 * 1024 * 1024  # far over one stream window, under the connection's
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        async with session.get(server / "/") as resp:
            await resp.read()
        async with session.get(server / "/large", params={"size": size}) as unread:
            # Nothing of the large body is read while the other requests run.
            for _ in range(3):
                async with session.get(server / "/") as resp:
                    assert await resp.text() == "hello over 2"
            # Its stream stopped at its window: the body is not all buffered.
            assert unread.content.total_bytes < size
            assert len(await unread.read()) == size
    assert len(set(server.peers)) == 1


async def test_cookies_auth_and_middlewares_over_h2(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    seen: list[str] = []

    async def middleware(req, handler):  # type: ignore[no-untyped-def]
        resp = await handler(req)
        seen.append(f"{req.method} {resp.version.major}")
        return resp

    connector = TCPConnector(http2=True, ssl=trusting)
    jar = CookieJar(unsafe=True)  # the server is an IP address
    async with ClientSession(
        connector=connector, middlewares=(middleware,), cookie_jar=jar
    ) as session:
        async with session.get(server / "/set-cookie") as resp:
            assert resp.cookies["flavour"].value == "oat"
        async with session.get(
            server / "/headers", headers={"Authorization": "Bearer t", "X-Many": "1"}
        ) as resp:
            fields = (await resp.text()).splitlines()
    assert "cookie: flavour=oat" in fields
    assert "authorization: Bearer t" in fields
    assert "x-many: 1" in fields
    # hypercorn shows :authority as host; nothing connection-specific went out.
    assert not any(f.startswith(("connection:", "transfer-encoding:")) for f in fields)
    assert seen == ["GET 2", "GET 2"]


async def test_trailers_are_exposed_once_the_body_is_read(
    h2_server: Start, trusting: ssl.SSLContext
) -> None:
    server = await h2_server()
    async with ClientSession(connector=TCPConnector(http2=True, ssl=trusting)) as session:
        # hypercorn, as many servers, sends trailers only to a request asking for them.
        async with session.get(server / "/trailers", headers={"TE": "trailers"}) as resp:
            assert resp.trailers is None  # not yet read
            assert await resp.read() == b"body"
            assert resp.trailers is not None
            assert resp.trailers["Grpc-Status"] == "0"
            assert dict(resp.trailers) == {"grpc-status": "0", "x-checksum": "abc"}
        async with session.get(server / "/") as resp:
            await resp.read()
            assert resp.trailers is None  # none sent
