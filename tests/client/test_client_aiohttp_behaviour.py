"""Requests and responses behave where users see it as aiohttp 3.14's do.

Each test states the aiohttp behaviour it checks; all run over loopback
against aiohttp.web or a raw asyncio server, with both response parsers.
"""

from __future__ import annotations

import asyncio
import base64
import collections.abc
import gc
import os
import ssl
import subprocess
import sys
import warnings
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

import lamella
from web_peers import serve

# --- a small aiohttp.web app for these tests -------------------------------------


async def _small(request: web.Request) -> web.Response:
    return web.Response(body=b"1234567")


async def _no_body(request: web.Request) -> web.Response:
    return web.Response(status=204)


async def _compressed(request: web.Request) -> web.Response:
    response = web.Response(body=b"lamella " * 4096)
    response.enable_compression()
    return response


async def _chunks(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    for piece in (b"abc", b"def", b"ghi"):
        await response.write(piece)
    await response.write_eof()
    return response


async def _missing(request: web.Request) -> web.Response:
    return web.Response(status=404, body=b"no such thing")


async def _location(request: web.Request) -> web.Response:
    status = int(request.query.get("status", "302"))
    return web.Response(status=status, headers={"Location": request.query["to"]})


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {
            "method": request.method,
            "path": request.path_qs,
            "body": len(body),
            "auth": request.headers.get("Authorization"),
        }
    )


@pytest.fixture
async def app_url() -> AsyncIterator[URL]:
    app = web.Application()
    app.router.add_get("/small", _small)
    app.router.add_get("/no-body", _no_body)
    app.router.add_get("/compressed", _compressed)
    app.router.add_get("/chunks", _chunks)
    app.router.add_get("/missing", _missing)
    app.router.add_route("*", "/location", _location)
    app.router.add_route("*", "/{tail:.*}", _echo)
    async with serve(app) as url:
        yield url


# --- the request context manager is a coroutine ------------------------------------


@pytest.mark.asyncio
async def test_request_context_is_a_coroutine_for_asyncio(app_url: URL) -> None:
    async with lamella.ClientSession() as session:
        pending = session.get(app_url / "small")
        assert isinstance(pending, collections.abc.Coroutine)
        assert asyncio.iscoroutine(pending)
        pending.close()
        task = asyncio.create_task(session.get(app_url / "small"))
        future = asyncio.ensure_future(session.get(app_url / "small"))
        waited = await asyncio.wait_for(session.get(app_url / "small"), 30)
        gathered = await asyncio.gather(session.get(app_url / "small"), session.post(app_url))
        responses = [await task, await future, waited, *gathered]
        assert [r.status for r in responses] == [200] * 5
        for response in responses:
            response.release()
        async with session.get(app_url / "small") as response:
            assert await response.read() == b"1234567"


@pytest.mark.asyncio
async def test_one_shot_request_context_is_a_coroutine(app_url: URL) -> None:
    pending = lamella.request("GET", app_url / "small")
    assert asyncio.iscoroutine(pending)
    async with pending as response:
        assert await response.read() == b"1234567"


# --- tracing --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_failing_request_start_callback_ends_the_traces_already_started(
    app_url: URL,
) -> None:
    seen: list[str] = []

    def recorder(name: str) -> lamella.TraceConfig:
        config = lamella.TraceConfig()

        async def start(session: Any, ctx: SimpleNamespace, params: Any) -> None:
            seen.append(f"{name} start")
            if name == "second":
                raise RuntimeError("trace callback failed")

        async def failed(session: Any, ctx: SimpleNamespace, params: Any) -> None:
            seen.append(f"{name} exception {type(params.exception).__name__}")

        config.on_request_start.append(start)
        config.on_request_exception.append(failed)
        return config

    configs = [recorder("first"), recorder("second"), recorder("third")]
    async with lamella.ClientSession(trace_configs=configs) as session:
        with pytest.raises(RuntimeError, match="trace callback failed"):
            await session.get(app_url / "small")
    # As aiohttp: only traces whose start completed hear of the failure.
    assert seen == ["first start", "second start", "first exception RuntimeError"]


# --- redirects ------------------------------------------------------------------


async def _one_piece() -> AsyncIterator[bytes]:
    yield b"streamed body"


@pytest.mark.asyncio
@pytest.mark.parametrize("status", [301, 302, 303])
async def test_streamed_post_redirected_as_get_without_body(app_url: URL, status: int) -> None:
    async with lamella.ClientSession() as session:
        target = (app_url / "location").with_query(status=status, to="/after")
        async with session.post(target, data=_one_piece()) as response:
            echoed = await response.json()
            assert (echoed["method"], echoed["path"], echoed["body"]) == ("GET", "/after", 0)
            assert [r.status for r in response.history] == [status]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("method", "status"), [("POST", 307), ("POST", 308), ("PUT", 301), ("PUT", 302)]
)
async def test_streamed_body_cannot_follow_a_redirect_that_repeats_it(
    app_url: URL, method: str, status: int
) -> None:
    async with lamella.ClientSession() as session:
        target = (app_url / "location").with_query(status=status, to="/after")
        with pytest.raises(lamella.RedirectBodyConsumed) as info:
            await session.request(method, target, data=_one_piece())
    # Both lamella's redirect error and the ClientPayloadError aiohttp raises, with its words.
    assert isinstance(info.value, lamella.RedirectClientError)
    assert isinstance(info.value, lamella.ClientPayloadError)
    assert "Cannot follow redirect with a consumed request body" in str(info.value)


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("location", "path"),
    [("http:/ok", "/ok"), ("http:ok", "/ok"), ("http:/ok?a=b", "/ok?a=b"), ("http:/", "/")],
)
async def test_same_scheme_location_without_authority_is_relative(
    app_url: URL, location: str, path: str
) -> None:
    async with lamella.ClientSession() as session:
        async with session.get((app_url / "location").with_query(to=location)) as response:
            assert response.url == app_url.with_path(path.split("?")[0]).with_query(URL(path).query)
            assert (await response.json())["path"] == path


@pytest.mark.asyncio
async def test_other_scheme_location_without_authority_is_refused(app_url: URL) -> None:
    async with lamella.ClientSession() as session:
        with pytest.raises(
            lamella.InvalidUrlRedirectClientError, match="Invalid redirect URL origin"
        ):
            await session.get((app_url / "location").with_query(to="https:/ok"))


# --- responses and their streams ---------------------------------------------------


@pytest.mark.asyncio
async def test_raise_for_status_inside_async_with_leaves_the_body_readable(app_url: URL) -> None:
    async with lamella.ClientSession() as session:
        async with session.get(app_url / "missing") as response:
            with pytest.raises(lamella.ClientResponseError, match="404"):
                response.raise_for_status()
            assert await response.read() == b"no such thing"
        assert response.closed
        # Outside a block it releases the response: the body is gone.
        response = await session.get(app_url / "missing")
        with pytest.raises(lamella.ClientResponseError):
            response.raise_for_status()
        with pytest.raises(lamella.ClientConnectionError):
            await response.read()


@pytest.mark.asyncio
async def test_reading_after_the_block_released_the_response(app_url: URL) -> None:
    async with lamella.ClientSession() as session:
        async with session.get(app_url / "small") as response:
            pass
        with pytest.raises(lamella.ClientConnectionError, match="Connection closed"):
            await response.read()
        with pytest.raises(lamella.ClientConnectionError):
            await response.content.read()
        async with session.get(app_url / "small") as response:
            assert await response.read() == b"1234567"
        # As aiohttp: read() refuses once released, text() decodes what was read.
        assert await response.text() == "1234567"
        with pytest.raises(lamella.ClientConnectionError):
            await response.read()
        response = await session.get(app_url / "small")
        response.release()
        with pytest.raises(lamella.ClientConnectionError):
            await response.read()
        # A response without a body reads as empty, released or not, as in aiohttp.
        async with session.get(app_url / "no-body") as response:
            pass
        assert await response.read() == b""
        assert await response.content.read() == b""


@pytest.mark.asyncio
async def test_read_buffer_limits_follow_read_bufsize(app_url: URL) -> None:
    async with lamella.ClientSession(read_bufsize=2) as session:
        async with session.get(app_url / "small") as response:
            assert response.content.get_read_buffer_limits() == (2, 4)
            assert await response.read() == b"1234567"
        async with session.get(app_url / "small", read_bufsize=4) as response:
            assert response.content.get_read_buffer_limits() == (4, 8)
    async with lamella.ClientSession() as session:
        async with session.get(app_url / "small") as response:
            assert response.content.get_read_buffer_limits() == (
                2**18,
                2**19,
            )  # aiohttp 3.14's default


@pytest.mark.asyncio
@pytest.mark.parametrize("decompress", [True, False])
async def test_total_raw_bytes_counts_the_bytes_on_the_wire(app_url: URL, decompress: bool) -> None:
    async with lamella.ClientSession(auto_decompress=decompress) as session:
        headers = {"Accept-Encoding": "gzip"}
        async with session.get(app_url / "compressed", headers=headers) as response:
            data = await response.read()
            assert response.headers["Content-Encoding"] == "gzip"
            wire = int(response.headers["Content-Length"])
            assert len(data) == (len(b"lamella ") * 4096 if decompress else wire)
            assert response.content.total_raw_bytes == wire
        async with session.get(app_url / "small") as response:
            await response.read()
            assert response.content.total_raw_bytes == 7


@pytest.mark.asyncio
async def test_iter_chunks_reports_chunk_ends_as_aiohttp(app_url: URL) -> None:
    async with lamella.ClientSession() as session:
        async with session.get(app_url / "chunks") as response:
            chunks = [chunk async for chunk in response.content.iter_chunks()]
            assert chunks == [(b"abc", True), (b"def", True), (b"ghi", True)]
        async with session.get(app_url / "chunks") as response:
            # A read that stopped on a chunk's end leaves the bare end marker.
            assert await response.content.readexactly(3) == b"abc"
            chunks = [chunk async for chunk in response.content.iter_chunks()]
            assert chunks == [(b"", True), (b"def", True), (b"ghi", True)]
        async with session.get(app_url / "small") as response:
            chunks = [chunk async for chunk in response.content.iter_chunks()]
            assert chunks == [(b"1234567", False)]


@pytest.mark.asyncio
async def test_closed_as_soon_as_a_small_or_empty_body_is_complete(app_url: URL) -> None:
    async with lamella.ClientSession() as session:
        response = await session.get(app_url / "no-body")
        assert response.closed
        assert response.connection is None
        response = await session.get(app_url / "small")
        assert response.closed  # the 7 bytes came with the head
        assert await response.read() == b"1234567"
        response.release()


@pytest.mark.asyncio
async def test_not_closed_while_a_large_body_is_still_arriving(raw_server: Any) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    arrived = asyncio.Event()

    async def slow_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(head + b"12345")
        await arrived.wait()
        writer.write(b"67890")

    server = await raw_server([slow_body])
    async with lamella.ClientSession() as session:
        response = await session.get(server.url)
        assert not response.closed
        connection = response.connection
        assert connection is not None
        with pytest.warns(DeprecationWarning, match="connector.loop property is deprecated"):
            assert connection.loop is asyncio.get_running_loop()
        arrived.set()
        assert await response.read() == b"1234567890"
        assert response.closed
        response.release()


# --- trust_env ----------------------------------------------------------------------


@pytest.fixture
def netrc_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    path = tmp_path / "netrc"
    path.write_text("machine 127.0.0.1 login first password one\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    return path


@pytest.mark.asyncio
async def test_trust_env_reads_netrc_once_and_outside_the_loop(
    app_url: URL, netrc_file: Any
) -> None:
    first = "Basic " + base64.b64encode(b"first:one").decode()
    async with lamella.ClientSession(trust_env=True) as session:
        # blockbuster fails this test if the file is read on the loop's thread.
        echoes = await asyncio.gather(*(session.get(app_url / "x") for _ in range(3)))
        for response in echoes:
            assert (await response.json())["auth"] == first
        await asyncio.to_thread(
            netrc_file.write_text, "machine 127.0.0.1 login second password two\n"
        )
        async with session.get(app_url / "x") as response:
            assert (await response.json())["auth"] == first  # the file is not read again
    async with lamella.ClientSession(trust_env=True) as session:
        async with session.get(app_url / "x") as response:
            expected = "Basic " + base64.b64encode(b"second:two").decode()
            assert (await response.json())["auth"] == expected
    async with lamella.ClientSession() as session:  # trust_env=False: no netrc at all
        async with session.get(app_url / "x") as response:
            assert (await response.json())["auth"] is None


# --- plugin discovery ----------------------------------------------------------------

_FIRST_SESSION = """
import asyncio, importlib.metadata, threading
scans = []
real = importlib.metadata.entry_points
def spy(*args, **kwargs):
    scans.append(threading.current_thread().name)
    return real(*args, **kwargs)
importlib.metadata.entry_points = spy
import lamella
async def main():
    async with lamella.ClientSession():
        pass
    print(threading.current_thread().name, sorted(set(scans)))
asyncio.run(main())
"""


def test_first_session_scans_no_entry_points_on_the_loop_thread() -> None:
    env = {k: v for k, v in os.environ.items() if k != "LAMELLA_DISABLE_PLUGIN_AUTOLOAD"}
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_SESSION], env=env, capture_output=True, text=True, check=True
    )
    loop_thread, scanned_on = done.stdout.strip().split(" ", 1)
    assert loop_thread == "MainThread"
    assert scanned_on == "['lamella-plugin-discovery']"


# --- errors, warnings and validation ------------------------------------------------


def test_client_response_error_takes_aiohttp_arguments() -> None:
    info = lamella.RequestInfo(URL("http://h/"), "GET", CIMultiDictProxy(CIMultiDict()))
    with pytest.warns(DeprecationWarning, match="code argument is deprecated"):
        error = lamella.ClientResponseError(info, history=None, code=418)
    assert error.status == 418
    assert error.history is None
    with pytest.warns(DeprecationWarning, match="code property is deprecated"):
        assert error.code == 418
    with pytest.raises(ValueError, match="Both code and status"):
        lamella.ClientResponseError(info, (), code=1, status=2)


def test_basic_auth_is_deprecated_and_encode_basic_auth_is_not() -> None:
    with pytest.warns(DeprecationWarning, match="BasicAuth is deprecated"):
        auth = lamella.BasicAuth("user", "pass")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # code run with -W error
        assert lamella.encode_basic_auth("user", "pass") == auth.encode()
        assert lamella.BasicAuth.decode(auth.encode()) == auth  # lamella's own: no warning
        with pytest.raises(DeprecationWarning):
            lamella.BasicAuth("user", "pass")


def test_subclassing_client_session_is_discouraged() -> None:
    with pytest.warns(DeprecationWarning, match="Inheritance class Mine from ClientSession"):

        class Mine(lamella.ClientSession):
            pass


@pytest.mark.asyncio
async def test_deprecated_request_arguments_warn(app_url: URL) -> None:
    url = app_url / "x"
    with pytest.warns(DeprecationWarning, match="The 'auth' parameter is deprecated"):
        session = lamella.ClientSession(auth=lamella.BasicAuth("u", "p"))
    async with session:
        with pytest.warns(DeprecationWarning, match="The 'auth' parameter is deprecated"):
            async with session.get(url, auth=lamella.BasicAuth("u", "p")):
                pass
        with pytest.warns(DeprecationWarning, match="Chunk size is deprecated"):
            async with session.post(url, data=b"x", chunked=1024):  # type: ignore[arg-type]
                pass
        with pytest.warns(DeprecationWarning, match="ssl_context is deprecated"):
            async with session.get(url, ssl_context=ssl.create_default_context()):
                pass
        with pytest.warns(DeprecationWarning, match="client.loop property is deprecated"):
            assert session.loop is asyncio.get_running_loop()

        with (
            pytest.warns(DeprecationWarning, match="verify_ssl is deprecated"),
            pytest.raises(ValueError, match="mutually"),
        ):
            await session.get(url, verify_ssl=False, ssl=ssl.create_default_context())


@pytest.mark.asyncio
async def test_request_arguments_are_validated_as_aiohttp_does(app_url: URL) -> None:
    url = app_url / "x"
    async with lamella.ClientSession() as session:
        with pytest.raises(TypeError, match="ssl should be SSLContext, bool, Fingerprint"):
            await session.get(url, ssl=42)
        with pytest.raises(TypeError):
            await session.get(url, proxy=42)
        for bad in ("InvalidUrl", "http://[invalid"):
            with pytest.raises(lamella.InvalidURL):
                await session.get(url, proxy=bad)
        with pytest.raises(ValueError, match="proxy_auth must be None or BasicAuth"):
            await session.get(url, proxy="http://127.0.0.1:9", proxy_auth=("u", "p"))
        # An empty proxy means none, as in aiohttp; so does an unused proxy_auth tuple.
        async with session.get(url, proxy="") as response:
            assert response.status == 200
        async with session.get(url, proxy_auth=("u", "p")) as response:
            assert response.status == 200


@pytest.mark.asyncio
async def test_a_closed_session_refuses_requests_and_cuts_bodies_still_arriving(
    raw_server: Any, app_url: URL
) -> None:
    held = asyncio.Event()

    async def half_body(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345")
        await held.wait()

    server = await raw_server([half_body])
    async with lamella.ClientSession() as session:
        cut = await session.get(server.url)
        whole = await session.get(app_url / "small")
    with pytest.raises(RuntimeError, match="Session is closed"):
        await session.get(app_url / "small")
    with pytest.raises(RuntimeError, match="Connection closed"):
        await cut.read()
    assert await whole.read() == b"1234567"  # complete before the session closed
    held.set()


# --- finalisers -------------------------------------------------------------------


def test_session_finaliser_is_quiet_after_a_failed_init() -> None:
    hook_calls: list[object] = []
    previous = sys.unraisablehook
    sys.unraisablehook = hook_calls.append
    try:
        with pytest.raises(TypeError, match="unexpected keyword"):
            lamella.ClientSession(no_such_option=1)  # type: ignore[call-arg]
        gc.collect()
    finally:
        sys.unraisablehook = previous
    assert hook_calls == []
