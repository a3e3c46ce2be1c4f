"""The opening handshake: the request lamella sends and the answers it refuses."""

from __future__ import annotations

import asyncio

import pytest
from websockets.asyncio.server import serve
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from ws_peers import Peer, frame, switching
from yarl import URL

from lamella_core import BasicAuth, ClientSession, WSServerHandshakeError
from lamella_websocket import ClientWSTimeout, WSMsgType, ws_connect
from lamella_websocket._handshake import HandshakeFailure, accept_value, make_offer, negotiate


def test_accept_value_matches_rfc_6455_example() -> None:
    # RFC 6455 section 1.3
    assert accept_value("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_offer_headers() -> None:
    offer, headers = make_offer(
        {"X-Custom": "1", "Connection": "keep-alive, Upgrade"},
        protocols=["a", "b"],
        origin="https://origin.test",
        compress=10,
    )
    assert headers["Upgrade"] == "websocket"
    assert headers["Connection"] == "keep-alive, Upgrade"  # the caller's is kept
    assert headers["Sec-WebSocket-Version"] == "13"
    assert headers["Sec-WebSocket-Key"] == offer.key
    assert len(offer.key) == 24
    assert headers["Sec-WebSocket-Protocol"] == "a,b"  # joined as aiohttp joins them
    assert headers["Origin"] == "https://origin.test"
    assert headers["Sec-WebSocket-Extensions"] == (
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits"
    )
    assert headers["X-Custom"] == "1"


def test_no_offer_without_compression() -> None:
    offer, headers = make_offer(None, protocols=(), origin=None, compress=0)
    assert offer.deflate is None
    assert "Sec-WebSocket-Extensions" not in headers
    assert "Sec-WebSocket-Protocol" not in headers
    assert "Origin" not in headers


@pytest.mark.parametrize("compress", [1, 8, 16, -1])
def test_bad_compress_values(compress: int) -> None:
    with pytest.raises(ValueError, match="compress"):
        make_offer(None, protocols=(), origin=None, compress=compress)


def _answer(offer_protocols: tuple[str, ...] = (), compress: int = 15, **extra: str):
    offer, _ = make_offer(None, protocols=offer_protocols, origin=None, compress=compress)
    headers = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Accept": accept_value(offer.key),
        **extra,
    }
    return offer, headers


@pytest.mark.parametrize(
    ("status", "changes", "message"),
    [
        (200, {}, "Invalid response status"),
        (101, {"Upgrade": "h2c"}, "Invalid upgrade header"),
        (101, {"Connection": "close"}, "Invalid connection header"),
        (101, {"Sec-WebSocket-Accept": "bad"}, "Invalid challenge response"),
        (101, {"Sec-WebSocket-Protocol": "other"}, "subprotocol that was not offered"),
        (101, {"Sec-WebSocket-Extensions": "x-custom"}, "extension that was not offered"),
        (
            101,
            {"Sec-WebSocket-Extensions": "permessage-deflate; x=1"},
            "Invalid permessage-deflate",
        ),
        (
            101,
            {"Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits=8"},
            "Invalid permessage-deflate",
        ),
        (101, {"Sec-WebSocket-Extensions": "permessage-deflate, permessage-deflate"}, "duplicate"),
        (101, {"Sec-WebSocket-Extensions": "=;"}, "Invalid Sec-WebSocket-Extensions"),
    ],
)
def test_refused_answers(status: int, changes: dict[str, str], message: str) -> None:
    offer, headers = _answer(("chat",))
    headers.update(changes)
    with pytest.raises(HandshakeFailure, match=message):
        negotiate(offer, status, headers)


def test_extension_refused_when_not_offered() -> None:
    offer, headers = _answer(compress=0)
    headers["Sec-WebSocket-Extensions"] = "permessage-deflate"
    with pytest.raises(HandshakeFailure, match="not offered"):
        negotiate(offer, 101, headers)


def test_negotiated_parameters() -> None:
    offer, headers = _answer(
        ("chat",),
        **{
            "Connection": "keep-alive, upgrade",
            "Sec-WebSocket-Protocol": "chat",
            "Sec-WebSocket-Extensions": "permessage-deflate; client_no_context_takeover; "
            "server_no_context_takeover; client_max_window_bits=11",
        },
    )
    result = negotiate(offer, 101, headers)
    assert result.protocol == "chat"
    assert result.compress == 11
    assert result.client_notakeover is True
    (extension,) = result.extensions
    assert extension.remote_no_context_takeover is True  # type: ignore[attr-defined]


# --- over the network --------------------------------------------------------------


async def test_request_carries_everything(raw_ws) -> None:
    seen: list[dict[str, str]] = []

    async def behaviour(reader, writer, headers):
        seen.append(headers)
        writer.write(switching(headers) + frame(0x8, b"\x03\xe8"))

    url = await raw_ws(behaviour)
    async with ClientSession(headers={"X-Session": "s"}) as session:
        ws = await session.ws_connect(
            url / "path",
            params={"q": "1"},
            headers={"X-Extra": "e"},
            auth=BasicAuth("user", "pass"),
            origin="http://origin.test",
            protocols=("chat",),
            compress=0,
        )
        assert (await ws.receive()).type is WSMsgType.CLOSE
    (headers,) = seen
    assert headers[":target"] == "/path?q=1"
    assert headers["upgrade"] == "websocket"
    assert headers["connection"] == "Upgrade"
    assert headers["sec-websocket-version"] == "13"
    assert headers["origin"] == "http://origin.test"
    assert headers["sec-websocket-protocol"] == "chat"
    assert headers["authorization"] == "Basic dXNlcjpwYXNz"
    assert headers["x-extra"] == "e"
    assert headers["x-session"] == "s"
    assert "sec-websocket-extensions" not in headers


async def test_a_refusal_raises_with_status_and_headers(raw_ws) -> None:
    async def behaviour(reader, writer, headers):
        writer.write(b"HTTP/1.1 403 Forbidden\r\nX-Why: no\r\nContent-Length: 2\r\n\r\nno")

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        with pytest.raises(WSServerHandshakeError) as info:
            await session.ws_connect(url)
    exc = info.value
    assert exc.status == 403
    assert exc.message == "Invalid response status"
    assert exc.headers is not None
    assert exc.headers["X-Why"] == "no"
    assert exc.request_info.url == url


async def test_redirects_are_not_followed(raw_ws) -> None:
    async def behaviour(reader, writer, headers):
        writer.write(b"HTTP/1.1 302 Found\r\nLocation: /other\r\nContent-Length: 0\r\n\r\n")

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        with pytest.raises(WSServerHandshakeError) as info:
            await session.ws_connect(url)
    assert info.value.status == 302


@pytest.mark.parametrize(
    ("extra", "accept", "message"),
    [
        ("", "wrong", "Invalid challenge response"),
        ("Sec-WebSocket-Protocol: sneaky\r\n", None, "not offered"),
        ("Sec-WebSocket-Extensions: permessage-deflate; bogus\r\n", None, "permessage-deflate"),
    ],
)
async def test_a_bad_101_raises_and_closes(
    raw_ws, extra: str, accept: str | None, message: str
) -> None:
    closed = asyncio.Event()

    async def behaviour(reader, writer, headers):
        writer.write(switching(headers, extra, accept=accept))
        await reader.read()  # until lamella closes the connection
        closed.set()

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        with pytest.raises(WSServerHandshakeError, match=message) as info:
            await session.ws_connect(url, protocols=("chat",))
        assert info.value.status == 101
        await asyncio.wait_for(closed.wait(), 5)


async def test_frames_right_behind_the_101_are_kept(raw_ws) -> None:
    async def behaviour(reader, writer, headers):
        writer.write(switching(headers) + frame(0x1, b"early") + frame(0x2, b"bird"))
        await reader.read()

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        async with session.ws_connect(url, timeout=ClientWSTimeout(ws_close=0.5)) as ws:
            assert await ws.receive_str() == "early"
            assert await ws.receive_bytes() == b"bird"


async def test_no_context_takeover_and_window_bits_interoperate() -> None:
    factory = ServerPerMessageDeflateFactory(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=10,
        require_client_max_window_bits=False,
        client_max_window_bits=11,
    )

    async def echo(ws):
        async for message in ws:
            await ws.send(message)

    async with serve(echo, "127.0.0.1", 0, compression=None, extensions=[factory]) as server:
        port = server.sockets[0].getsockname()[1]
        async with ClientSession() as session:
            async with session.ws_connect(f"ws://127.0.0.1:{port}/", compress=12) as ws:
                assert ws.compress == 11
                assert ws.client_notakeover is True
                for i in range(3):
                    await ws.send_str(f"repeat {i} " * 300)
                    assert await ws.receive_str() == f"repeat {i} " * 300


async def test_module_level_ws_connect(start_peer) -> None:
    peer: Peer = await start_peer("aiohttp", "wss")
    async with ws_connect(peer / "echo", ssl=peer.ssl) as ws:
        await ws.send_str("alone")
        assert await ws.receive_str() == "alone"
    assert ws.closed


async def test_module_level_ws_connect_failure_closes_its_session(raw_ws) -> None:
    async def behaviour(reader, writer, headers):
        writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    url = await raw_ws(behaviour)
    with pytest.raises(WSServerHandshakeError):
        await ws_connect(url)


async def test_await_form_and_async_with_form(start_peer) -> None:
    peer: Peer = await start_peer("websockets")
    async with ClientSession() as session:
        ws = await session.ws_connect(peer / "echo")
        await ws.send_str("awaited")
        assert await ws.receive_str() == "awaited"
        await ws.close()


async def test_http_urls_work_too(start_peer) -> None:
    peer: Peer = await start_peer("websockets")
    async with ClientSession() as session:
        async with session.ws_connect(peer.url.with_scheme("http") / "echo") as ws:
            await ws.send_bytes(b"1")
            assert await ws.receive_bytes() == b"1"


async def test_closed_port_raises_connector_error() -> None:
    from lamella_core import ClientConnectorError

    async with ClientSession() as session:
        with pytest.raises(ClientConnectorError):
            await session.ws_connect(URL("ws://127.0.0.1:1/"))
