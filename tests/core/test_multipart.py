"""MultipartWriter: framing, part headers, sizes, encodings, and what a server parses."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import zlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from yarl import URL

from lamella_core import ClientSession
from lamella_core._content.disposition import content_disposition_header
from lamella_core._content.multipart import MultipartWriter
from lamella_core._content.payload_registry import payload_for
from lamella_core._content.payloads import CHUNK_SIZE, BytesPayload, Payload, StringPayload


async def _collect(payload: Payload) -> bytes:
    return b"".join([piece async for piece in payload.chunks()])


# --- a server that parses multipart bodies -------------------------------------------


async def _parts(request: web.Request) -> web.Response:
    """Each part as aiohttp.web's reader sees it, decoded."""
    reader = await request.multipart()
    parts = []
    async for part in reader:
        assert not isinstance(part, type(reader))
        body = await part.read(decode=True)  # type: ignore[union-attr]
        parts.append(
            {
                "headers": dict(part.headers),
                "name": part.name,
                "filename": part.filename,
                "sha256": hashlib.sha256(body).hexdigest(),
                "text": body.decode("latin-1") if len(body) < 1000 else None,
            }
        )
    return web.json_response(
        {
            "content_type": request.headers["Content-Type"],
            "content_length": request.headers.get("Content-Length"),
            "transfer_encoding": request.headers.get("Transfer-Encoding"),
            "parts": parts,
        }
    )


@pytest.fixture
async def parser() -> AsyncIterator[URL]:
    """An aiohttp.web server whose ``/parts`` lists the parts it received."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/parts", _parts)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield URL(f"http://127.0.0.1:{runner.addresses[0][1]}/parts")
    finally:
        await runner.cleanup()


async def _post(url: URL, data: object) -> dict[str, object]:
    async with ClientSession() as session, session.post(url, data=data) as resp:
        assert resp.status == 200, await resp.text()
        result: dict[str, object] = await resp.json()
        return result


# --- Content-Disposition -------------------------------------------------------------


def test_disposition_quotes_values() -> None:
    assert content_disposition_header("form-data", name="a") == 'form-data; name="a"'
    assert (
        content_disposition_header("form-data", name="f", filename="x.txt")
        == 'form-data; name="f"; filename="x.txt"'
    )


def test_disposition_percent_encodes_quote_cr_lf_as_html_forms_do() -> None:
    header = content_disposition_header("form-data", name='a"b\r\nc', filename="x\x00.txt")
    assert header == 'form-data; name="a%22b%0D%0Ac"; filename="x%00.txt"'


def test_disposition_keeps_non_ascii_and_escapes_backslash() -> None:
    header = content_disposition_header("attachment", filename="résumé\\1.pdf")
    assert header == 'attachment; filename="résumé\\\\1.pdf"'


def test_disposition_without_quoting_backslash_escapes_and_refuses_newlines() -> None:
    header = content_disposition_header("form-data", quote_fields=False, name='a"b\\')
    assert header == 'form-data; name="a\\"b\\\\"'
    with pytest.raises(ValueError, match="CR, LF"):
        content_disposition_header("form-data", quote_fields=False, name="a\r\nX-Evil: 1")


@pytest.mark.parametrize(("disptype", "key"), [("form data", "name"), ("form-data", "na me")])
def test_disposition_refuses_non_tokens(disptype: str, key: str) -> None:
    with pytest.raises(ValueError, match="bad content disposition"):
        content_disposition_header(disptype, **{key: "v"})


# --- framing and size ----------------------------------------------------------------


def test_exact_framing_of_in_memory_parts() -> None:
    writer = MultipartWriter("mixed", boundary="BOUNDARY")
    writer.append("text")
    writer.append(b"\x00\x01", {"X-Custom": "1"})
    expected = (
        b"--BOUNDARY\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: 4\r\n\r\n"
        b"text\r\n"
        b"--BOUNDARY\r\n"
        b"Content-Type: application/octet-stream\r\n"
        b"X-Custom: 1\r\n"
        b"Content-Length: 2\r\n\r\n"
        b"\x00\x01\r\n"
        b"--BOUNDARY--\r\n"
    )
    assert writer.content_type == "multipart/mixed; boundary=BOUNDARY"
    assert writer.data == expected
    assert writer.size == len(expected)
    assert writer.reusable
    assert len(writer) == 2
    assert [type(p) for p in writer] == [StringPayload, BytesPayload]


async def test_chunks_match_data_and_size() -> None:
    writer = MultipartWriter()
    writer.append_json({"a": 1})
    writer.append_form([("k", "v w")])
    body = await _collect(writer)
    assert body == writer.data
    assert len(body) == writer.size
    assert b"Content-Type: application/json\r\n" in body
    assert b"k=v+w" in body


def test_empty_writer_is_the_closing_boundary() -> None:
    writer = MultipartWriter(boundary="b")
    assert writer.data == b"--b--\r\n"
    assert writer.size == 7
    assert bool(writer)


def test_default_boundary_is_random_hex() -> None:
    a, b = MultipartWriter(), MultipartWriter()
    assert a.boundary != b.boundary
    assert len(a.boundary) == 32
    int(a.boundary, 16)


def test_boundaries_that_are_not_tokens_are_quoted() -> None:
    assert MultipartWriter(boundary="a b").content_type == 'multipart/mixed; boundary="a b"'
    with pytest.raises(ValueError, match="ASCII"):
        MultipartWriter(boundary="é")
    with pytest.raises(ValueError, match="invalid"):
        MultipartWriter(boundary="a\nb")


def test_content_disposition_set_after_append_counts() -> None:
    writer = MultipartWriter(boundary="b")
    part = writer.append(b"x")
    part.set_content_disposition("attachment", filename="x.bin")
    assert b'Content-Disposition: attachment; filename="x.bin"\r\n' in (writer.data or b"")


def test_part_headers_with_newlines_are_refused() -> None:
    writer = MultipartWriter()
    writer.append(b"x", {"X-Bad": "a\r\nInjected: 1"})
    with pytest.raises(ValueError, match="invalid part header"):
        _ = writer.data


def test_form_data_parts_get_a_default_name_and_no_length() -> None:
    writer = MultipartWriter("form-data", boundary="b")
    writer.append("v")
    data = writer.data or b""
    assert b'Content-Disposition: form-data; name="section-0"\r\n' in data
    assert b"Content-Length" not in data
    with pytest.raises(ValueError, match="form-data parts"):
        writer.append("x", {"Content-Encoding": "gzip"})


def test_unknown_part_encodings_are_refused() -> None:
    writer = MultipartWriter()
    with pytest.raises(ValueError, match="content encoding"):
        writer.append("x", {"Content-Encoding": "br"})
    with pytest.raises(ValueError, match="transfer encoding"):
        writer.append("x", {"Content-Transfer-Encoding": "uuencode"})


async def test_file_parts_are_streamed_and_sized(tmp_path) -> None:
    path = tmp_path / "big.bin"
    content = os.urandom(3 * CHUNK_SIZE + 17)
    path.write_bytes(content)
    writer = MultipartWriter(boundary="b")
    writer.append("small")
    with path.open("rb") as f:
        writer.append(f)
        assert writer.data is None
        assert writer.reusable
        pieces = [piece async for piece in writer.chunks()]
        assert max(len(p) for p in pieces) <= CHUNK_SIZE
        body = b"".join(pieces)
        assert len(body) == writer.size
        assert content in body
        assert b'filename="big.bin"' in body
        assert await _collect(writer) == body  # rewinds: replayable


async def test_parts_of_unknown_size_make_the_writer_chunked() -> None:
    async def gen() -> AsyncIterator[bytes]:
        yield b"streamed"

    writer = MultipartWriter(boundary="b")
    writer.append(gen())
    assert writer.size is None
    assert not writer.reusable
    assert b"streamed\r\n--b--\r\n" in await _collect(writer)


async def test_encoded_parts_are_compressed_and_base64_encoded() -> None:
    writer = MultipartWriter(boundary="b")
    raw = b"lamella " * 100
    writer.append(raw, {"Content-Encoding": "deflate"})
    writer.append(raw, {"Content-Transfer-Encoding": "base64"})
    assert writer.size is None
    assert writer.data is None
    body = await _collect(writer)
    first, second = body.split(b"--b\r\n")[1:3]
    assert zlib.decompress(first.split(b"\r\n\r\n", 1)[1][:-2], -zlib.MAX_WBITS) == raw
    assert base64.b64decode(second.split(b"\r\n\r\n", 1)[1][:-2]) == raw
    assert b"Content-Length" not in body


async def test_close_closes_file_parts(tmp_path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x")
    f = path.open("rb")
    writer = MultipartWriter()
    writer.append(f)
    await writer.close()
    assert f.closed


def test_nested_writers_are_parts() -> None:
    inner = MultipartWriter("alternative", boundary="inner")
    inner.append("plain")
    outer = MultipartWriter("mixed", boundary="outer")
    outer.append(inner)
    data = outer.data or b""
    assert b"Content-Type: multipart/alternative; boundary=inner\r\n" in data
    assert data.endswith(b"--inner--\r\n\r\n--outer--\r\n")
    assert outer.size == len(data)


def test_writer_passes_through_payload_for_and_has_a_repr() -> None:
    writer = MultipartWriter(boundary="b")
    assert payload_for(writer) is writer
    assert repr(writer) == "<MultipartWriter multipart/mixed; boundary=b parts=0>"
    with writer as w:
        assert w is writer


# --- against a real server -----------------------------------------------------------


async def test_server_parses_mixed_parts(parser) -> None:
    writer = MultipartWriter("mixed")
    writer.append("hello")
    writer.append_json({"ok": True})
    writer.append_form({"a": "1"})
    part = writer.append(b"\x00binary")
    part.set_content_disposition("attachment", filename="data.bin")
    got = await _post(parser, writer)
    assert got["content_type"] == writer.content_type
    assert got["content_length"] == str(writer.size)
    parts = got["parts"]
    assert isinstance(parts, list)
    assert [p["text"] for p in parts] == ["hello", '{"ok": true}', "a=1", "\x00binary"]
    assert parts[3]["filename"] == "data.bin"
    assert parts[1]["headers"]["Content-Type"] == "application/json"


async def test_server_decodes_encoded_parts(parser) -> None:
    writer = MultipartWriter("mixed")
    raw = "lamella " * 200
    writer.append(raw, {"Content-Encoding": "deflate"})
    writer.append(raw, {"Content-Encoding": "gzip"})
    writer.append(raw, {"Content-Transfer-Encoding": "base64"})
    got = await _post(parser, writer)
    assert got["transfer_encoding"] == "chunked"
    digest = hashlib.sha256(raw.encode()).hexdigest()
    parts = got["parts"]
    assert isinstance(parts, list)
    assert [p["sha256"] for p in parts] == [digest] * 3


async def test_server_receives_a_streamed_multi_megabyte_file(parser, tmp_path) -> None:
    path = tmp_path / "video.mp4"
    content = os.urandom(1024 * 1024) * 4
    path.write_bytes(content)
    writer = MultipartWriter("form-data")
    writer.append("caption").set_content_disposition("form-data", name="caption")
    with path.open("rb") as f:
        writer.append(f).set_content_disposition("form-data", name="video", filename="v.mp4")
        got = await _post(parser, writer)
    assert got["content_length"] == str(writer.size)
    parts = got["parts"]
    assert isinstance(parts, list)
    assert parts[1]["sha256"] == hashlib.sha256(content).hexdigest()
    assert parts[1]["headers"]["Content-Type"] == "video/mp4"
    assert (parts[1]["name"], parts[1]["filename"]) == ("video", "v.mp4")


async def test_server_sees_non_ascii_and_quoted_names(parser) -> None:
    writer = MultipartWriter("form-data")
    writer.append("1").set_content_disposition("form-data", name="naïve", filename="résumé.txt")
    writer.append("2").set_content_disposition("form-data", name='say "hi"')
    got = await _post(parser, writer)
    parts = got["parts"]
    assert isinstance(parts, list)
    assert (parts[0]["name"], parts[0]["filename"]) == ("naïve", "résumé.txt")
    assert parts[1]["name"] == "say %22hi%22"


async def test_text_io_parts_are_sent_chunked(parser) -> None:
    writer = MultipartWriter("mixed")
    writer.append(io.TextIOWrapper(io.BytesIO("ünïcode".encode()), encoding="utf-8"))
    got = await _post(parser, writer)
    parts = got["parts"]
    assert isinstance(parts, list)
    assert parts[0]["text"] == "ünïcode".encode().decode("latin-1")
    assert json.loads(json.dumps(got))["transfer_encoding"] == "chunked"
