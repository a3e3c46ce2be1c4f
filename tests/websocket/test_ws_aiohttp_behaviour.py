"""WebSocket behaviour users see, checked against what aiohttp 3.14 does.

The peer is an aiohttp.web WebSocket handler on loopback; each test names
the aiohttp behaviour it checks.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import WSMsgType as ServerMsgType
from aiohttp import web
from yarl import URL

from lamella_core import ClientConnectionResetError, ClientSession, ServerTimeoutError
from lamella_websocket import ClientWSTimeout, WSCloseCode, WSMsgType


@dataclass
class Peer:
    """The server's URL and what it saw."""

    url: URL
    offers: list[str | None] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    pinged: asyncio.Event = field(default_factory=asyncio.Event)
    got_text: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    state = Peer(URL("http://127.0.0.1/"))

    async def closing(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoclose=False)
        await ws.prepare(request)
        state.offers.append(request.headers.get("Sec-WebSocket-Extensions"))
        await ws.close(code=4000, message=b"bye")
        return ws

    async def silent(request: web.Request) -> web.WebSocketResponse:
        # Never answers a PING: the client's heartbeat must give up on it.
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        async for msg in ws:
            state.received.append(msg.type.name)
            if msg.type is ServerMsgType.PING:
                state.pinged.set()
            elif msg.type is ServerMsgType.TEXT:
                state.got_text.set()
        state.done.set()
        return ws

    async def reserved_bits(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        assert request.transport is not None
        request.transport.write(b"\xc1\x00")  # FIN, RSV1 and TEXT: no extension sets RSV1
        async for _ in ws:
            pass
        return ws

    async def answer_then_close(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.receive_bytes()
        await ws.send_str("late")
        await ws.receive()  # the client's close
        return ws

    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=("chat",))
        await ws.prepare(request)
        state.offers.append(request.headers.get("Sec-WebSocket-Protocol"))
        async for msg in ws:
            if msg.type is ServerMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type is ServerMsgType.BINARY:
                await ws.send_bytes(msg.data)
        return ws

    app = web.Application()
    app.router.add_get("/answer-then-close", answer_then_close)
    app.router.add_get("/echo", echo)
    app.router.add_get("/closing", closing)
    app.router.add_get("/reserved-bits", reserved_bits)
    app.router.add_get("/silent", silent)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = URL(f"http://127.0.0.1:{runner.addresses[0][1]}/")
    try:
        yield state
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_no_compression_is_offered_unless_asked(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer.url / "closing") as ws:
            assert ws.compress == 0
        async with session.ws_connect(peer.url / "closing", compress=15):
            pass
    assert peer.offers[0] is None
    assert peer.offers[1] is not None
    assert peer.offers[1].startswith("permessage-deflate")


@pytest.mark.asyncio
@pytest.mark.parametrize("compress", [0, 15])
async def test_messages_and_the_protocol_offer_have_aiohttps_shape(
    peer: Peer, compress: int
) -> None:
    # As aiohttp: data messages carry "" as their extra, and the offered
    # subprotocols go out joined by a bare comma.
    async with ClientSession() as session:
        async with session.ws_connect(
            peer.url / "echo", protocols=("x", "chat"), compress=compress
        ) as ws:
            assert ws.protocol == "chat"
            await ws.send_str("hi")
            text = await ws.receive()
            await ws.send_bytes(b"\x00\x01")
            binary = await ws.receive()
    assert (text.type, text.data, text.extra) == (WSMsgType.TEXT, "hi", "")
    assert (binary.type, binary.data, binary.extra) == (WSMsgType.BINARY, b"\x00\x01", "")
    assert peer.offers == ["x,chat"]


@pytest.mark.asyncio
async def test_heartbeat_drops_a_peer_that_never_answers_while_receiving(peer: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(peer.url / "silent", heartbeat=0.2)
        msg = await asyncio.wait_for(ws.receive(), 30)  # a guard, not a timing check
        assert msg.type is WSMsgType.ERROR
        assert isinstance(msg.data, ServerTimeoutError)
        assert "No PONG received after 0.1 seconds" in str(msg.data)
        assert ws.closed
        assert ws.close_code == WSCloseCode.ABNORMAL_CLOSURE
        assert ws.exception() is msg.data
    assert peer.received[:1] == ["PING"]


@pytest.mark.asyncio
async def test_heartbeat_pings_and_drops_while_the_client_only_sends(peer: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(peer.url / "silent", heartbeat=0.2)

        async def send_until_pinged() -> None:
            # Sending is not activity: the PING still comes after 0.2 s of silence.
            while not peer.pinged.is_set():
                peer.got_text.clear()
                await ws.send_str("still here")
                await peer.got_text.wait()

        await asyncio.wait_for(send_until_pinged(), 30)
        await asyncio.wait_for(peer.done.wait(), 30)  # the client dropped the connection
        assert ws.closed
        assert ws.close_code == WSCloseCode.ABNORMAL_CLOSURE
        assert isinstance(ws.exception(), ServerTimeoutError)
        with pytest.raises(ClientConnectionResetError):
            await ws.send_str("too late")
    assert "PING" in peer.received
    assert peer.received[0] == "TEXT"


@pytest.mark.asyncio
async def test_ping_and_pong_after_the_servers_close(peer: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(peer.url / "closing", autoclose=False)
        msg = await ws.receive()
        assert (msg.type, msg.data, msg.extra) == (WSMsgType.CLOSE, 4000, "bye")
        assert not ws.closed
        # As aiohttp: control frames may still go until close() runs.
        await ws.ping()
        await ws.pong()
        assert await ws.close()
        with pytest.raises(ClientConnectionResetError, match="closing transport"):
            await ws.ping()

        ws = await session.ws_connect(peer.url / "closing")  # autoclose answers at once
        msg = await ws.receive()
        assert msg.type is WSMsgType.CLOSE
        assert ws.closed
        for control in (ws.ping, ws.pong):
            with pytest.raises(ClientConnectionResetError, match="closing transport"):
                await control()
        assert ws.close_code == 4000


@pytest.mark.asyncio
async def test_a_broken_frame_is_reported_in_aiohttp_s_words(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer.url / "reserved-bits") as ws:
            msg = await ws.receive()
            assert msg.type is WSMsgType.ERROR
            assert str(msg.data) == "Received frame with non-zero reserved bits"
            assert msg.data.code == WSCloseCode.PROTOCOL_ERROR
            # Closed with 1002, and, as in aiohttp, exception() is not that error.
            assert ws.close_code == WSCloseCode.PROTOCOL_ERROR
            assert ws.exception() is None


@pytest.mark.asyncio
async def test_a_receive_waiting_while_other_tasks_close_returns_closed(peer: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(peer.url / "answer-then-close")
        await ws.send_bytes(b"ask")
        closers = [asyncio.create_task(ws.close()) for _ in range(2)]
        # As in aiohttp: the server's "late" answer comes after the close
        # frame went out, and is dropped.
        assert (await ws.receive()).type is WSMsgType.CLOSED
        # One close() did the closing handshake, at once: the server answered it.
        assert sorted(await asyncio.gather(*closers)) == [False, True]
        assert ws.close_code == WSCloseCode.OK
        assert (await ws.receive()).type is WSMsgType.CLOSED


@pytest.mark.asyncio
async def test_ssl_must_be_a_tls_setting(peer: Peer) -> None:
    async with ClientSession() as session:
        with pytest.raises(TypeError, match="ssl should be SSLContext, bool, Fingerprint"):
            await session.ws_connect(peer.url / "closing", ssl=42)


@pytest.mark.asyncio
async def test_deprecated_timeouts_and_ssl_none_warn(peer: Peer) -> None:
    async with ClientSession() as session:
        with pytest.warns(DeprecationWarning, match="'timeout' of type 'float'"):
            ws = await session.ws_connect(peer.url / "closing", timeout=5.0)
        await ws.close()
        with pytest.warns(DeprecationWarning, match="'receive_timeout' is deprecated"):
            ws = await session.ws_connect(peer.url / "closing", receive_timeout=5.0)
        await ws.close()
        with pytest.warns(DeprecationWarning, match="ssl=None is deprecated"):
            ws = await session.ws_connect(peer.url / "closing", ssl=None)
        await ws.close()
        ws = await session.ws_connect(
            peer.url / "closing", timeout=ClientWSTimeout(ws_receive=5.0, ws_close=5.0)
        )
        await ws.close()


@pytest.mark.asyncio
async def test_ws_connect_context_is_a_coroutine(peer: Peer) -> None:
    async with ClientSession() as session:
        pending = session.ws_connect(peer.url / "closing")
        assert asyncio.iscoroutine(pending)
        ws = await asyncio.create_task(pending)
        assert (await ws.receive()).type is WSMsgType.CLOSE
        await ws.close()
