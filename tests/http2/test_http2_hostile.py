"""A hostile HTTP/2 server cannot make the client spend unbounded memory or CPU.

Against the raw h2c server: floods of PING and SETTINGS frames, endless
CONTINUATION sequences, oversized header lists, more streams than lamella
opens at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import h2.connection
import hpack
import hyperframe.frame
import pytest
from h2.errors import ErrorCodes
from h2.settings import SettingCodes
from h2_helpers import Behaviour, RawH2Server, respond

from lamella_connectors import TCPConnector
from lamella_core import ClientSession
from lamella_core.exceptions import ClientOSError
from state_checks import eventually

Start = Callable[[Behaviour], Awaitable[RawH2Server]]


def _pings(conn: h2.connection.H2Connection, i: int) -> None:
    conn.ping(i.to_bytes(8, "big"))


def _settings(conn: h2.connection.H2Connection, i: int) -> None:
    conn.update_settings({SettingCodes.MAX_CONCURRENT_STREAMS: 100 + i})


@pytest.mark.parametrize("frame", [_pings, _settings], ids=["PING", "SETTINGS"])
async def test_a_flood_is_answered_with_enhance_your_calm(
    raw_h2: Start, frame: Callable[[h2.connection.H2Connection, int], None]
) -> None:
    def flood(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        for i in range(500):
            frame(conn, i)
        respond(conn, stream_id)
        return True

    server = await raw_h2(flood)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        with pytest.raises(ClientOSError, match="ENHANCE_YOUR_CALM"):
            await session.get(server.url)
    await eventually(lambda: ErrorCodes.ENHANCE_YOUR_CALM in server.goaways)


async def test_a_few_pings_are_answered_and_the_request_goes_on(raw_h2: Start) -> None:
    def some(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        for i in range(20):
            conn.ping(i.to_bytes(8, "big"))
        respond(conn, stream_id)
        return True

    server = await raw_h2(some)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        async with session.get(server.url) as resp:
            assert await resp.read() == b"ok"
    assert ErrorCodes.ENHANCE_YOUR_CALM not in server.goaways


def _headers_in_pieces(stream_id: int, block: bytes, piece: int) -> bytes:
    """A HEADERS frame and as many CONTINUATION frames as ``block`` needs in ``piece``s."""
    parts = [block[i : i + piece] for i in range(0, len(block), piece)]
    first = hyperframe.frame.HeadersFrame(stream_id, data=parts[0])
    frames = [first] + [hyperframe.frame.ContinuationFrame(stream_id, data=p) for p in parts[1:]]
    frames[-1].flags.add("END_HEADERS")
    return b"".join(frame.serialize() for frame in frames)


async def test_an_endless_continuation_sequence_is_a_protocol_error(raw_h2: Start) -> None:
    block = hpack.Encoder().encode([(":status", "200"), ("x-long", "v" * 2000)])

    def continuations(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bytes:
        return _headers_in_pieces(stream_id, block, 10)  # 200 frames for 2 KB of headers

    server = await raw_h2(continuations)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        with pytest.raises(ClientOSError, match="protocol error"):
            await session.get(server.url)
    await eventually(lambda: ErrorCodes.PROTOCOL_ERROR in server.goaways)


async def test_a_header_list_over_the_advertised_size_is_refused(raw_h2: Start) -> None:
    fields = [(":status", "200")] + [(f"x-big-{i}", "v" * 8000) for i in range(40)]
    block = hpack.Encoder().encode(fields)  # 320 KB decoded, over 256 KiB

    def oversized(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bytes:
        return _headers_in_pieces(stream_id, block, 16384)

    server = await raw_h2(oversized)
    async with ClientSession(connector=TCPConnector(http2="prior-knowledge")) as session:
        with pytest.raises(ClientOSError, match="protocol error"):
            await session.get(server.url)
    assert server.connections == 1


async def test_open_streams_stay_bounded_whatever_the_server_allows(raw_h2: Start) -> None:
    held: list[int] = []  # the first 255 streams, answered with the 256th
    most_open = 0
    answering = False

    def hold_until_256(conn: h2.connection.H2Connection, stream_id: int, number: int) -> bool:
        nonlocal most_open, answering
        most_open = max(most_open, conn.open_inbound_streams)
        if not answering and len(held) < 255:
            held.append(stream_id)
            return True
        answering = True
        for waiting in [*held, stream_id]:
            respond(conn, waiting)
        held.clear()
        return True

    server = await raw_h2(hold_until_256)
    server.max_streams = 1_000_000
    connector = TCPConnector(http2="prior-knowledge", limit_per_host=1)
    async with ClientSession(connector=connector) as session:

        async def get() -> bytes:
            async with session.get(server.url) as resp:
                return await resp.read()

        bodies = await asyncio.gather(*(get() for _ in range(300)))
    assert bodies == [b"ok"] * 300
    assert most_open == 256  # 256 streams were in flight at once, never more
    assert server.connections == 1
