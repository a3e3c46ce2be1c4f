"""br and zstd bodies through a ClientSession, from real servers, with both parsers.

The servers are a raw asyncio server writing bytes made by the reference
libraries (brotli, backports.zstd) and aiohttp.web's own compression.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from backports import zstd
from codecs_helpers import COMPRESS, PLUGIN_CODINGS, response
from yarl import URL

from lamella_core import (
    ClientLimits,
    ClientPayloadError,
    ClientSession,
    DecompressionLimitExceeded,
)

TEXT = b"The same body, whichever coding carried it. " * 500 + random.Random(20).randbytes(1000)
FOLLOW = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfollow"
CODINGS = ["gzip", *PLUGIN_CODINGS]


def headers_of(request: bytes) -> dict[str, str]:
    lines = request.split(b"\r\n\r\n")[0].decode().split("\r\n")[1:]
    return {k.lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}


async def test_accept_encoding_advertises_br_and_zstd(raw_server) -> None:
    server = await raw_server([FOLLOW])
    async with ClientSession() as session, session.get(server.url) as resp:
        await resp.read()
    assert headers_of(server.requests[0])["accept-encoding"] == "gzip, deflate, br, zstd"


@pytest.mark.usefixtures("without_codecs")
async def test_core_alone_advertises_gzip_and_deflate_only(raw_server) -> None:
    server = await raw_server([FOLLOW])
    async with ClientSession() as session, session.get(server.url) as resp:
        await resp.read()
    assert headers_of(server.requests[0])["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
@pytest.mark.usefixtures("without_codecs")
async def test_without_the_plugin_the_body_is_refused_naming_it(raw_server, coding) -> None:
    server = await raw_server([response(COMPRESS[coding](TEXT), coding), FOLLOW], keep_open=True)
    async with ClientSession() as session:
        async with session.get(server.url) as resp:
            assert resp.status == 200
            with pytest.raises(ClientPayloadError, match=f"{coding}.*install lamella-codecs"):
                await resp.read()
        async with session.get(server.url) as resp:
            assert await resp.read() == b"follow"
    assert server.connections == 2  # the refused body's connection was not reused


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
@pytest.mark.usefixtures("without_codecs")
async def test_without_the_plugin_auto_decompress_false_returns_raw_bytes(
    raw_server, coding
) -> None:
    compressed = COMPRESS[coding](TEXT)
    server = await raw_server([response(compressed, coding)] * 2, keep_open=True)
    async with ClientSession(auto_decompress=False) as session:
        async with session.get(server.url) as resp:
            assert await resp.read() == compressed
    async with ClientSession() as session:
        async with session.get(server.url, auto_decompress=False) as resp:
            assert await resp.read() == compressed


async def test_a_coding_no_distribution_decodes_is_still_passed_through(raw_server) -> None:
    server = await raw_server([response(b"abc", "x-custom")])
    async with ClientSession() as session, session.get(server.url) as resp:
        assert await resp.read() == b"abc"


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
async def test_a_compressed_body_is_decoded(raw_server, coding, chunked) -> None:
    server = await raw_server(
        [response(COMPRESS[coding](TEXT), coding, chunked=chunked), FOLLOW], keep_open=True
    )
    async with ClientSession() as session:
        async with session.get(server.url) as resp:
            assert resp.headers["Content-Encoding"] == coding
            assert await resp.read() == TEXT
        async with session.get(server.url) as resp:
            assert await resp.read() == b"follow"
    assert server.connections == 1  # a well-formed body keeps the connection


async def test_codings_chain_across_plugins_and_core(raw_server) -> None:
    data = COMPRESS["gzip"](COMPRESS["br"](COMPRESS["zstd"](TEXT)))
    server = await raw_server([response(data, "zstd, br, gzip")])
    async with ClientSession() as session, session.get(server.url) as resp:
        assert await resp.read() == TEXT


async def test_concatenated_zstd_frames_from_a_server(raw_server) -> None:
    data = zstd.compress(b"part one; ") + zstd.compress(b"part two")
    server = await raw_server([response(data, "zstd", chunked=True)])
    async with ClientSession() as session, session.get(server.url) as resp:
        assert await resp.text() == "part one; part two"


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
@pytest.mark.parametrize("coding", CODINGS)
async def test_a_truncated_stream_is_a_payload_error(raw_server, coding, chunked) -> None:
    data = COMPRESS[coding](TEXT)
    server = await raw_server(
        [response(data[: len(data) // 2], coding, chunked=chunked), FOLLOW], keep_open=True
    )
    async with ClientSession() as session:
        async with session.get(server.url) as resp:
            with pytest.raises(ClientPayloadError, match=f"content-encoding: {coding}"):
                await resp.read()
        async with session.get(server.url) as resp:
            assert await resp.read() == b"follow"
    assert server.connections == 2


@pytest.mark.parametrize(
    ("coding", "where"),
    [(coding, "start") for coding in CODINGS] + [("gzip", "middle"), ("zstd", "middle")],
)
async def test_a_corrupt_stream_is_a_payload_error(raw_server, coding, where) -> None:
    # Corruption inside a brotli stream may decode to other bytes unnoticed (it
    # has no checksum); gzip's CRC and zstd's frame checksum catch it anywhere.
    data = bytearray(COMPRESS[coding](TEXT))
    at = 0 if where == "start" else len(data) // 2
    data[at : at + 8] = b"\xff" * 8
    server = await raw_server([response(bytes(data), coding)])
    async with ClientSession() as session, session.get(server.url) as resp:
        with pytest.raises(ClientPayloadError, match=f"content-encoding: {coding}"):
            await resp.read()


# --- decompression bombs: the same cases for gzip and the plugin's codings ---------


@pytest.mark.parametrize("coding", CODINGS)
async def test_a_bomb_stops_at_the_default_ratio(raw_server, coding) -> None:
    bomb = COMPRESS[coding](b"\0" * (64 << 20))
    server = await raw_server([response(bomb, coding), FOLLOW], keep_open=True)
    async with ClientSession() as session:
        async with session.get(server.url) as resp:
            with pytest.raises(DecompressionLimitExceeded) as info:
                await resp.read()
        assert info.value.limit == "max_compression_ratio"
        async with session.get(server.url) as resp:
            assert await resp.read() == b"follow"
    assert server.connections == 2


@pytest.mark.parametrize("coding", CODINGS)
async def test_a_bomb_stops_at_max_decompressed_size(raw_server, coding) -> None:
    bomb = COMPRESS[coding](b"\0" * (4 << 20))
    server = await raw_server([response(bomb, coding, chunked=True)])
    limits = ClientLimits(max_decompressed_size=1 << 20)
    async with ClientSession(limits=limits) as session, session.get(server.url) as resp:
        received = bytearray()

        async def drain() -> None:
            async for piece in resp.content.iter_any():
                received.extend(piece)

        with pytest.raises(DecompressionLimitExceeded) as info:
            await drain()
    assert info.value.limit == "max_decompressed_size"
    assert len(received) <= 1 << 20


@pytest.mark.parametrize(("outer", "inner"), [("gzip", "br"), ("br", "zstd"), ("zstd", "gzip")])
async def test_a_nested_bomb_is_stopped(raw_server, outer, inner) -> None:
    bomb = COMPRESS[outer](COMPRESS[inner](b"\0" * (128 << 20)))
    server = await raw_server([response(bomb, f"{inner}, {outer}")])
    async with ClientSession() as session, session.get(server.url) as resp:
        with pytest.raises(DecompressionLimitExceeded):
            await resp.read()


@pytest.mark.parametrize("coding", PLUGIN_CODINGS)
async def test_a_body_within_the_limits_passes(raw_server, coding) -> None:
    body = b"\0" * (1 << 20)
    server = await raw_server([response(COMPRESS[coding](body), coding)])
    limits = ClientLimits(max_decompressed_size=1 << 20, max_compression_ratio=None)
    async with ClientSession(limits=limits) as session, session.get(server.url) as resp:
        assert await resp.read() == body


# --- aiohttp.web serving a pre-compressed static file -----------------------------------


@pytest.fixture
async def static_server(tmp_path: Path) -> AsyncIterator[URL]:
    """aiohttp.web's static files: it sends ``page.txt.br`` when Accept-Encoding offers br."""
    (tmp_path / "page.txt").write_bytes(TEXT)
    (tmp_path / "page.txt.br").write_bytes(COMPRESS["br"](TEXT))
    app = web.Application()
    app.router.add_static("/static", tmp_path)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield URL(f"http://127.0.0.1:{runner.addresses[0][1]}/static/page.txt")
    finally:
        await runner.cleanup()


async def test_aiohttp_web_sends_its_precompressed_br_file(static_server) -> None:
    async with ClientSession() as session, session.get(static_server) as resp:
        assert resp.headers["Content-Encoding"] == "br"
        assert await resp.read() == TEXT


@pytest.mark.usefixtures("without_codecs")
async def test_core_alone_gets_the_identity_file(static_server) -> None:
    async with ClientSession() as session, session.get(static_server) as resp:
        assert "Content-Encoding" not in resp.headers
        assert await resp.read() == TEXT


async def test_a_stalled_compressed_body_does_not_block_the_loop(raw_server) -> None:
    """Decoding happens per chunk as it arrives: the head and first bytes come before EOF."""
    data = COMPRESS["br"](TEXT)
    release = asyncio.Event()

    async def reply(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: %d\r\n\r\n" % len(data)
        )
        writer.write(data[: len(data) // 2])
        await writer.drain()
        await release.wait()
        writer.write(data[len(data) // 2 :])
        await writer.drain()

    server = await raw_server([reply])
    async with ClientSession() as session, session.get(server.url) as resp:
        first = await resp.content.read(10)
        assert first == TEXT[:10]
        release.set()
        assert first + await resp.read() == TEXT
