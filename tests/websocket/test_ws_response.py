"""ClientWebSocketResponse behaviour: autoping, heartbeat, limits, timeouts, errors, cancellation."""

from __future__ import annotations

import asyncio
import json

import pytest
from ws_peers import KINDS, Peer, StartPeer, frame, receiving, switching

from lamella_core import ClientConnectionResetError, ClientError, ClientSession, ServerTimeoutError
from lamella_websocket import (
    ClientWSTimeout,
    WebSocketError,
    WSCloseCode,
    WSMessage,
    WSMessageTypeError,
    WSMsgType,
)
from state_checks import eventually


@pytest.fixture(params=KINDS)
async def echo(request: pytest.FixtureRequest, start_peer: StartPeer) -> Peer:
    return await start_peer(request.param)


async def test_autoping_off_hands_pings_over(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "ping", autoping=False) as ws:
            msg = await ws.receive(timeout=5)
            assert (msg.type, msg.data) == (WSMsgType.PING, b"hello")
            await ws.pong(msg.data.decode())  # a str goes as UTF-8
            assert await ws.receive_str(timeout=5) == "pong received"


async def test_heartbeat_keeps_a_live_connection_open(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo", heartbeat=0.05) as ws:
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.4)  # several pings answered meanwhile
            assert not ws.closed
            await ws.send_str("still here")
            assert await ws.receive_str() == "still here"


async def _mute(reader, writer, headers):
    writer.write(switching(headers))
    await reader.read()  # reads pings, never answers them


async def test_heartbeat_drops_a_silent_peer(raw_ws) -> None:
    url = await raw_ws(_mute)
    async with ClientSession() as session:
        ws = await session.ws_connect(url, heartbeat=0.1)
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.ERROR
        assert isinstance(msg.data, ServerTimeoutError)
        assert ws.closed
        assert ws.close_code == WSCloseCode.ABNORMAL_CLOSURE
        assert ws.exception() is msg.data
        assert (await ws.receive()).type is WSMsgType.CLOSED
        assert await ws.close() is False


async def test_heartbeat_without_a_waiting_receive(raw_ws) -> None:
    url = await raw_ws(_mute)
    async with ClientSession() as session:
        ws = await session.ws_connect(url, heartbeat=0.05)
        # Nobody receives: the heartbeat alone finds the peer silent and closes.
        await eventually(lambda: ws.closed)
        assert isinstance(ws.exception(), ServerTimeoutError)
        assert (await ws.receive()).type is WSMsgType.CLOSED


@pytest.mark.parametrize("compress", [0, 15])
async def test_messages_over_max_msg_size(echo: Peer, compress: int) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(echo / "send?size=5000", max_msg_size=4000, compress=compress)
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.ERROR
        assert isinstance(msg.data, WebSocketError)
        assert msg.data.code == WSCloseCode.MESSAGE_TOO_BIG
        assert ws.close_code == WSCloseCode.MESSAGE_TOO_BIG
        assert ws.closed
        assert (await ws.receive()).type is WSMsgType.CLOSED


@pytest.mark.parametrize("compress", [0, 15])
async def test_message_size_limit_is_also_the_client_limits_error(
    echo: Peer, compress: int
) -> None:
    from lamella_core import ClientLimits, WebSocketMessageTooLarge

    limits = ClientLimits(max_ws_message_size=4000)
    async with ClientSession(limits=limits) as session:
        ws = await session.ws_connect(echo / "send?size=5000", compress=compress)
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.ERROR
        assert isinstance(msg.data, WebSocketError)
        assert isinstance(msg.data, WebSocketMessageTooLarge)
        assert msg.data.code == WSCloseCode.MESSAGE_TOO_BIG
        assert (msg.data.limit, msg.data.value) == ("max_ws_message_size", 4000)
        assert msg.data.actual > 4000
        assert "max_ws_message_size" in str(msg.data)
        assert ws.close_code == WSCloseCode.MESSAGE_TOO_BIG
        # max_msg_size given to ws_connect wins over the session's limits.
        async with session.ws_connect(echo / "send?size=5000", max_msg_size=0) as ws2:
            assert len(await ws2.receive_bytes(timeout=5)) == 5000


async def test_max_msg_size_zero_means_no_limit(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "send?size=5000000", max_msg_size=0) as ws:
            assert len(await ws.receive_bytes(timeout=10)) == 5000000


async def test_receive_timeouts_leave_the_connection_usable(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(
            echo / "echo", timeout=ClientWSTimeout(ws_receive=0.05, ws_close=5)
        ) as ws:
            with pytest.raises(TimeoutError):
                await ws.receive()
            with pytest.raises(asyncio.TimeoutError):
                await ws.receive(timeout=0.05)
            assert not ws.closed
            assert ws.close_code is None
            await ws.send_str("after")
            assert await ws.receive_str() == "after"
        async with session.ws_connect(
            echo / "echo", timeout=ClientWSTimeout(ws_receive=0.05, ws_close=10.0)
        ) as ws:
            with pytest.raises(TimeoutError):
                await ws.receive_str()


async def test_cancelled_receive_loses_nothing(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo") as ws:
            waiting = asyncio.create_task(ws.receive())
            await receiving(ws)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            # A message queued in the same step as the cancellation: the task
            # is woken for it but never resumes to take it.
            waiting = asyncio.create_task(ws.receive())
            await receiving(ws)
            ws._conn.push(WSMessage(WSMsgType.TEXT, "kept", None))
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            assert await ws.receive_str(timeout=5) == "kept"
            await ws.send_str("again")
            assert await ws.receive_str(timeout=5) == "again"


async def test_concurrent_receive_is_refused(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo") as ws:
            first = asyncio.create_task(ws.receive())
            await receiving(ws)
            with pytest.raises(RuntimeError, match="Concurrent"):
                await ws.receive()
            await ws.send_str("one")
            assert (await first).data == "one"


async def test_close_from_another_task_wakes_receive(echo: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(echo / "echo")
        waiting = asyncio.create_task(ws.receive())
        await receiving(ws)
        assert await ws.close() is True
        msg = await waiting
        assert msg.type is WSMsgType.CLOSING
        assert ws.closed
        assert ws.close_code == WSCloseCode.OK
        assert (await ws.receive()).type is WSMsgType.CLOSED


async def test_sending_after_close(echo: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(echo / "echo")
        await ws.close()
        for send in (ws.send_str("x"), ws.send_bytes(b"x"), ws.ping(), ws.send_json(1)):
            with pytest.raises(ClientConnectionResetError):
                await send


async def test_autoclose_off_returns_close_and_waits(echo: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(echo / "close?code=4002&reason=later", autoclose=False)
        msg = await ws.receive(timeout=5)
        assert (msg.type, msg.data, msg.extra) == (WSMsgType.CLOSE, 4002, "later")
        assert not ws.closed
        assert ws.close_code == 4002
        assert await ws.close() is True
        assert ws.closed


async def test_type_errors(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo") as ws:
            with pytest.raises(TypeError):
                await ws.send_str(b"bytes")  # type: ignore[arg-type]
            with pytest.raises(TypeError):
                await ws.send_bytes("text")  # type: ignore[arg-type]
            await ws.send_bytes(bytearray(b"ba"))
            with pytest.raises(WSMessageTypeError) as info:
                await ws.receive_str()
            assert isinstance(info.value, TypeError)
            assert isinstance(info.value, ClientError)
            await ws.send_bytes(memoryview(b"mv"))
            assert await ws.receive_bytes() == b"mv"
            await ws.send_str("t")
            with pytest.raises(WSMessageTypeError):
                await ws.receive_bytes()


async def test_json_helpers(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo") as ws:
            await ws.send_json({"k": 1}, dumps=lambda d: json.dumps(d, separators=(",", ":")))
            msg = await ws.receive()
            assert msg.data == '{"k":1}'
            assert msg.json() == {"k": 1}
            await ws.send_json([1])
            assert await ws.receive_json(loads=lambda s: ("custom", json.loads(s))) == (
                "custom",
                [1],
            )


async def test_send_json_bytes_sends_a_binary_message(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo") as ws:
            await ws.send_json_bytes({"k": [1]}, dumps=lambda d: json.dumps(d).encode())
            msg = await ws.receive()
            assert msg.type is WSMsgType.BINARY
            assert json.loads(msg.data) == {"k": [1]}


async def test_decode_text_off_gives_bytes(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo", decode_text=False) as ws:
            await ws.send_str("é")
            msg = await ws.receive()
            assert (msg.type, msg.data) == (WSMsgType.TEXT, "é".encode())


async def test_send_frame_opcodes(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo", autoping=False) as ws:
            await ws.send_frame(b"raw text", WSMsgType.TEXT)
            assert await ws.receive_str() == "raw text"
            await ws.send_frame(b"raw bin", WSMsgType.BINARY, compress=0)
            assert await ws.receive_bytes() == b"raw bin"
            await ws.send_frame(b"p", WSMsgType.PING)
            assert (await ws.receive()).type is WSMsgType.PONG
            with pytest.raises(ValueError):
                await ws.send_frame(b"", WSMsgType.CLOSED)
            with pytest.raises(ValueError):
                await ws.send_frame(b"", WSMsgType.CONTINUATION)
            await ws.send_frame(b"\x0f\xa1bye", WSMsgType.CLOSE)
            msg = await ws.receive(timeout=5)
            assert msg.type is WSMsgType.CLOSE  # the code of the answer is the server's choice


async def test_close_arguments_are_checked(echo: Peer) -> None:
    async with ClientSession() as session:
        async with session.ws_connect(echo / "echo") as ws:
            with pytest.raises(ValueError):
                await ws.close(code=1006)
            with pytest.raises(ValueError):
                await ws.close(message=b"x" * 124)
            assert not ws.closed
            assert await ws.close(code=4000, message="str is fine") is True


def test_message_types_and_codes() -> None:
    assert [m.value for m in WSMsgType] == [0, 1, 2, 9, 10, 8, 0x100, 0x101, 0x102]
    assert WSMsgType.text is WSMsgType.TEXT
    assert WSMsgType.closed is WSMsgType.CLOSED
    assert WSCloseCode.MESSAGE_TOO_BIG == 1009
    assert WSCloseCode.ABNORMAL_CLOSURE == 1006
    msg = WSMessage(WSMsgType.TEXT, '{"a": 1}', None)
    assert msg.json() == {"a": 1}
    assert msg == (WSMsgType.TEXT, '{"a": 1}', None)
    assert ClientWSTimeout() == ClientWSTimeout(ws_receive=None, ws_close=None)
    assert ClientWSTimeout(1, 2) == ClientWSTimeout(ws_receive=1, ws_close=2)
    with pytest.raises(AttributeError):
        ClientWSTimeout().ws_close = 1  # type: ignore[misc]
    err = WebSocketError(1002, "bad frame")
    assert (err.code, str(err)) == (1002, "bad frame")
    assert isinstance(err, ClientError)


# --- a peer that breaks the protocol ---------------------------------------------------


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        (frame(0x1, b"\xff\xfe"), WSCloseCode.INVALID_TEXT),  # invalid UTF-8
        (frame(0x1, b"x", rsv=2), WSCloseCode.PROTOCOL_ERROR),  # a reserved bit
        (frame(0x0, b"x"), WSCloseCode.PROTOCOL_ERROR),  # continuation of nothing
        (frame(0x3, b"x"), WSCloseCode.PROTOCOL_ERROR),  # reserved opcode
        (b"\x81\x81abcdx", WSCloseCode.PROTOCOL_ERROR),  # a masked server frame
        (frame(0x1, b"ok") + frame(0x1, b"\xc3"), WSCloseCode.INVALID_TEXT),
    ],
)
async def test_protocol_errors_close_with_their_code(raw_ws, frames: bytes, code: int) -> None:
    got_close: list[bytes] = []

    async def behaviour(reader, writer, headers):
        writer.write(switching(headers) + frames)
        data = await reader.read(2 + 4 + 125)  # the client's (masked) close frame
        got_close.append(data)

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        ws = await session.ws_connect(url, compress=0)
        msg = await ws.receive(timeout=5)
        if msg.type is WSMsgType.TEXT:  # the valid message before the broken one
            msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.ERROR
        assert isinstance(msg.data, WebSocketError)
        assert msg.data.code == code
        assert ws.close_code == code
        assert ws.closed
    assert got_close
    assert got_close[0][0] == 0x88


async def test_close_gives_up_on_a_server_that_never_answers(raw_ws) -> None:
    async def behaviour(reader, writer, headers):
        writer.write(switching(headers))
        await reader.read()  # reads the close frame, never answers it

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        ws = await session.ws_connect(url, compress=0, timeout=ClientWSTimeout(ws_close=0.1))
        assert await ws.close() is True
        assert ws.close_code == WSCloseCode.ABNORMAL_CLOSURE
        assert isinstance(ws.exception(), TimeoutError)


async def test_a_peer_that_closes_tcp_mid_message(raw_ws) -> None:
    async def behaviour(reader, writer, headers):
        writer.write(switching(headers) + frame(0x2, b"x" * 100)[:50])

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        ws = await session.ws_connect(url, compress=0)
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.CLOSED
        assert ws.close_code == WSCloseCode.ABNORMAL_CLOSURE
        await ws.close()


async def test_cancelled_close_drops_the_connection(raw_ws) -> None:
    close_frame_seen = asyncio.Event()

    async def behaviour(reader, writer, headers):
        writer.write(switching(headers))
        if (await reader.readexactly(1))[0] == 0x88:  # FIN + close: never answered
            close_frame_seen.set()
        await reader.read()

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        ws = await session.ws_connect(url, compress=0)
        closing = asyncio.create_task(ws.close())
        # Cancelled in the phase the test is named after: the close frame is
        # out and close() waits for the server's.
        await asyncio.wait_for(close_frame_seen.wait(), 5)
        assert not closing.done()
        closing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await closing
        assert ws.closed
        assert ws.close_code == WSCloseCode.ABNORMAL_CLOSURE
        assert (await ws.receive()).type is WSMsgType.CLOSED


async def test_repr(echo: Peer) -> None:
    async with ClientSession() as session:
        ws = await session.ws_connect(echo / "echo")
        assert repr(ws).startswith("<ClientWebSocketResponse open url='ws://127.0.0.1:")
        assert "open" in repr(ws._conn)
        await ws.close()
        assert repr(ws).startswith("<ClientWebSocketResponse closed")
