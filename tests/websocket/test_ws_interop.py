"""lamella's WebSocket client against two independent servers, over ws:// and wss://."""

from __future__ import annotations

import pytest
from ws_peers import KINDS, Peer, StartPeer

from lamella_core import ClientSession
from lamella_websocket import WSCloseCode, WSMsgType
from state_checks import eventually


async def test_text_and_binary_round_trip(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer / "echo", ssl=peer.ssl) as ws:
            await ws.send_str("héllo")
            assert await ws.receive_str() == "héllo"
            await ws.send_bytes(b"\x00\x01\xff")
            assert await ws.receive_bytes() == b"\x00\x01\xff"
            await ws.send_json({"a": [1, 2]})
            assert await ws.receive_json() == {"a": [1, 2]}
    assert ws.closed
    assert ws.close_code == WSCloseCode.OK


async def test_empty_messages(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer / "echo", ssl=peer.ssl) as ws:
            await ws.send_str("")
            assert await ws.receive_str() == ""
            await ws.send_bytes(b"")
            assert await ws.receive_bytes() == b""


async def test_fragmented_messages_are_joined(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer / "fragments", ssl=peer.ssl) as ws:
            msg = await ws.receive()
            assert (msg.type, msg.data) == (WSMsgType.TEXT, "frag-ment-ed")
            msg = await ws.receive()
            assert (msg.type, msg.data) == (WSMsgType.BINARY, b"ab")


async def test_the_server_ping_is_answered(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer / "ping", ssl=peer.ssl) as ws:
            assert await ws.receive_str(timeout=5) == "pong received"


async def test_client_ping_gets_a_pong(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer / "echo", ssl=peer.ssl, autoping=False) as ws:
            await ws.ping(b"are you there")
            msg = await ws.receive(timeout=5)
            assert (msg.type, msg.data) == (WSMsgType.PONG, b"are you there")
            await ws.ping("text, sent as UTF-8: é")
            msg = await ws.receive(timeout=5)
            assert (msg.type, msg.data) == (WSMsgType.PONG, "text, sent as UTF-8: é".encode())


@pytest.mark.parametrize(("code", "reason"), [(1000, ""), (1001, "going"), (4001, "custom")])
async def test_server_closes_with_a_code(peer: Peer, code: int, reason: str) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(peer / f"close?code={code}&reason={reason}", ssl=peer.ssl)
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.CLOSE
        assert (msg.data, msg.extra) == (code, reason)
        assert ws.closed  # autoclose answered and closed
        assert ws.close_code == code
        assert (await ws.receive()).type is WSMsgType.CLOSED


@pytest.mark.parametrize(("code", "reason"), [(1000, b""), (4000, b"bye"), (1001, b"away")])
async def test_client_closes_with_a_code(peer: Peer, code: int, reason: bytes) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(peer / "record", ssl=peer.ssl)
        assert await ws.close(code=code, message=reason) is True
        assert await ws.close() is False
    assert ws.closed
    await eventually(lambda: peer.closes)
    assert peer.closes == [(code, reason.decode())]


async def test_subprotocol_negotiation(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(
            peer / "echo", ssl=peer.ssl, protocols=("v0.nope", "superchat", "chat")
        ) as ws:
            assert ws.protocol in ("chat", "superchat")
            await ws.send_str("x")
            assert await ws.receive_str() == "x"
    assert "superchat" in peer.headers[0]["Sec-WebSocket-Protocol"]


@pytest.mark.parametrize("size", [125, 126, 65535, 65536, 3 * 1024 * 1024 + 7])
async def test_large_messages(peer: Peer, size: int) -> None:
    payload = bytes(range(256)) * (size // 256) + b"z" * (size % 256)
    async with ClientSession() as session:
        async with session.ws_connect(peer / "echo", ssl=peer.ssl) as ws:
            await ws.send_bytes(payload)
            assert await ws.receive_bytes(timeout=10) == payload
            text = "é" * (size // 2)
            await ws.send_str(text)
            assert await ws.receive_str(timeout=10) == text


async def test_a_large_message_from_the_server(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer / "send?size=2000000", ssl=peer.ssl) as ws:
            assert await ws.receive_bytes(timeout=10) == b"x" * 2000000


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("server_on", "client_compress"), [(True, 15), (True, 0), (False, 15), (True, 10)]
)
async def test_compression_on_and_off(
    start_peer: StartPeer, kind: str, server_on: bool, client_compress: int
) -> None:
    peer = await start_peer(kind, "ws", compression=server_on)
    async with ClientSession() as session:
        async with session.ws_connect(peer / "echo", compress=client_compress) as ws:
            negotiated = server_on and client_compress != 0
            assert (ws.compress != 0) is negotiated
            offered = peer.headers[0].get("Sec-WebSocket-Extensions", "")
            assert ("permessage-deflate" in offered) is (client_compress != 0)
            for i in range(3):  # context takeover across messages
                text = f"compressible {i} " * 200
                await ws.send_str(text)
                assert await ws.receive_str() == text
            # one message with other settings: uncompressed, then a small window
            await ws.send_str("plain " * 50, compress=0)
            assert await ws.receive_str() == "plain " * 50
            await ws.send_bytes(b"small window " * 50, compress=9)
            assert await ws.receive_bytes() == b"small window " * 50


async def test_async_iteration_stops_at_close(peer: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(peer / "fragments", ssl=peer.ssl) as ws:
            seen = []
            async for msg in ws:
                seen.append(msg.data)
                if len(seen) == 2:
                    await ws.close()
            assert seen == ["frag-ment-ed", b"ab"]


async def test_the_peer_vanishing_yields_closed(peer: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(peer / "vanish", ssl=peer.ssl)
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.CLOSED
        assert ws.closed
        assert ws.close_code == WSCloseCode.ABNORMAL_CLOSURE
        await ws.close()


async def test_tls_details_are_available(start_peer: StartPeer) -> None:
    peer = await start_peer("websockets", "wss")
    async with ClientSession() as session:
        async with session.ws_connect(peer / "echo", ssl=peer.ssl) as ws:
            assert ws.get_extra_info("peername")[0] == "127.0.0.1"
            assert ws.get_extra_info("sslcontext") is peer.ssl
            assert ws.get_extra_info("nope", "dflt") == "dflt"
    assert ws.get_extra_info("peername") is None
