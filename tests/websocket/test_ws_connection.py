"""The glue of ``_connection``: its fast read and write paths against websockets' Protocol.

Most tests use no socket: frames are fed as bytes, in every split, and the
messages, errors and bytes written must be those of the Protocol-only path,
which is the reference (``_reference`` runs the same stream through the
Protocol alone). The last ones run the same cases over loopback, against the
two real servers and a bare server that writes frames a byte at a time.
"""

from __future__ import annotations

import asyncio
import random
from array import array
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import Close, Frame, Opcode
from websockets.protocol import Protocol, Side, State
from ws_peers import Peer, frame, switching

from lamella_core import ClientSession
from lamella_websocket import WebSocketError, WSCloseCode, WSMessage, WSMsgType
from lamella_websocket._connection import EOF, ClientProtocol, WebSocketConnection
from state_checks import eventually


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False
        self.paused = False

    def write(self, data: Any) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass


def _glue(
    *, max_size: int | None = None, autoping: bool = True, decode_text: bool = True, deflate=False
) -> WebSocketConnection:
    protocol = ClientProtocol(max_size=max_size, autoping=autoping)
    if deflate:
        protocol.extensions = [_client_deflate()]
    conn = WebSocketConnection(asyncio.get_running_loop(), protocol, decode_text=decode_text)
    conn.attach(_Transport(), b"")
    return conn


def _client_deflate() -> Any:
    factory = ClientPerMessageDeflateFactory()
    return factory.process_response_params([], [])


def _server_deflate() -> Any:
    factory = ServerPerMessageDeflateFactory()
    _, extension = factory.process_request_params([], [])
    return extension


def _items(conn: WebSocketConnection) -> list[Any]:
    """Everything queued, as comparable tuples."""
    out: list[Any] = []
    while (item := conn.read_nowait()) is not None and item is not EOF:
        if isinstance(item, WebSocketError):
            out.append(("error", item.code))
        else:
            assert isinstance(item, WSMessage)
            out.append((item.type, item.data, item.extra))
    return out


def _sent_frames(written: bytes) -> list[tuple[Opcode, bytes]]:
    """The frames the client wrote, read back by a server-side Protocol."""
    server = Protocol(Side.SERVER, state=State.OPEN, max_size=None)
    server.receive_data(bytes(written))
    assert server.parser_exc is None
    return [(e.opcode, bytes(e.data)) for e in server.events_received()]


async def _reference(stream: bytes) -> tuple[list[Any], list[tuple[Opcode, bytes]]]:
    """What the Protocol alone makes of ``stream``: fed in one call, no fast path."""
    conn = _glue()
    conn._max_size = -1  # every frame is then "too big" for the fast path
    conn.data_received(stream)
    return _items(conn), _sent_frames(_written(conn))


def _written(conn: WebSocketConnection) -> bytes:
    transport = conn.transport
    assert isinstance(transport, _Transport)
    return bytes(transport.written)


def _splits(data: bytes, how: str) -> Iterator[bytes]:
    if how == "whole":
        yield data
    elif how == "bytes":
        for i in range(len(data)):
            yield data[i : i + 1]
    else:
        rng = random.Random(how)
        i = 0
        while i < len(data):
            n = rng.randint(1, 300)
            yield data[i : i + n]
            i += n


# Payload that looks like frames: read at the wrong offset, it would be messages.
FAKE = b"\x81\x05hello"
NOISE = random.Random(0).randbytes(5000)  # incompressible: a long compressed frame
SPLITS = ["whole", "bytes", "random-1", "random-2"]


def _feed(conn: WebSocketConnection, data: bytes, how: str, *, buffered: bool) -> None:
    for chunk in _splits(data, how):
        if not buffered:
            conn.data_received(chunk)
            continue
        # As the event loop does: read into get_buffer(), then buffer_updated().
        while chunk:
            view = conn.get_buffer(-1)
            n = min(len(view), len(chunk))
            view[:n] = chunk[:n]
            conn.buffer_updated(n)
            chunk = chunk[n:]


def _text(s: str, **kw: Any) -> bytes:
    return frame(1, s.encode(), **kw)


def _long_frame(opcode: int, payload: bytes) -> bytes:
    """A server frame with a 64-bit length, even for a small payload."""
    return bytes([0x80 | opcode, 127]) + len(payload).to_bytes(8, "big") + payload


STREAMS: dict[str, bytes] = {
    "data": _text("a") + frame(2, b"b") + _text("") + frame(2, b"x" * 126) + _text("é" * 40000),
    "control between data": (
        _text("one") + frame(9, b"ping") + frame(2, b"two") + frame(10, b"pong") + _text("three")
    ),
    "fragments between data": (
        _text("before")
        + _text("frag-", fin=False)
        + frame(9, b"mid")
        + frame(0, b"ment", fin=False)
        + frame(0, b"-ed")
        + frame(2, b"after")
        + frame(2, b"a", fin=False)
        + frame(0, b"b")
    ),
    "large frames": (
        frame(2, bytes(range(256)) * 400)
        + _text("small")
        + frame(1, b"t" * 70000)
        + frame(2, b"y" * 65535)
        + _long_frame(1, b"short, in the 64-bit form")
        + frame(2, NOISE * 30)  # larger than the buffer kept from the first one
    ),
    "large fragments": (
        frame(2, FAKE * 10000, fin=False)
        + frame(9, b"p" * 125)
        + frame(0, FAKE * 400, fin=False)
        + frame(0, FAKE * 9000)
        + _text("after")
    ),
    "close then data": _text("last") + frame(8, b"\x03\xe8bye") + _text("dropped"),
    "invalid utf-8": _text("ok") + frame(1, b"\xff\xfe") + _text("dropped"),
    "masked frame": _text("ok") + b"\x81\x81abcdx" + _text("dropped"),
    "rsv bit without extension": _text("ok") + frame(1, b"x", rsv=4) + _text("dropped"),
    "unexpected continuation": _text("ok") + frame(0, b"x") + _text("dropped"),
    "data inside a fragmented message": _text("a", fin=False) + _text("b") + _text("c"),
}


@pytest.mark.parametrize("how", SPLITS)
@pytest.mark.parametrize("buffered", [False, True], ids=["data_received", "get_buffer"])
@pytest.mark.parametrize("name", list(STREAMS))
async def test_fast_path_matches_the_protocol(name: str, how: str, buffered: bool) -> None:
    stream = STREAMS[name]
    expected, expected_sent = await _reference(stream)
    conn = _glue()
    _feed(conn, stream, how, buffered=buffered)
    assert _items(conn) == expected
    assert _sent_frames(_written(conn)) == expected_sent


async def test_reference_outcomes() -> None:
    """The reference itself, for the streams whose outcome matters most."""
    items, sent = await _reference(STREAMS["control between data"])
    assert [i[1] for i in items] == ["one", b"two", "three"]
    assert sent == [(Opcode.PONG, b"ping")]
    items, _ = await _reference(STREAMS["fragments between data"])
    assert [i[1] for i in items] == ["before", "frag-ment-ed", b"after", b"ab"]
    items, sent = await _reference(STREAMS["invalid utf-8"])
    assert items == [(WSMsgType.TEXT, "ok", ""), ("error", 1007)]
    assert sent[0][0] is Opcode.CLOSE
    assert Close.parse(sent[0][1]).code == 1007
    items, _ = await _reference(STREAMS["masked frame"])
    assert items == [(WSMsgType.TEXT, "ok", ""), ("error", 1002)]
    items, sent = await _reference(STREAMS["close then data"])
    assert items == [(WSMsgType.TEXT, "last", ""), (WSMsgType.CLOSE, 1000, "bye")]
    assert sent == [(Opcode.CLOSE, b"\x03\xe8bye")]


@pytest.mark.parametrize("how", SPLITS)
async def test_pings_and_pongs_delivered_in_order_without_autoping(how: str) -> None:
    conn = _glue(autoping=False)
    _feed(conn, STREAMS["control between data"], how, buffered=True)
    assert [(i[0], i[1]) for i in _items(conn)] == [
        (WSMsgType.TEXT, "one"),
        (WSMsgType.PING, b"ping"),
        (WSMsgType.BINARY, b"two"),
        (WSMsgType.PONG, b"pong"),
        (WSMsgType.TEXT, "three"),
    ]
    assert _written(conn) == b""


@pytest.mark.parametrize("how", SPLITS)
@pytest.mark.parametrize("size", [11, 200, 70000, 2**40])
async def test_oversized_frames_fail_with_1009(how: str, size: int) -> None:
    if size < 2**20:
        big = _long_frame(2, b"z" * size)
    else:  # only the header: the Protocol must not wait for the payload
        big = bytes([0x82, 127]) + size.to_bytes(8, "big")
    stream = frame(2, b"0123456789") + big + _text("dropped")
    conn = _glue(max_size=10)
    _feed(conn, stream, how, buffered=True)
    assert _items(conn) == [(WSMsgType.BINARY, b"0123456789", ""), ("error", 1009)]
    assert conn.protocol.state is State.CLOSING
    (sent,) = _sent_frames(_written(conn))
    assert sent[0] is Opcode.CLOSE
    assert Close.parse(sent[1]).code == 1009


@pytest.mark.parametrize("how", SPLITS)
async def test_fragments_over_max_size_fail_with_1009(how: str) -> None:
    stream = frame(1, b"12345", fin=False) + frame(0, b"678901") + _text("dropped")
    conn = _glue(max_size=10)
    _feed(conn, stream, how, buffered=False)
    assert _items(conn) == [("error", 1009)]


@pytest.mark.parametrize("how", SPLITS)
async def test_invalid_utf8_in_a_fast_frame_fails_with_1007(how: str) -> None:
    conn = _glue()
    _feed(conn, _text("ok") + frame(1, b"caf\xc3") + _text("dropped"), how, buffered=True)
    assert _items(conn) == [(WSMsgType.TEXT, "ok", ""), ("error", 1007)]
    assert conn.protocol.state is State.CLOSING


@pytest.mark.parametrize("how", SPLITS)
async def test_text_left_undecoded(how: str) -> None:
    conn = _glue(decode_text=False)
    _feed(conn, frame(1, b"\xff") + frame(1, b"\xfe" * 70000), how, buffered=True)
    assert _items(conn) == [
        (WSMsgType.TEXT, b"\xff", ""),
        (WSMsgType.TEXT, b"\xfe" * 70000, ""),
    ]


@pytest.mark.parametrize("how", SPLITS)
async def test_compressed_frames_go_through_the_protocol(how: str) -> None:
    server = _server_deflate()

    def compressed(opcode: Opcode, data: bytes) -> bytes:
        encoded = server.encode(Frame(opcode, data))
        return frame(opcode, encoded.data, rsv=4)

    stream = (
        compressed(Opcode.TEXT, b"hello " * 100)
        + _text("plain")  # RSV1 clear: an uncompressed message, read by the glue
        + compressed(Opcode.BINARY, NOISE)
        + frame(9, b"p")
        + compressed(Opcode.TEXT, b"again " * 100)
    )
    conn = _glue(deflate=True)
    _feed(conn, stream, how, buffered=True)
    assert [(i[0], i[1]) for i in _items(conn)] == [
        (WSMsgType.TEXT, "hello " * 100),
        (WSMsgType.TEXT, "plain"),
        (WSMsgType.BINARY, NOISE),
        (WSMsgType.TEXT, "again " * 100),
    ]


async def test_frames_after_our_close_still_reach_the_protocol() -> None:
    conn = _glue()
    conn.protocol.send_close(1000, "")
    conn.flush()
    conn.data_received(_text("late") + frame(8, b"\x03\xe8"))
    assert _items(conn) == [(WSMsgType.TEXT, "late", ""), (WSMsgType.CLOSE, 1000, "")]


async def test_a_close_while_a_frame_is_pending() -> None:
    conn = _glue()
    whole = _text("x" * 300)
    conn.data_received(whole[:10])
    conn.protocol.send_close(1000, "")
    conn.data_received(whole[10:] + frame(8, b"\x03\xe8"))
    assert [i[0] for i in _items(conn)] == [WSMsgType.TEXT, WSMsgType.CLOSE]


async def test_leftover_after_the_handshake_is_read() -> None:
    protocol = ClientProtocol(max_size=None, autoping=True)
    conn = WebSocketConnection(asyncio.get_running_loop(), protocol, decode_text=True)
    big = frame(2, b"b" * 100000)
    conn.attach(_Transport(), _text("early") + big[:5000])
    assert _items(conn) == [(WSMsgType.TEXT, "early", "")]
    conn.data_received(big[5000:])
    assert _items(conn) == [(WSMsgType.BINARY, b"b" * 100000, "")]


@pytest.mark.parametrize("buffered", [False, True], ids=["data_received", "get_buffer"])
async def test_large_messages_do_not_share_the_read_buffer(buffered: bool) -> None:
    conn = _glue()
    sizes = [200000, 2**20 + 1, 70000, 2**20, 100000]  # over and under the size kept
    payloads = [bytes([i]) * size for i, size in enumerate(sizes)]
    _feed(conn, b"".join(frame(2, p) for p in payloads), "random-3", buffered=buffered)
    got = [item[1] for item in _items(conn)]
    assert [type(g) for g in got] == [bytes] * len(sizes)
    assert got == payloads


async def test_eof_in_the_middle_of_a_frame() -> None:
    conn = _glue()
    conn.data_received(frame(2, b"b" * 100000)[:7000])
    conn.eof_received()
    conn.connection_lost(None)
    assert conn.read_nowait() is EOF


async def test_back_pressure_counts_fast_messages() -> None:
    conn = _glue()
    transport = conn.transport
    assert isinstance(transport, _Transport)
    conn.data_received(b"".join(frame(2, b"x" * 100) for _ in range(3000)))
    assert transport.paused
    while conn.read_nowait() is not None:
        pass
    assert not transport.paused


# --- writing ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70000])
@pytest.mark.parametrize("first", [0x81, 0x82])
async def test_written_frames_are_what_the_protocol_writes(first: int, size: int) -> None:
    conn = _glue()
    payload = (b"abc\xc3\xa9" * (size // 5 + 1))[:size] if first == 0x82 else b"x" * size
    conn.write_message(first, payload)
    conn.write_message(first, bytearray(payload))
    conn.write_message(first, memoryview(payload))
    written = _written(conn)
    opcode = Opcode.TEXT if first == 0x81 else Opcode.BINARY
    assert _sent_frames(written) == [(opcode, payload)] * 3
    # Same length and header as the Protocol's own frame (masks differ).
    reference = ClientProtocol(max_size=None, autoping=True)
    (reference.send_text if first == 0x81 else reference.send_binary)(payload)
    (theirs,) = reference.data_to_send()
    assert len(written) == 3 * len(theirs)
    head = len(theirs) - size - 4
    assert written[:head] == theirs[:head]


async def test_written_masks_differ() -> None:
    conn = _glue()
    for _ in range(600):  # past one batch of random bytes
        conn.write_message(0x82, b"\x00\x00\x00\x00")
    written = _written(conn)
    masks = {written[i + 2 : i + 6] for i in range(0, len(written), 10)}
    assert len(masks) > 590


async def test_memoryview_of_wider_items_is_sent_as_its_bytes() -> None:
    conn = _glue()
    data = array("i", [1, 2, 3])
    conn.write_message(0x82, memoryview(data))
    assert _sent_frames(_written(conn)) == [(Opcode.BINARY, data.tobytes())]


# --- over sockets -------------------------------------------------------------------

SIZES = [0, 1, 125, 126, 65535, 65536, 300000]


@pytest.mark.parametrize("compress", [0, 15])
async def test_every_length_form_round_trips(peer: Peer, compress: int) -> None:
    """Both servers, ws:// and wss://; compress=0 keeps every frame on the fast paths."""
    async with ClientSession() as session:
        async with session.ws_connect(peer / "echo", ssl=peer.ssl, compress=compress) as ws:
            for size in SIZES:
                text = ("é" * size)[: size // 2] if size > 1 else "x" * size
                await ws.send_str(text)
                await ws.send_bytes(NOISE * (size // len(NOISE)) + NOISE[: size % len(NOISE)])
                assert await ws.receive_str(timeout=5) == text
                assert len(await ws.receive_bytes(timeout=5)) == size
            await ws.ping(b"between")
            await ws.send_str("last")
            assert await ws.receive_str(timeout=5) == "last"


async def _trickle(writer: asyncio.StreamWriter, data: bytes, step: int = 1) -> None:
    for i in range(0, len(data), step):
        writer.write(data[i : i + step])
        await writer.drain()
        await asyncio.sleep(0)


TAILS = {
    "oversized": (bytes([0x82, 127]) + (200000).to_bytes(8, "big"), WSCloseCode.MESSAGE_TOO_BIG),
    "invalid utf-8": (frame(1, b"ok?\xc3"), WSCloseCode.INVALID_TEXT),
    "masked": (b"\x81\x81abcdx", WSCloseCode.PROTOCOL_ERROR),
}


@pytest.mark.parametrize("tail", list(TAILS))
async def test_frames_written_a_byte_at_a_time(raw_ws, tail: str) -> None:
    bad, code = TAILS[tail]
    big = NOISE * 20
    client_frames: list[tuple[Opcode, bytes]] = []

    async def read_client(reader: asyncio.StreamReader) -> None:
        server = Protocol(Side.SERVER, state=State.OPEN, max_size=None)
        while server.close_rcvd is None and (data := await reader.read(4096)):
            server.receive_data(data)
            client_frames.extend((e.opcode, bytes(e.data)) for e in server.events_received())

    async def behaviour(reader, writer, headers):
        reading = asyncio.ensure_future(read_client(reader))
        writer.write(switching(headers))
        await _trickle(
            writer,
            _text("one")
            + frame(9, b"are you there")
            + _text("frag-", fin=False)
            + frame(9, b"mid")
            + frame(0, b"ment", fin=False)
            + frame(0, b"-ed")
            + frame(2, b"\x00" * 300),
        )
        await _trickle(writer, frame(2, big), step=997)
        try:
            # The client may hang up before the end of a frame it rejected.
            await _trickle(writer, bad)
            writer.write(_text("never read"))
        except ConnectionError:
            pass
        await reading

    url = await raw_ws(behaviour)
    async with ClientSession() as session:
        ws = await session.ws_connect(url, compress=0, max_msg_size=100000)
        assert await ws.receive_str(timeout=5) == "one"
        assert await ws.receive_str(timeout=5) == "frag-ment-ed"
        assert await ws.receive_bytes(timeout=5) == b"\x00" * 300
        assert await ws.receive_bytes(timeout=5) == big
        msg = await ws.receive(timeout=5)
        assert msg.type is WSMsgType.ERROR
        assert isinstance(msg.data, WebSocketError)
        assert msg.data.code == code
        assert ws.close_code == code
        assert (await ws.receive()).type is WSMsgType.CLOSED
    await eventually(lambda: client_frames and client_frames[-1][0] is Opcode.CLOSE)
    assert client_frames[:2] == [(Opcode.PONG, b"are you there"), (Opcode.PONG, b"mid")]
    assert client_frames[-1][0] is Opcode.CLOSE
    assert Close.parse(client_frames[-1][1]).code == code
