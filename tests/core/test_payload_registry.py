"""The payload registry: aiohttp's ``payload_type``, ``get_payload`` and payload classes.

A type registered once is accepted as ``data=``, as a form field and as a
multipart part; the checks post to an aiohttp.web server on loopback that
reports what it parsed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from multidict import MultiDict
from yarl import URL

import lamella
from lamella_core import (
    PAYLOAD_REGISTRY,
    BufferedReaderPayload,
    BytesIOPayload,
    BytesPayload,
    ClientSession,
    FormData,
    IOBasePayload,
    JsonPayload,
    MultipartWriter,
    Payload,
    StringIOPayload,
    StringPayload,
    TextIOPayload,
    get_payload,
    payload_type,
)
from lamella_core._content.payload_registry import Order, PayloadLookupError, PayloadRegistry
from web_peers import serve


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Vector:
    """A type registered with an aiohttp-style payload that streams through write()."""

    def __init__(self, *values: int) -> None:
        self.values = values


@payload_type(Point)
class PointPayload(JsonPayload):
    def __init__(self, value: Point, *args: Any, **kwargs: Any) -> None:
        super().__init__(dataclasses.asdict(value), *args, **kwargs)


@payload_type(Vector)
class VectorPayload(Payload):
    """As aiohttp documents a payload: ``write(writer)``, no size, written piece by piece."""

    def __init__(self, value: Vector, *args: Any, **kwargs: Any) -> None:
        super().__init__(value, *args, content_type="text/csv", **kwargs)

    async def write(self, writer: Any) -> None:
        for number in self._value.values:
            await writer.write(f"{number}\n".encode())


async def _report(request: web.Request) -> web.Response:
    if request.content_type.startswith("multipart/"):
        fields = []
        reader = await request.multipart()
        async for part in reader:
            fields.append(
                {
                    "name": part.name,
                    "filename": part.filename,
                    "type": part.headers.get("Content-Type"),
                    "body": (await part.read()).decode("latin-1"),
                }
            )
        return web.json_response({"type": request.content_type, "fields": fields})
    return web.json_response(
        {
            "type": request.headers.get("Content-Type"),
            "length": request.headers.get("Content-Length"),
            "chunked": request.headers.get("Transfer-Encoding"),
            "body": (await request.read()).decode("latin-1"),
        }
    )


@pytest.fixture
async def reporter() -> AsyncIterator[URL]:
    app = web.Application()
    app.router.add_post("/", _report)
    async with serve(app) as url:
        yield url


async def _post(url: URL, data: object) -> dict[str, Any]:
    async with ClientSession() as session, session.post(url, data=data) as resp:
        assert resp.status == 200
        result: dict[str, Any] = await resp.json()
        return result


# --- the registry --------------------------------------------------------------------


def test_registered_types_get_their_payload() -> None:
    payload = get_payload(Point(1, 2))
    assert isinstance(payload, PointPayload)
    assert json.loads(payload.decode()) == {"x": 1, "y": 2}
    assert payload.content_type == "application/json"


def test_aiohttp_payload_classes_are_chosen_by_type(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hi")
    assert type(get_payload(b"x")) is BytesPayload
    assert type(get_payload("x")) is StringPayload
    assert type(get_payload(io.StringIO("x"))) is StringIOPayload
    assert type(get_payload(io.BytesIO(b"x"))) is BytesIOPayload
    with path.open("rb") as binary, path.open() as text:
        assert type(get_payload(binary)) is BufferedReaderPayload
        assert type(get_payload(text)) is TextIOPayload
        assert isinstance(get_payload(text), IOBasePayload)
        assert get_payload(binary).filename == "notes.txt"
        assert get_payload(binary).content_type == "text/plain"


def test_a_payload_is_its_own_payload_and_unknown_types_are_a_lookup_error() -> None:
    payload = BytesPayload(b"x")
    assert get_payload(payload) is payload
    with pytest.raises(LookupError):
        get_payload(object())
    assert issubclass(PayloadLookupError, LookupError)


def test_order_puts_factories_before_or_after_the_others() -> None:
    registry = PayloadRegistry()
    registry.register(StringPayload, str)
    registry.register(BytesPayload, object, order=Order.try_last)
    assert type(registry.get("x")) is StringPayload
    assert type(registry.get(b"x")) is BytesPayload  # only the catch-all takes bytes

    def shout(value: str, *args: Any, **kwargs: Any) -> Payload:
        return StringPayload(value.upper(), *args, **kwargs)

    registry.register(shout, str, order=Order.try_first)
    assert registry.get("x").data == b"X"
    with pytest.raises(ValueError, match="order"):
        registry.register(StringPayload, str, order="sometimes")  # type: ignore[arg-type]


def test_constructors_take_aiohttps_keywords() -> None:
    payload = BytesPayload(b"<p/>", headers={"X-Part": "1"}, filename="page.html")
    assert payload.content_type == "application/octet-stream"  # as aiohttp: not guessed
    assert Payload(None, filename="page.html").content_type == "text/html"
    assert payload.headers["X-Part"] == "1"
    assert payload.filename == "page.html"
    text = StringPayload("é", encoding="latin-1")
    assert text.encoding == "latin-1"
    assert text.data == b"\xe9"
    assert BytesPayload(b"x", headers={"Content-Type": "image/png"}).content_type == "image/png"
    with pytest.raises(TypeError, match="byte-ish"):
        BytesPayload("text")  # type: ignore[arg-type]


async def test_a_write_only_payload_streams_in_the_pieces_it_writes() -> None:
    payload = get_payload(Vector(1, 22, 333))
    assert payload.size is None
    assert [piece async for piece in payload.chunks()] == [b"1\n", b"22\n", b"333\n"]
    assert await payload.as_bytes() == b"1\n22\n333\n"
    with pytest.raises(TypeError, match="as_bytes"):
        payload.decode()


async def test_a_failing_write_fails_the_stream() -> None:
    class Broken(Payload):
        async def write(self, writer: Any) -> None:
            await writer.write(b"start")
            raise OSError("disk gone")

    stream = Broken(None).chunks()
    assert await anext(stream) == b"start"
    with pytest.raises(OSError, match="disk gone"):
        await anext(stream)


async def test_a_payload_with_neither_chunks_nor_write_says_so() -> None:
    with pytest.raises(NotImplementedError, match="Payload"):
        await anext(Payload(None).chunks())


# --- registered types everywhere a body goes ---------------------------------------------


async def test_a_registered_type_is_a_request_body(reporter: URL) -> None:
    got = await _post(reporter, Point(3, 4))
    assert json.loads(got["body"]) == {"x": 3, "y": 4}
    assert got["type"] == "application/json"
    streamed = await _post(reporter, Vector(5, 6))
    assert streamed["body"] == "5\n6\n"
    assert streamed["type"] == "text/csv"
    assert streamed["chunked"] == "chunked"


async def test_a_registered_type_is_a_form_field_and_a_part(reporter: URL) -> None:
    form = FormData()
    form.add_field("point", Point(1, 2))
    form.add_field("vector", Vector(7), filename="v.csv")
    got = await _post(reporter, form)
    assert [(f["name"], f["type"]) for f in got["fields"]] == [
        ("point", "application/json"),
        ("vector", "text/csv"),
    ]
    assert json.loads(got["fields"][0]["body"]) == {"x": 1, "y": 2}
    assert got["fields"][1]["body"] == "7\n"
    writer = MultipartWriter("form-data")
    writer.append(Point(9, 9)).set_content_disposition("form-data", name="p")
    got = await _post(reporter, writer)
    assert json.loads(got["fields"][0]["body"]) == {"x": 9, "y": 9}


async def test_json_serialize_bytes_serialises_json_bodies(reporter: URL) -> None:
    calls: list[object] = []

    def dumps(value: object) -> bytes:
        calls.append(value)
        return json.dumps(value, separators=(",", ":")).encode()

    async with (
        ClientSession(json_serialize_bytes=dumps) as session,
        session.post(reporter, json={"a": 1}) as resp,
    ):
        got = await resp.json()
    assert calls == [{"a": 1}]
    assert got["body"] == '{"a":1}'
    assert got["type"] == "application/json"


def test_lamella_exports_the_registry() -> None:
    assert lamella.PAYLOAD_REGISTRY is PAYLOAD_REGISTRY
    assert lamella.get_payload is get_payload
    assert lamella.payload_type is payload_type
    for name in ("TextIOPayload", "StringIOPayload", "BytesIOPayload", "BufferedReaderPayload"):
        assert getattr(lamella, name) is getattr(__import__("lamella_core"), name)


# --- forms from lists, tuples and files ---------------------------------------------------


async def test_a_list_of_one_file_is_a_multipart_form(reporter: URL, tmp_path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with path.open("rb") as f:
        got = await _post(reporter, [f])
    assert got["type"] == "multipart/form-data"
    assert got["fields"] == [
        {"name": "report.csv", "filename": "report.csv", "type": "text/csv", "body": "a,b\n1,2\n"}
    ]


async def test_a_tuple_of_fields_is_a_form(reporter: URL) -> None:
    got = await _post(reporter, (("a", "1"), ("b", "two words")))
    assert got["type"] == "application/x-www-form-urlencoded"
    assert got["body"] == "a=1&b=two+words"


async def test_a_list_mixing_pairs_multidicts_and_files_is_one_form(reporter: URL) -> None:
    got = await _post(
        reporter,
        [("first", "1"), MultiDict([("second", "2"), ("third", "3")]), io.BytesIO(b"raw")],
    )
    assert got["type"] == "multipart/form-data"
    assert [(f["name"], f["body"]) for f in got["fields"]] == [
        ("first", "1"),
        ("second", "2"),
        ("third", "3"),
        ("unknown", "raw"),
    ]


async def test_something_that_is_no_form_is_a_type_error() -> None:
    async with ClientSession() as session:
        with pytest.raises(TypeError, match="pairs allowed"):
            await session.post("http://127.0.0.1:9/", data=[42])


# --- files are read off the event loop ----------------------------------------------------


async def test_a_file_object_without_fileno_is_read_in_a_thread(reporter: URL, tmp_path) -> None:
    # A member of a zip archive reads (and decompresses) from disk but has no
    # fileno(); blockbuster fails the test if any of it runs on the loop.
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("inner.txt", "zipped " * 50_000)
    with zipfile.ZipFile(archive) as zf:
        member = await asyncio.to_thread(zf.open, "inner.txt")
        got = await _post(reporter, member)
    assert got["body"] == "zipped " * 50_000
    assert got["chunked"] == "chunked"  # no fstat size: it streams
