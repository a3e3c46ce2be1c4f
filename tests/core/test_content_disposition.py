"""``ClientResponse.content_disposition`` and the RFC 6266 parser behind it.

End to end, an aiohttp.web server on loopback sends the header named in the
query; the parser's grammar cases run on strings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from yarl import URL

from lamella_core import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    ClientSession,
    ContentDisposition,
    content_disposition_filename,
    parse_content_disposition,
)


async def _download(request: web.Request) -> web.Response:
    headers = {}
    if "cd" in request.query:
        headers["Content-Disposition"] = request.query["cd"]
    return web.Response(body=b"data", headers=headers)


@pytest.fixture
async def server() -> AsyncIterator[URL]:
    app = web.Application()
    app.router.add_get("/download", _download)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield URL(f"http://127.0.0.1:{runner.addresses[0][1]}/download")
    finally:
        await runner.cleanup()


async def test_response_content_disposition(server: URL) -> None:
    header = "Attachment; filename=\"plain.csv\"; filename*=UTF-8''%E2%82%AC%20rates.csv"
    async with ClientSession() as session:
        async with session.get(server.with_query(cd=header)) as resp:
            got = resp.content_disposition
            assert isinstance(got, ContentDisposition)
            assert got.type == "attachment"
            assert got.filename == "€ rates.csv"
            assert got.parameters["filename"] == "plain.csv"
            with pytest.raises(TypeError):
                got.parameters["x"] = "y"  # type: ignore[index]
        async with session.get(server) as resp:
            assert resp.content_disposition is None


async def test_a_broken_header_warns_and_gives_no_type(server: URL) -> None:
    async with ClientSession() as session:
        async with session.get(server.with_query(cd="inline; filename=a b")) as resp:
            with pytest.warns(BadContentDispositionParam):
                got = resp.content_disposition
    assert got == ContentDisposition(None, got.parameters, None)
    assert dict(got.parameters) == {}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("inline", ("inline", {})),
        ("attachment;", ("attachment", {})),
        (
            'form-data; name="f"; filename="a \\"b\\".txt"',
            ("form-data", {"name": "f", "filename": 'a "b".txt'}),
        ),
        ("attachment; FileName=report.pdf", ("attachment", {"filename": "report.pdf"})),
        (
            "attachment; filename*=iso-8859-1'en'%A3%20rates",
            ("attachment", {"filename*": "£ rates"}),
        ),
        ('attachment; filename="a;b.txt"', ("attachment", {"filename": "a;b.txt"})),
    ],
)
def test_parse_content_disposition(header: str, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_content_disposition(header) == expected


def test_no_header_is_no_type() -> None:
    assert parse_content_disposition(None) == (None, {})
    assert parse_content_disposition("") == (None, {})


@pytest.mark.parametrize(
    ("header", "warning"),
    [
        ('"quoted"; filename=x', BadContentDispositionHeader),
        ("attachment; filename", BadContentDispositionParam),
        ("attachment; filename=a; filename=b", BadContentDispositionParam),
        ("attachment; filename*=no-quotes", BadContentDispositionParam),
        ("attachment; filename*=UTF-8''%FF", BadContentDispositionParam),
        ("attachment; filename*=nosuchcharset''abc", BadContentDispositionParam),
    ],
)
def test_malformed_headers_warn(header: str, warning: type[Warning]) -> None:
    with pytest.warns(warning):
        assert parse_content_disposition(header) == (None, {})


def test_filename_prefers_the_extended_value_then_joins_continuations() -> None:
    _, params = parse_content_disposition(
        "attachment; filename*0*=UTF-8''%E2%82%AC; filename*1=-part; filename*2=.txt"
    )
    assert content_disposition_filename(params) == "€-part.txt"
    assert content_disposition_filename({"filename": "a", "filename*": "b"}) == "b"
    assert content_disposition_filename({"name": "field"}, "name") == "field"
    assert content_disposition_filename({}) is None
