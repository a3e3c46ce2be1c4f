"""FormData: urlencoded or multipart, and what aiohttp.web's ``request.post()`` reads."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from multidict import MultiDict
from yarl import URL

from lamella_core import ClientSession
from lamella_core._content.bodies import request_body
from lamella_core._content.file_payloads import IOPayload
from lamella_core._content.formdata import FormData
from lamella_core._content.multipart import MultipartWriter
from lamella_core._content.payloads import CHUNK_SIZE

# --- a server that parses forms -----------------------------------------------------


async def _form(request: web.Request) -> web.Response:
    post = await request.post()
    fields: list[list[object]] = []
    for name, value in post.items():
        if isinstance(value, web.FileField):
            content = value.file.read()
            fields.append(
                [
                    name,
                    {
                        "filename": value.filename,
                        "content_type": value.content_type,
                        "size": len(content),
                        "sha256": hashlib.sha256(content).hexdigest(),
                    },
                ]
            )
        else:
            fields.append([name, value])
    return web.json_response(
        {
            "fields": fields,
            "content_type": request.headers.get("Content-Type"),
            "content_length": request.headers.get("Content-Length"),
            "transfer_encoding": request.headers.get("Transfer-Encoding"),
        }
    )


@pytest.fixture
async def form_server() -> AsyncIterator[URL]:
    """An aiohttp.web server whose ``/form`` reports ``request.post()``."""
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/form", _form)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield URL(f"http://127.0.0.1:{runner.addresses[0][1]}/form")
    finally:
        await runner.cleanup()


async def _post(url: URL, data: object) -> dict[str, object]:
    async with ClientSession() as session, session.post(url, data=data) as resp:
        assert resp.status == 200, await resp.text()
        result: dict[str, object] = await resp.json()
        return result


def _file_info(content: bytes, filename: str, content_type: str) -> dict[str, object]:
    return {
        "filename": filename,
        "content_type": content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


# --- urlencoded ----------------------------------------------------------------------


def test_plain_fields_are_urlencoded() -> None:
    form = FormData({"a": "1", "b": "x y"})
    assert not form.is_multipart
    payload = form()
    assert payload.data == b"a=1&b=x+y"
    assert payload.content_type == "application/x-www-form-urlencoded"
    assert form.payload().data == b"a=1&b=x+y"  # an urlencoded form can be built again


def test_fields_keep_order_and_repeats() -> None:
    form = FormData([("a", "1"), ("a", "2")])
    form.add_field("b", "3")
    form.add_fields(MultiDict([("c", "4")]), ("d", "5"))
    assert form().data == b"a=1&a=2&b=3&c=4&d=5"


def test_charset_is_used_and_named() -> None:
    payload = FormData({"k": "é"}, charset="latin-1")()
    assert payload.data == b"k=%E9"
    assert payload.content_type == "application/x-www-form-urlencoded; charset=latin-1"


def test_repr_names_kind_and_fields() -> None:
    assert repr(FormData({"a": "1"})) == "<FormData urlencoded fields=['a']>"


# --- becoming multipart --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"filename": "a.txt"},
        {"content_type": "text/csv"},
        {"content_transfer_encoding": "binary"},
    ],
)
def test_filename_content_type_or_transfer_encoding_make_it_multipart(kwargs) -> None:
    form = FormData()
    form.add_field("f", "v", **kwargs)
    assert form.is_multipart
    payload = form()
    assert isinstance(payload, MultipartWriter)
    assert payload.content_type is not None
    assert payload.content_type.startswith("multipart/form-data; boundary=")


def test_file_objects_and_bytes_make_it_multipart_with_filenames(tmp_path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n")
    with path.open("rb") as f:
        form = FormData()
        form.add_field("doc", f)
        form.add_field("raw", b"\x00")
        assert form.is_multipart
        data = form().data
    assert data is None  # the file part streams
    form = FormData({"raw": b"\x00"})
    body = form().data or b""
    assert b'name="raw"; filename="raw"' in body
    assert b"Content-Type: application/octet-stream" in body


def test_default_to_multipart() -> None:
    form = FormData({"a": "1"}, default_to_multipart=True)
    assert form.is_multipart
    body = form().data or b""
    assert b'Content-Disposition: form-data; name="a"\r\n' in body
    assert b"Content-Length" not in body


def test_calling_again_returns_the_same_writer_with_new_fields() -> None:
    form = FormData(default_to_multipart=True)
    form.add_field("a", "1")
    first = form()
    form.add_field("b", "2")
    second = form()
    assert first is second
    assert len(second) == 2  # type: ignore[arg-type]


def test_file_objects_in_add_fields_are_named_after_the_file(tmp_path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG")
    with path.open("rb") as f:
        form = FormData(f)
        writer = form()
        assert isinstance(writer, MultipartWriter)
        (part,) = list(writer)
        assert isinstance(part, IOPayload)
        assert part.content_type == "image/png"
        assert part.headers["Content-Disposition"] == (
            'form-data; name="photo.png"; filename="photo.png"'
        )


def test_bad_arguments_raise() -> None:
    form = FormData()
    with pytest.raises(TypeError, match="filename"):
        form.add_field("a", "1", filename=b"x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="content_type"):
        form.add_field("a", "1", content_type=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="content_transfer_encoding"):
        form.add_field("a", "1", content_transfer_encoding=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CR, LF"):
        form.add_field("a", "1", content_type="text/plain\r\nX-Evil: 1")
    with pytest.raises(TypeError, match="pairs allowed"):
        FormData([("a", "1", "extra")])
    bad = FormData(default_to_multipart=True)
    bad.add_field("n", 42)
    with pytest.raises(TypeError, match="Can not serialize"):
        bad()


@pytest.mark.parametrize("bad", ["\r", "\n", "a\r\nX-Evil: 1", "a\x00b"])
@pytest.mark.parametrize("where", ["name", "filename"])
def test_cr_lf_and_nul_in_a_name_or_filename_are_refused(where: str, bad: str) -> None:
    # They would end the part's header block: aiohttp 3.14 raises ValueError too.
    form = FormData()
    kwargs = {"name": bad} if where == "name" else {"name": "a", "filename": bad}
    with pytest.raises(ValueError, match=f"{where} must not contain CR, LF or NUL"):
        form.add_field(value="1", **kwargs)
    assert form().data == b""  # nothing was added


def test_quote_fields_false_escapes_with_backslashes() -> None:
    form = FormData(quote_fields=False)
    form.add_field("a", "1", filename='x"y.txt')
    body = form().data or b""
    assert b'filename="x\\"y.txt"' in body


def test_text_fields_use_the_form_charset_in_parts() -> None:
    form = FormData(charset="latin-1", default_to_multipart=True)
    form.add_field("k", "é")
    body = form().data or b""
    assert b"Content-Type: text/plain; charset=latin-1\r\n" in body
    assert b'Content-Disposition: form-data; name="k"\r\n\r\n\xe9\r\n' in body


# --- against a real server -----------------------------------------------------------


async def test_text_file_is_encoded_in_the_charset_its_content_type_names(form_server) -> None:
    text = io.TextIOWrapper(io.BytesIO("日本".encode()), encoding="utf-8")
    form = FormData()
    form.add_field("doc", text, filename="doc.txt", content_type="text/plain; charset=shift-jis")
    got = await _post(form_server, form)
    shift_jis = "日本".encode("shift-jis")
    assert got["fields"] == [
        ["doc", _file_info(shift_jis, "doc.txt", "text/plain; charset=shift-jis")]
    ]


async def test_server_reads_an_urlencoded_form(form_server) -> None:
    got = await _post(form_server, FormData([("a", "1"), ("a", "2"), ("é", "x&y")]))
    assert got["fields"] == [["a", "1"], ["a", "2"], ["é", "x&y"]]
    assert got["content_type"] == "application/x-www-form-urlencoded"


async def test_server_reads_fields_and_files(form_server, tmp_path) -> None:
    path = tmp_path / "table.csv"
    csv = b"a,b\n1,2\n"
    path.write_bytes(csv)
    with path.open("rb") as f:
        form = FormData()
        form.add_field("title", "quarterly")
        form.add_field("table", f)
        form.add_field("blob", b"\x00\x01", filename="b.bin", content_type="application/x-b")
        form.add_field("memo", io.BytesIO(b"memo"), filename="memo.txt")
        got = await _post(form_server, form)
    assert got["fields"] == [
        ["title", "quarterly"],
        ["table", _file_info(csv, "table.csv", "text/csv")],
        ["blob", _file_info(b"\x00\x01", "b.bin", "application/x-b")],
        ["memo", _file_info(b"memo", "memo.txt", "text/plain")],
    ]
    assert got["content_length"] is not None  # every part had a known size
    assert got["transfer_encoding"] is None


async def test_dict_with_a_file_is_sent_as_multipart(form_server, tmp_path) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(b"{}")
    with path.open("rb") as f:
        got = await _post(form_server, {"kind": "json", "file": f})
    assert got["fields"] == [
        ["kind", "json"],
        ["file", _file_info(b"{}", "x.json", "application/json")],
    ]


async def test_server_receives_a_large_file_streamed(form_server, tmp_path) -> None:
    path = tmp_path / "archive.tar"
    content = os.urandom(1024 * 1024) * 6
    path.write_bytes(content)
    form = FormData()
    form.add_field("name", "archive")
    with path.open("rb") as f:
        form.add_field("file", f, filename="archive.tar", content_type="application/x-tar")
        writer = form()
        assert writer.data is None
        assert max([len(p) async for p in writer.chunks()]) <= CHUNK_SIZE
        got = await _post(form_server, writer)  # rewinds after the measuring pass
    assert got["fields"] == [
        ["name", "archive"],
        ["file", _file_info(content, "archive.tar", "application/x-tar")],
    ]
    assert got["content_length"] == str(writer.size)


async def test_form_with_a_stream_of_unknown_size_is_chunked(form_server) -> None:
    async def gen() -> AsyncIterator[bytes]:
        yield b"part one,"
        yield b"part two"

    form = FormData()
    form.add_field("upload", gen(), filename="s.txt", content_type="text/plain")
    got = await _post(form_server, form)
    assert got["fields"] == [["upload", _file_info(b"part one,part two", "s.txt", "text/plain")]]
    assert got["transfer_encoding"] == "chunked"


async def test_server_sees_non_ascii_names_and_filenames(form_server) -> None:
    form = FormData()
    form.add_field("naïve", "ü", filename="résumé.txt")
    form.add_field("plain", "value ñ")
    got = await _post(form_server, form)
    assert got["fields"] == [
        ["naïve", _file_info("ü".encode(), "résumé.txt", "text/plain; charset=utf-8")],
        ["plain", "value ñ"],
    ]


def test_payload_for_builds_the_same_as_calling_the_form() -> None:
    form = FormData({"a": "1"})
    assert request_body(form).data == form().data
