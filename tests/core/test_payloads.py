"""Request bodies: payload_for, streamed files, async iterables and compression.

The end-to-end tests send through ``ClientSession`` to an aiohttp.web
server on loopback that reports what it received: the framing headers,
the body's length and digest, and (for compression) the decoded body.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import io
import os
import threading
import zlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from multidict import MultiDict
from yarl import URL

from lamella_core import ClientSession
from lamella_core._content.bodies import request_body
from lamella_core._content.compression import CompressedPayload, compress_coding, compress_payload
from lamella_core._content.file_payloads import IOPayload
from lamella_core._content.formdata import FormData
from lamella_core._content.multipart import MultipartWriter
from lamella_core._content.payload_registry import payload_for
from lamella_core._content.payloads import (
    CHUNK_SIZE,
    AsyncIterablePayload,
    BytesPayload,
    JsonPayload,
    Payload,
    StringPayload,
)
from web_peers import serve

# --- a server that reports what it received ----------------------------------------


async def _digest(request: web.Request) -> web.Response:
    h = hashlib.sha256()
    size = 0
    async for piece in request.content.iter_any():
        h.update(piece)
        size += len(piece)
    return web.json_response(
        {
            "size": size,
            "sha256": h.hexdigest(),
            "content_length": request.headers.get("Content-Length"),
            "transfer_encoding": request.headers.get("Transfer-Encoding"),
            "content_type": request.headers.get("Content-Type"),
            "content_encoding": request.headers.get("Content-Encoding"),
        }
    )


async def _redirect(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(status=int(request.query["code"]), headers={"Location": "/digest"})


@pytest.fixture
async def receiver() -> AsyncIterator[URL]:
    """An aiohttp.web server whose ``/digest`` reports the body it was sent."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_route("*", "/digest", _digest)
    app.router.add_route("*", "/redirect", _redirect)
    async with serve(app) as url:
        yield url


async def _send(url: URL, data: object, **kwargs: object) -> dict[str, object]:
    async with ClientSession() as session, session.post(url, data=data, **kwargs) as resp:
        assert resp.status == 200
        result: dict[str, object] = await resp.json()
        return result


async def _collect(payload: Payload) -> list[bytes]:
    return [piece async for piece in payload.chunks()]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def big_file(tmp_path):
    """A 5 MiB file of varied bytes, much larger than one read."""
    path = tmp_path / "big.bin"
    content = os.urandom(1024 * 1024) * 5
    path.write_bytes(content)
    return path, content


# --- payload_for -------------------------------------------------------------------


def test_bytes_like_become_bytes_payloads() -> None:
    for data in (b"abc", bytearray(b"abc"), memoryview(b"abc")):
        payload = payload_for(data)
        assert isinstance(payload, BytesPayload)
        assert payload.data == b"abc"
        assert payload.size == 3
        assert payload.content_type == "application/octet-stream"
        assert payload.reusable


def test_str_is_text_plain_in_the_given_encoding() -> None:
    payload = payload_for("héllo")
    assert payload.data == "héllo".encode()
    assert payload.content_type == "text/plain; charset=utf-8"
    latin = payload_for("héllo", encoding="latin-1")
    assert latin.data == "héllo".encode("latin-1")
    assert latin.content_type == "text/plain; charset=latin-1"


def test_string_payload_encodes_with_the_charset_of_its_content_type() -> None:
    payload = StringPayload("é", content_type="text/html; charset=latin-1")
    assert payload.data == b"\xe9"
    assert payload.content_type == "text/html; charset=latin-1"


@pytest.mark.parametrize(
    "data",
    [
        {"a": "1", "b": "x y"},
        [("a", "1"), ("b", "x y")],
        (("a", "1"), ("b", "x y")),
        MultiDict([("a", "1"), ("b", "x y")]),
    ],
)
def test_forms_are_urlencoded(data: object) -> None:
    payload = request_body(data)
    assert payload.data == b"a=1&b=x+y"
    assert payload.content_type == "application/x-www-form-urlencoded"


def test_form_values_follow_urlencode_doseq() -> None:
    assert request_body({"a": ["1", "2"], "b": 3}).data == b"a=1&a=2&b=3"
    assert request_body([("k", "é&=")]).data == b"k=%C3%A9%26%3D"


def test_form_with_a_file_value_is_multipart(tmp_path) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"content")
    with path.open("rb") as f:
        payload = request_body({"file": f})
        assert isinstance(payload, MultipartWriter)
        assert payload.content_type is not None
        assert payload.content_type.startswith("multipart/form-data; boundary=")


def test_formdata_and_payloads_pass_through() -> None:
    form = FormData({"a": "1"})
    assert request_body(form).data == b"a=1"
    payload = BytesPayload(b"x")
    assert payload_for(payload) is payload


def test_unknown_types_raise_type_error_naming_the_type() -> None:
    with pytest.raises(TypeError, match="int"):
        request_body(42)
    with pytest.raises(TypeError, match="generator"):
        request_body(x for x in [b"a"])
    with pytest.raises(TypeError, match=r"pairs allowed.*got 1"):
        request_body([1, 2, 3])  # a list is form fields, as in aiohttp
    with pytest.raises(TypeError, match="dict"):
        payload_for({"a": "1"})  # a form is a request body, not a part


def test_string_io_is_read_as_text() -> None:
    payload = payload_for(io.StringIO("héllo"))
    assert payload.data == "héllo".encode()
    assert payload.content_type == "text/plain; charset=utf-8"


def test_json_payload() -> None:
    payload = JsonPayload({"a": [1, 2]})
    assert payload.data == b'{"a": [1, 2]}'
    assert payload.content_type == "application/json"


def test_payload_repr_names_type_and_size() -> None:
    assert repr(BytesPayload(b"abc")) == "<BytesPayload application/octet-stream size=3>"


# --- async iterables ---------------------------------------------------------------


async def test_async_iterables_stream_once_without_size() -> None:
    async def gen() -> AsyncIterator[bytes | str]:
        yield b"a"
        yield "é"
        yield bytearray(b"c")

    payload = payload_for(gen())
    assert isinstance(payload, AsyncIterablePayload)
    assert payload.size is None
    assert payload.data is None
    assert not payload.reusable
    assert await _collect(payload) == [b"a", "é".encode(), b"c"]
    with pytest.raises(RuntimeError, match="only once"):
        await _collect(payload)


async def test_async_iterable_pieces_must_be_bytes() -> None:
    async def gen() -> AsyncIterator[object]:
        yield 1

    with pytest.raises(TypeError, match="int"):
        await _collect(payload_for(gen()))


async def test_stream_readers_are_relayed_with_iter_any() -> None:
    class Reader:
        def __init__(self) -> None:
            self.pieces = [b"one", b"two"]

        async def read(self, n: int = -1) -> bytes:
            raise AssertionError("iter_any must be used")

        async def _next(self) -> bytes:
            return self.pieces.pop(0) if self.pieces else b""

        def iter_any(self) -> AsyncIterator[bytes]:
            async def it() -> AsyncIterator[bytes]:
                while piece := await self._next():
                    yield piece

            return it()

    payload = payload_for(Reader())
    assert payload.size is None
    assert await _collect(payload) == [b"one", b"two"]


# --- files ---------------------------------------------------------------------------


async def test_real_files_stream_in_pieces_from_the_executor(big_file) -> None:
    path, content = big_file
    threads: set[int] = set()
    with path.open("rb") as f:
        real_read = f.read
        payload = payload_for(f)
        assert isinstance(payload, IOPayload)
        assert payload.size == len(content)
        assert payload.data is None
        assert payload.reusable
        assert payload.content_type == "application/octet-stream"
        assert payload.filename == "big.bin"

        def spying_read(n: int = -1) -> bytes:
            assert 0 < n <= CHUNK_SIZE
            threads.add(threading.get_ident())
            return real_read(n)

        payload._value = type(
            "F", (), {"read": staticmethod(spying_read), "seek": f.seek, "tell": f.tell}
        )()
        pieces = await _collect(payload)
    assert max(len(p) for p in pieces) == CHUNK_SIZE
    assert len(pieces) == len(content) // CHUNK_SIZE
    assert b"".join(pieces) == content
    assert threading.get_ident() not in threads


async def test_seekable_files_rewind_to_where_they_started(tmp_path) -> None:
    path = tmp_path / "data.json"
    path.write_bytes(b"HEADER{}")
    with path.open("rb") as f:
        f.read(6)
        payload = payload_for(f)
        assert payload.size == 2
        assert payload.content_type == "application/json"
        assert await _collect(payload) == [b"{}"]
        assert await _collect(payload) == [b"{}"]


async def test_bytes_io_is_streamed_with_its_size() -> None:
    buf = io.BytesIO(b"x" * (CHUNK_SIZE + 10))
    payload = payload_for(buf)
    assert isinstance(payload, IOPayload)
    assert payload.size == CHUNK_SIZE + 10
    assert [len(p) for p in await _collect(payload)] == [CHUNK_SIZE, 10]
    assert payload.reusable


async def test_unseekable_objects_with_read_stream_once_chunked() -> None:
    class Pipe:
        def __init__(self) -> None:
            self.data = [b"ab", b"c"]

        def read(self, n: int = -1) -> bytes:
            return self.data.pop(0) if self.data else b""

        def close(self) -> None:
            self.closed = True

    pipe = Pipe()
    payload = payload_for(pipe)
    assert payload.size is None
    assert not payload.reusable
    assert await _collect(payload) == [b"ab", b"c"]
    with pytest.raises(RuntimeError, match="only once"):
        await _collect(payload)
    await payload.close()
    assert pipe.closed


async def test_text_files_are_encoded_piece_by_piece(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("é" * 40000, encoding="utf-8")
    with path.open(encoding="utf-8") as f:
        payload = payload_for(f)
        assert payload.size is None  # the encoded length is not known before reading
        assert payload.content_type == "text/plain"
        pieces = await _collect(payload)
    assert all(len(p) <= CHUNK_SIZE for p in pieces)
    assert b"".join(pieces) == ("é" * 40000).encode()


async def test_a_file_that_shrinks_while_sent_is_an_error(tmp_path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    with path.open("rb") as f:
        payload = payload_for(f)
        path.write_bytes(b"x" * 10)
        with pytest.raises(OSError, match="shrank"):
            await _collect(payload)


async def test_close_closes_the_file(tmp_path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x")
    f = path.open("rb")
    payload = payload_for(f)
    await payload.close()
    assert f.closed


# --- compression ---------------------------------------------------------------------


def test_compress_coding_mirrors_aiohttp() -> None:
    assert compress_coding(True) == "deflate"
    assert compress_coding("gzip") == "gzip"
    assert compress_coding("GZIP") == "gzip"
    assert compress_coding(None) is None
    assert compress_coding(False) is None


@pytest.mark.parametrize(
    ("coding", "decompress"),
    [("deflate", zlib.decompress), ("gzip", gzip.decompress)],
)
async def test_in_memory_bodies_are_compressed_once(coding, decompress) -> None:
    body = b"lamella " * 1000
    payload = compress_payload(StringPayload("lamella " * 1000), coding)
    assert payload.data is not None
    assert decompress(payload.data) == body
    assert payload.size == len(payload.data) < len(body)
    assert payload.content_type == "text/plain; charset=utf-8"
    assert payload.reusable


@pytest.mark.parametrize(
    ("coding", "decompress"),
    [("deflate", zlib.decompress), ("gzip", gzip.decompress)],
)
async def test_streamed_bodies_are_compressed_as_they_are_read(big_file, coding, decompress):
    path, content = big_file
    with path.open("rb") as f:
        payload = compress_payload(payload_for(f), coding)
        assert isinstance(payload, CompressedPayload)
        assert payload.size is None
        assert payload.data is None
        assert payload.reusable
        pieces = await _collect(payload)
        assert decompress(b"".join(pieces)) == content
        assert decompress(b"".join(await _collect(payload))) == content  # replayable


def test_unknown_codings_are_refused() -> None:
    with pytest.raises(ValueError, match="br"):
        compress_payload(BytesPayload(b"x"), "br")


# --- against a real server -----------------------------------------------------------


async def test_bytes_are_sent_with_content_length(receiver) -> None:
    got = await _send(receiver / "digest", b"hello")
    assert got["content_length"] == "5"
    assert got["sha256"] == _sha(b"hello")
    assert got["content_type"] == "application/octet-stream"


async def test_form_dict_reaches_the_server_urlencoded(receiver) -> None:
    async def form(request: web.Request) -> web.Response:
        return web.json_response(dict((await request.post()).items()))

    app = web.Application()
    app.router.add_post("/form", form)
    async with _serve(app) as url:
        got = await _send(url / "form", {"name": "lamella", "q": "a&b=c é"})
    assert got == {"name": "lamella", "q": "a&b=c é"}


async def test_large_file_upload_streams_with_content_length(receiver, big_file) -> None:
    path, content = big_file
    with path.open("rb") as f:
        got = await _send(receiver / "digest", f)
    assert got["size"] == len(content)
    assert got["sha256"] == _sha(content)
    assert got["content_length"] == str(len(content))
    assert got["transfer_encoding"] is None


async def test_async_iterable_upload_is_chunked(receiver) -> None:
    async def gen() -> AsyncIterator[bytes]:
        for i in range(100):
            yield b"%d;" % i
            await asyncio.sleep(0)

    got = await _send(receiver / "digest", gen())
    expected = b"".join(b"%d;" % i for i in range(100))
    assert got["sha256"] == _sha(expected)
    assert got["transfer_encoding"] == "chunked"
    assert got["content_length"] is None


async def test_unseekable_stream_is_sent_chunked(receiver) -> None:
    class Pipe:
        def __init__(self) -> None:
            self.data = [b"a" * 1000, b"b" * 1000]

        def read(self, n: int = -1) -> bytes:
            return self.data.pop(0) if self.data else b""

    got = await _send(receiver / "digest", Pipe())
    assert got["size"] == 2000
    assert got["transfer_encoding"] == "chunked"


@pytest.mark.parametrize("code", [307, 308])
async def test_file_bodies_are_replayed_on_307_and_308(receiver, tmp_path, code) -> None:
    path = tmp_path / "f.bin"
    content = os.urandom(200_000)
    path.write_bytes(content)
    with path.open("rb") as f:
        async with ClientSession() as session:
            async with session.post((receiver / "redirect").with_query(code=code), data=f) as resp:
                got = await resp.json()
                assert [r.status for r in resp.history] == [code]
    assert got["sha256"] == _sha(content)
    assert got["content_length"] == str(len(content))


@pytest.mark.parametrize("coding", ["deflate", "gzip"])
async def test_compressed_bodies_are_decoded_by_the_server(receiver, big_file, coding) -> None:
    path, content = big_file
    small = b"lamella " * 5000
    got = await _send(
        receiver / "digest",
        compress_payload(BytesPayload(small), coding),
        headers={"Content-Encoding": coding},
    )
    assert got["sha256"] == _sha(small)
    assert got["content_encoding"] == coding
    assert got["content_length"] is not None
    with path.open("rb") as f:
        got = await _send(
            receiver / "digest",
            compress_payload(payload_for(f), coding),
            headers={"Content-Encoding": coding},
        )
    assert got["sha256"] == _sha(content)
    assert got["transfer_encoding"] == "chunked"


class _serve:
    """Run an aiohttp.web app on loopback for one test."""

    def __init__(self, app: web.Application) -> None:
        self.runner = web.AppRunner(app, handle_signals=False, access_log=None)

    async def __aenter__(self) -> URL:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        return URL(f"http://127.0.0.1:{self.runner.addresses[0][1]}/")

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


# --- zero-copy uploads of regular files (loop.sendfile) ----------------------------------


def test_only_regular_binary_files_offer_a_sendfile_source(tmp_path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"0123456789")
    with path.open("rb") as f:
        f.seek(4)
        source = payload_for(f).sendfile_source()
        assert source is not None
        assert source[1:] == (4, 6)
    with path.open("r") as text:
        assert payload_for(text).sendfile_source() is None
    assert payload_for(io.BytesIO(b"abc")).sendfile_source() is None
    assert payload_for(b"abc").sendfile_source() is None
    read_end, write_end = os.pipe()
    with open(read_end, "rb") as pipe, open(write_end, "wb"):
        assert payload_for(pipe).sendfile_source() is None


async def test_plain_tcp_file_uploads_use_the_kernels_sendfile(receiver, big_file) -> None:
    path, content = big_file
    loop = asyncio.get_running_loop()
    calls: list[tuple[int, int | None]] = []
    real_sendfile = loop.sendfile

    async def recording_sendfile(transport, file, offset=0, count=None, *, fallback=True):
        calls.append((offset, count))
        return await real_sendfile(transport, file, offset, count, fallback=fallback)

    loop.sendfile = recording_sendfile  # type: ignore[method-assign]
    try:
        with path.open("rb") as f:
            f.seek(1000)
            got = await _send(receiver / "digest", f)
    finally:
        del loop.sendfile
    assert calls == [(1000, len(content) - 1000)]
    assert got["size"] == len(content) - 1000
    assert got["sha256"] == _sha(content[1000:])
    assert got["content_length"] == str(len(content) - 1000)


async def test_traced_file_uploads_report_their_chunks(receiver, big_file) -> None:
    from lamella_core.tracing import TraceConfig

    path, content = big_file
    sent: list[int] = []

    async def on_chunk(session, ctx, params) -> None:
        sent.append(len(params.chunk))

    trace = TraceConfig()
    trace.on_request_chunk_sent.append(on_chunk)
    with path.open("rb") as f:
        async with ClientSession(trace_configs=[trace]) as session:
            async with session.post(receiver / "digest", data=f) as resp:
                got = await resp.json()
    assert got["sha256"] == _sha(content)
    assert sum(sent) == len(content)
    assert max(sent) <= CHUNK_SIZE


async def test_file_upload_over_tls(big_file) -> None:
    trustme = pytest.importorskip("trustme")
    import ssl

    ca = trustme.CA()
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/digest", _digest)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_ctx).start()
    path, content = big_file
    try:
        url = URL(f"https://127.0.0.1:{runner.addresses[0][1]}/digest")
        with path.open("rb") as f:
            got = await _send(url, f, ssl=client_ctx)
    finally:
        await runner.cleanup()
    assert got["sha256"] == _sha(content)
    assert got["content_length"] == str(len(content))


async def test_a_server_that_drops_the_connection_mid_upload_is_a_connection_error(
    big_file,
) -> None:
    import socket
    import struct

    from lamella_core import ClientConnectionError

    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await reader.readexactly(64 * 1024)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()  # a reset, with most of the body unsent

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    fds_before = len(os.listdir("/proc/self/fd"))
    path, _ = big_file
    try:
        with path.open("rb") as f:
            async with ClientSession() as session:
                with pytest.raises(ClientConnectionError):
                    await asyncio.wait_for(session.post(f"http://127.0.0.1:{port}/", data=f), 10)
                assert session.connector is not None
                await asyncio.sleep(0)
    finally:
        server.close()
        await server.wait_closed()
    assert len(os.listdir("/proc/self/fd")) <= fds_before
