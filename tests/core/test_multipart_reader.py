"""Reading multipart responses: ``MultipartReader`` and ``BodyPartReader``.

Bodies come from aiohttp.web (written by aiohttp's own ``MultipartWriter``)
and from a raw asyncio server sending exact bytes: preambles, epilogues,
nesting, codings, and bodies crafted to cross the ``ClientLimits`` bounds.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

import lamella
from lamella_core import (
    BodyPartReader,
    ClientLimits,
    ClientPayloadError,
    ClientSession,
    MultipartLimitExceeded,
    MultipartReader,
)
from lamella_core._content.multipart_reader import MultipartResponseWrapper
from web_peers import serve

StartRaw = Callable[..., Awaitable[object]]


def _response(body: bytes, boundary: str = "XyZ", subtype: str = "mixed") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: multipart/{subtype}; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _part(headers: str, body: bytes, boundary: str = "XyZ") -> bytes:
    head = f"--{boundary}\r\n{headers}\r\n\r\n" if headers else f"--{boundary}\r\n\r\n"
    return head.encode() + body + b"\r\n"


async def _read_every_part(reader: MultipartReader | MultipartResponseWrapper) -> None:
    async for part in reader:
        await part.release()


async def _serve(raw_server: StartRaw, reply: bytes) -> URL:
    server = await raw_server([reply])
    url: URL = server.url  # type: ignore[attr-defined]
    return url


# --- an aiohttp.web server writing with aiohttp's MultipartWriter -------------------------


async def _mixed(request: web.Request) -> web.StreamResponse:
    with aiohttp.MultipartWriter("mixed") as writer:
        writer.append("plain text")
        writer.append_json({"n": 1})
        writer.append_form([("a", "1"), ("b", "x y")])
        file_part = writer.append(b"\x00\x01" * 40_000, {"Content-Type": "image/png"})
        file_part.set_content_disposition("attachment", filename="pixels.png")
        with aiohttp.MultipartWriter("related") as inner:
            inner.append("nested one")
            inner.append("nested two")
        writer.append(inner)
        writer.append("after the nested part")
    response = web.StreamResponse(headers={"Content-Type": writer.content_type})
    await response.prepare(request)
    await writer.write(response)
    await response.write_eof()
    return response


@pytest.fixture
async def web_server() -> AsyncIterator[URL]:
    app = web.Application()
    app.router.add_get("/mixed", _mixed)
    async with serve(app) as url:
        yield url


async def test_reads_every_kind_of_part_aiohttp_writes(web_server: URL) -> None:
    async with ClientSession() as session, session.get(web_server / "mixed") as resp:
        reader = MultipartReader.from_response(resp)
        text = await reader.next()
        assert isinstance(text, BodyPartReader)
        assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert await text.text() == "plain text"
        document = await reader.next()
        assert isinstance(document, BodyPartReader)
        assert await document.json() == {"n": 1}
        form = await reader.next()
        assert isinstance(form, BodyPartReader)
        assert await form.form() == [("a", "1"), ("b", "x y")]
        pixels = await reader.next()
        assert isinstance(pixels, BodyPartReader)
        assert pixels.filename == "pixels.png"
        assert await pixels.read() == b"\x00\x01" * 40_000
        nested = await reader.next()
        assert isinstance(nested, MultipartReader)
        assert [await part.text() async for part in nested] == ["nested one", "nested two"]
        last = await reader.next()
        assert isinstance(last, BodyPartReader)
        assert await last.text() == "after the nested part"
        assert await reader.next() is None
        assert reader.at_eof()
        assert resp.closed  # released after the closing boundary


async def test_unread_parts_and_nested_bodies_are_skipped(web_server: URL) -> None:
    async with ClientSession() as session, session.get(web_server / "mixed") as resp:
        reader = MultipartReader.from_response(resp)
        kinds = []
        async for part in reader:
            kinds.append(type(part).__name__)  # nothing read: next() skips it
        assert kinds == ["BodyPartReader"] * 4 + ["MultipartReader", "BodyPartReader"]


async def test_a_part_streams_in_chunks_without_being_held(web_server: URL) -> None:
    async with ClientSession() as session, session.get(web_server / "mixed") as resp:
        reader = MultipartReader.from_response(resp)
        for _ in range(3):
            await reader.next()
        pixels = await reader.next()
        assert isinstance(pixels, BodyPartReader)
        sizes = []
        received = bytearray()
        while chunk := await pixels.read_chunk(1000):
            sizes.append(len(chunk))
            received += chunk
        assert max(sizes) <= 1000
        assert len(sizes) >= 80
        assert bytes(received) == b"\x00\x01" * 40_000
        assert pixels.at_eof()
        assert await pixels.read_chunk() == b""


# --- exact bytes from a raw server ---------------------------------------------------------


async def test_preamble_epilogue_padding_and_folded_headers(raw_server: StartRaw) -> None:
    body = (
        b"This is the preamble.\r\nIt is ignored.\r\n"
        + _part('Content-Disposition: form-data;\r\n name="first"', b"one")
        + b"--XyZ   \r\n"  # transport padding after the boundary
        + b"X-Empty:\r\n\r\ntwo\r\n"
        + b"--XyZ--\r\nThis is the epilogue.\r\n"
    )
    url = await _serve(raw_server, _response(body))
    async with ClientSession() as session, session.get(url) as resp:
        reader = MultipartReader.from_response(resp)
        first = await reader.next()
        assert isinstance(first, BodyPartReader)
        assert first.name == "first"
        assert first.headers["Content-Disposition"] == 'form-data; name="first"'
        assert await first.read() == b"one"
        second = await reader.next()
        assert isinstance(second, BodyPartReader)
        assert second.headers["X-Empty"] == ""
        assert await second.readline() == b"two"
        assert await reader.next() is None


async def test_readline_stops_at_line_breaks_inside_a_part(raw_server: StartRaw) -> None:
    url = await _serve(raw_server, _response(_part("", b"a\r\nb\nc") + b"--XyZ--\r\n"))
    async with ClientSession() as session, session.get(url) as resp:
        part = await MultipartReader.from_response(resp).next()
        assert isinstance(part, BodyPartReader)
        assert [await part.readline() for _ in range(4)] == [b"a\r\n", b"b\n", b"c", b""]
        assert part.at_eof()


async def test_encoded_parts_are_decoded(raw_server: StartRaw) -> None:
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    deflated = raw_deflate.compress(b"squeezed " * 100) + raw_deflate.flush()
    body = (
        _part("Content-Transfer-Encoding: base64", base64.b64encode("héllo".encode()))
        + _part("Content-Encoding: deflate", deflated)
        + _part("Content-Encoding: gzip", gzip.compress(b"gz"))
        + _part("Content-Transfer-Encoding: quoted-printable", b"caf=C3=A9")
        + b"--XyZ--\r\n"
    )
    url = await _serve(raw_server, _response(body))
    async with ClientSession() as session, session.get(url) as resp:
        reader = MultipartReader.from_response(resp)
        texts = []
        async for part in reader:
            assert isinstance(part, BodyPartReader)
            texts.append(await part.read(decode=True))
    assert texts == ["héllo".encode(), b"squeezed " * 100, b"gz", "café".encode()]


async def test_the_charset_field_of_a_form_applies_to_its_fields(raw_server: StartRaw) -> None:
    body = (
        _part('Content-Disposition: form-data; name="_charset_"', b"latin-1")
        + _part('Content-Disposition: form-data; name="city"', "Zürich".encode("latin-1"))
        + b"--XyZ--\r\n"
    )
    url = await _serve(raw_server, _response(body, subtype="form-data"))
    async with ClientSession() as session, session.get(url) as resp:
        reader = MultipartReader.from_response(resp)
        city = await reader.next()
        assert isinstance(city, BodyPartReader)
        assert city.name == "city"
        assert await city.text() == "Zürich"


async def test_a_quoted_boundary_and_a_filename_star(raw_server: StartRaw) -> None:
    body = (
        _part(
            "Content-Disposition: attachment; filename*=utf-8''%E2%82%AC.txt",
            b"euro",
            boundary="a b",
        )
        + b"--a b--\r\n"
    )
    reply = _response(body, boundary='"a b"')
    url = await _serve(raw_server, reply)
    async with ClientSession() as session, session.get(url) as resp:
        part = await MultipartReader.from_response(resp).next()
        assert isinstance(part, BodyPartReader)
        assert part.filename == "€.txt"
        assert await part.read() == b"euro"


async def test_a_part_is_relayed_as_a_request_body(raw_server: StartRaw, http_server) -> None:
    url = await _serve(
        raw_server, _response(_part("Content-Type: text/plain", b"relay me") + b"--XyZ--\r\n")
    )
    async with ClientSession() as session, session.get(url) as resp:
        part = await MultipartReader.from_response(resp).next()
        async with session.post(http_server / "echo", data=part) as echoed:
            got = await echoed.json()
    assert got["body"] == "relay me"


# --- malformed bodies and limits -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        (b"no boundary at all\r\n", ValueError, "starting boundary"),
        (b"--XyZ\r\nNo colon here\r\n\r\nx\r\n--XyZ--\r\n", ValueError, "part header"),
        (b"--XyZ\r\n\r\ncut short", ClientPayloadError, "ended inside a part"),
        (b"--XyZ\r\nX-A: 1\r\n", ClientPayloadError, "inside part headers"),
        (b"--XyZjunk\r\n\r\nx\r\n--XyZ--\r\n", ValueError, "Invalid boundary"),
    ],
)
async def test_malformed_bodies_raise(
    raw_server: StartRaw, body: bytes, error: type[Exception], match: str
) -> None:
    url = await _serve(raw_server, _response(body))
    async with ClientSession() as session, session.get(url) as resp:
        reader = MultipartReader.from_response(resp)
        with pytest.raises(error, match=match):
            await _read_every_part(reader)


@pytest.mark.parametrize(
    ("limits", "body", "limit"),
    [
        (
            ClientLimits(max_multipart_parts=3),
            b"".join(_part("", b"p") for _ in range(4)) + b"--XyZ--\r\n",
            "max_multipart_parts",
        ),
        (
            ClientLimits(max_field_size=100),
            _part("X-Long: " + "a" * 200, b"x") + b"--XyZ--\r\n",
            "max_field_size",
        ),
        (
            ClientLimits(max_headers=5),
            _part("".join(f"X-{i}: v\r\n" for i in range(6)).rstrip(), b"x") + b"--XyZ--\r\n",
            "max_headers",
        ),
        (
            ClientLimits(max_header_bytes=300),
            _part("".join(f"X-{i}: {'v' * 50}\r\n" for i in range(6)).rstrip(), b"x")
            + b"--XyZ--\r\n",
            "max_header_bytes",
        ),
    ],
)
async def test_limits_bound_parts_and_part_headers(
    raw_server: StartRaw, limits: ClientLimits, body: bytes, limit: str
) -> None:
    url = await _serve(raw_server, _response(body))
    async with ClientSession() as session, session.get(url) as resp:
        reader = MultipartReader.from_response(resp, limits=limits)
        with pytest.raises(MultipartLimitExceeded) as info:
            await _read_every_part(reader)
    assert info.value.limit == limit
    assert isinstance(info.value, ClientPayloadError)
    assert f"ClientLimits.{limit}=" in str(info.value)


async def test_nested_parts_count_against_the_same_limit(raw_server: StartRaw) -> None:
    inner = b"".join(_part("", b"i", boundary="in") for _ in range(3)) + b"--in--\r\n"
    body = _part("Content-Type: multipart/mixed; boundary=in", inner) + b"--XyZ--\r\n"
    url = await _serve(raw_server, _response(body))
    async with ClientSession() as session, session.get(url) as resp:
        reader = MultipartReader.from_response(resp, limits=ClientLimits(max_multipart_parts=3))
        nested = await reader.next()
        assert isinstance(nested, MultipartReader)
        with pytest.raises(MultipartLimitExceeded):
            await _read_every_part(nested)


async def test_aiohttp_keywords_override_the_limits(raw_server: StartRaw) -> None:
    url = await _serve(raw_server, _response(_part("X-Long: " + "a" * 200, b"x") + b"--XyZ--\r\n"))
    async with ClientSession() as session, session.get(url) as resp:
        reader = MultipartReader(resp.headers, resp.content, max_field_size=50)
        with pytest.raises(MultipartLimitExceeded, match="longer than 50 bytes"):
            await reader.next()


def test_the_content_type_must_be_multipart_with_a_boundary() -> None:
    stream = lamella.EMPTY_PAYLOAD
    with pytest.raises(ValueError, match="multipart"):
        MultipartReader({"Content-Type": "text/plain"}, stream)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="boundary missed"):
        MultipartReader({"Content-Type": "multipart/mixed"}, stream)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="too long"):
        MultipartReader(
            {"Content-Type": "multipart/mixed; boundary=" + "b" * 71},
            stream,  # type: ignore[arg-type]
        )


def test_lamella_exports_the_readers() -> None:
    assert lamella.MultipartReader is MultipartReader
    assert lamella.BodyPartReader is BodyPartReader
