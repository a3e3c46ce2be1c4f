"""ClientSession and ClientResponse against real servers on loopback."""

from __future__ import annotations

import asyncio
import json

import pytest
from multidict import CIMultiDict
from yarl import URL

from lamella_core import (
    ClientResponse,
    ClientSession,
    ClientTimeout,
    DummyCookieJar,
    HttpVersion10,
    HttpVersion11,
    RequestInfo,
    request,
)
from lamella_core.abc import AbstractCookieJar
from lamella_core.exceptions import (
    ClientResponseError,
    ContentTypeError,
    InvalidURL,
    NonHttpUrlClientError,
    TooManyRedirects,
)


async def test_get_text(http_server):
    async with ClientSession() as session, session.get(http_server / "hello") as resp:
        assert isinstance(resp, ClientResponse)
        assert resp.status == 200
        assert resp.reason == "OK"
        assert resp.version == HttpVersion11
        assert resp.method == "GET"
        assert resp.ok
        assert resp.content_type == "text/plain"
        assert resp.charset == "utf-8"
        assert await resp.text() == "Hello, world!"
        assert resp.url == http_server / "hello"
        assert resp.headers["Content-Length"] == "13"
        assert (b"Content-Length", b"13") in resp.raw_headers


async def test_await_then_release(http_server):
    async with ClientSession() as session:
        resp = await session.get(http_server / "hello")
        assert await resp.read() == b"Hello, world!"
        resp.release()
        assert resp.closed


async def test_post_bytes_json_and_form(http_server):
    async with ClientSession() as session:
        async with session.post(http_server / "echo", data=b"raw bytes") as resp:
            got = await resp.json()
            assert got["body"] == "raw bytes"
            assert ["Content-Length", "9"] in got["headers"]
        async with session.post(http_server / "echo", json={"a": [1, 2]}) as resp:
            got = await resp.json()
            assert json.loads(got["body"]) == {"a": [1, 2]}
            assert ["Content-Type", "application/json"] in got["headers"]
        async with session.post(http_server / "echo", data={"k": "v w", "n": "1"}) as resp:
            got = await resp.json()
            assert got["body"] == "k=v+w&n=1"
            assert ["Content-Type", "application/x-www-form-urlencoded"] in got["headers"]


async def test_every_verb(http_server):
    async with ClientSession() as session:
        for verb in ("get", "post", "put", "patch", "delete", "options"):
            async with getattr(session, verb)(http_server / "echo") as resp:
                assert (await resp.json())["method"] == verb.upper()
        async with session.head(http_server / "echo") as resp:
            assert resp.status == 200
            assert await resp.read() == b""
        async with session.request("PATCH", http_server / "echo") as resp:
            assert (await resp.json())["method"] == "PATCH"


async def test_json_and_content_type_check(http_server):
    async with ClientSession() as session:
        async with session.get(http_server / "json") as resp:
            assert await resp.json() == {"ok": True, "items": [1, 2, 3]}
        async with session.get(http_server / "hello") as resp:
            with pytest.raises(ContentTypeError) as info:
                await resp.json()
            # The whole header value, as it came, in lower case.
            assert info.value.message == (
                "Attempt to decode JSON with unexpected mimetype: text/plain; charset=utf-8"
            )
            assert info.value.status == 200
            with pytest.raises(json.JSONDecodeError):
                await resp.json(content_type=None)


async def test_default_headers_and_base_url(http_server):
    async with (
        ClientSession(
            base_url=http_server.url, headers={"X-Session": "s", "X-Both": "session"}
        ) as session,
        session.get("echo", headers={"X-Both": "request"}) as resp,
    ):
        headers = CIMultiDict((await resp.json())["headers"])
        assert headers["X-Session"] == "s"
        assert headers["X-Both"] == "request"
        assert headers["Host"] == f"127.0.0.1:{http_server.url.port}"
        assert headers["User-Agent"].startswith("Python/3")
        assert "gzip" in headers["Accept-Encoding"]


async def test_params_merged_into_query(http_server):
    params = {"b": "x y"}
    async with (
        ClientSession() as session,
        session.get(http_server / "echo?a=1", params=params) as resp,
    ):
        assert (await resp.json())["path"] == "/echo?a=1&b=x+y"


async def test_a_repeated_url_string_goes_where_it_says_every_time(http_server):
    # The session parses a URL string once: params, base_url and per-request
    # options still apply to every request, and a refused URL stays refused.
    async with ClientSession(base_url=http_server.url) as session:
        paths = []
        for params in (None, {"b": "2"}, None, {"c": "3"}):
            async with session.get("echo?a=1", params=params) as resp:
                paths.append((await resp.json())["path"])
        assert paths == ["/echo?a=1", "/echo?a=1&b=2", "/echo?a=1", "/echo?a=1&c=3"]
        async with session.get("echo", version=HttpVersion10) as resp:
            assert (await resp.json())["version"] == [1, 0]
        async with session.get("echo") as resp:
            assert (await resp.json())["version"] == [1, 1]
        for _ in range(2):
            with pytest.raises(NonHttpUrlClientError):
                await session.get("ftp://127.0.0.1/file")


@pytest.mark.parametrize("path", ["gzip", "deflate"])
async def test_decompression(http_server, path):
    async with ClientSession() as session, session.get(http_server / path) as resp:
        text = await resp.text()
        assert text == ("compressed " if path == "gzip" else "deflated ") * 100
    async with (
        ClientSession(auto_decompress=False) as session,
        session.get(http_server / path) as resp,
    ):
        assert len(await resp.read()) < 100


async def test_chunked_response_and_stream_reads(http_server):
    async with ClientSession() as session:
        async with session.get(http_server / "chunked") as resp:
            assert await resp.text() == "".join(f"chunk{i};" for i in range(10))
        async with session.get(http_server / "large", params={"size": "1000000"}) as resp:
            total = 0
            async for piece in resp.content.iter_chunked(65536):
                assert len(piece) <= 65536
                total += len(piece)
            assert total == 1_000_000


async def test_raise_for_status(http_server):
    async with ClientSession() as session:
        async with session.get(http_server / "status/404") as resp:
            with pytest.raises(ClientResponseError) as info:
                resp.raise_for_status()
            assert info.value.status == 404
            assert info.value.message == "Not Found"
            assert isinstance(info.value.request_info, RequestInfo)
        with pytest.raises(ClientResponseError):
            await session.get(http_server / "status/500", raise_for_status=True)
    async with ClientSession(raise_for_status=True) as session:
        with pytest.raises(ClientResponseError) as info:
            async with session.get(http_server / "status/418"):
                pass
        assert info.value.status == 418

    seen = []

    async def check(resp: ClientResponse) -> None:
        seen.append(resp.status)

    async with (
        ClientSession(raise_for_status=check) as session,
        session.get(http_server / "status/201"),
    ):
        pass
    assert seen == [201]


async def test_redirects(http_server):
    async with ClientSession() as session:
        async with session.get(http_server / "redirect/3") as resp:
            assert resp.status == 200
            assert [r.status for r in resp.history] == [302, 302, 302]
            assert resp.url.path == "/redirect/0"
        async with session.post(http_server / "redirect/1?code=307", data=b"keep") as resp:
            got = await resp.json()
            assert got["method"] == "POST"
            assert got["body"] == "keep"
        async with session.post(http_server / "redirect/1?code=303", data=b"drop") as resp:
            got = await resp.json()
            assert got["method"] == "GET"
            assert got["body"] == ""
        async with session.get(http_server / "redirect/2", allow_redirects=False) as resp:
            assert resp.status == 302
            assert resp.history == ()
        with pytest.raises(TooManyRedirects):
            await session.get(http_server / "redirect/5", max_redirects=2)


@pytest.mark.parametrize(
    ("max_redirects", "hops", "followed"),
    [(2, 1, 1), (2, 2, None), (2, 3, None), (1, 1, None), (10, 9, 9), (10, 10, None), (0, 12, 12)],
)
async def test_max_redirects_counts_as_aiohttp_does(http_server, max_redirects, hops, followed):
    # The max_redirects-th redirect raises instead of being followed; 0 is no limit.
    async with ClientSession() as session:
        url = http_server / f"redirect/{hops}"
        if followed is None:
            with pytest.raises(TooManyRedirects) as info:
                await session.get(url, max_redirects=max_redirects)
            assert len(info.value.history) == max_redirects
        else:
            async with session.get(url, max_redirects=max_redirects) as resp:
                assert resp.status == 200
                assert len(resp.history) == followed


async def test_module_level_request(http_server):
    async with request("GET", http_server / "hello") as resp:
        assert resp.status == 200
        assert await resp.text() == "Hello, world!"


async def test_http10_request(http_server):
    async with (
        ClientSession(version=HttpVersion10) as session,
        session.get(http_server / "echo") as resp,
    ):
        assert (await resp.json())["version"] == [1, 0]


async def test_session_attributes_and_close():
    session = ClientSession()
    assert not session.closed
    assert isinstance(session.cookie_jar, AbstractCookieJar)
    assert session.connector is not None
    assert session.connector_owner
    assert session.timeout == ClientTimeout(total=300, sock_connect=30)
    connector = session.connector
    await session.close()
    assert session.closed
    assert connector.closed


async def test_invalid_urls_are_refused():
    async with ClientSession() as session:
        with pytest.raises(InvalidURL):
            await session.get("/relative/without/base")
        with pytest.raises(NonHttpUrlClientError):
            await session.get("ftp://127.0.0.1/file")
        with pytest.raises(ValueError):
            await session.get("http://127.0.0.1:1/", headers={"X-Bad": "a\r\nInjected: 1"})


async def test_data_and_json_together_is_an_error(http_server):
    async with ClientSession() as session:
        with pytest.raises(ValueError):
            await session.post(http_server / "echo", data=b"x", json={})


def test_ws_connect_needs_the_websocket_distribution():
    # Without plugins (as with lamella-core alone), ws_connect names what to install.
    import os
    import subprocess
    import sys

    code = (
        "import asyncio, lamella_core\n"
        "async def main():\n"
        "    async with lamella_core.ClientSession() as session:\n"
        "        try:\n"
        "            session.ws_connect('ws://127.0.0.1:1/')\n"
        "        except RuntimeError as exc:\n"
        "            print(exc)\n"
        "asyncio.run(main())\n"
    )
    env = {**os.environ, "LAMELLA_DISABLE_PLUGIN_AUTOLOAD": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "lamella-websocket" in out.stdout


async def test_sock_read_timeout(http_server):
    async with ClientSession(timeout=ClientTimeout(sock_read=0.1)) as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.get(http_server / "slow", params={"delay": "2"})


async def test_total_timeout(http_server):
    async with ClientSession(timeout=ClientTimeout(total=0.1)) as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.get(http_server / "slow", params={"delay": "2"})


async def test_zero_disables_a_timeout(http_server):
    assert ClientTimeout(total=0, connect=0, sock_read=0, sock_connect=0) == ClientTimeout()
    async with ClientSession(timeout=ClientTimeout(total=0)) as session:
        for timeout in (
            ClientTimeout(total=0),
            ClientTimeout(sock_read=0),
            ClientTimeout(connect=0, sock_connect=0),
            0,
        ):
            params = {"delay": "0.05"}
            async with session.get(http_server / "slow", params=params, timeout=timeout) as resp:
                assert await resp.text() == "slow"


async def test_request_info(http_server):
    async with ClientSession() as session:
        url = URL(http_server / "hello").with_fragment("frag")
        async with session.get(url) as resp:
            info = resp.request_info
            assert info.method == "GET"
            assert info.url == http_server / "hello"
            assert info.real_url == url
            assert resp.real_url == url
            assert "Host" in info.headers


async def test_timeout_forms(http_server):
    async with ClientSession(timeout=None) as session:
        assert session.timeout == ClientTimeout(total=300, sock_connect=30)
        async with session.get(http_server / "hello", timeout=None) as resp:
            assert resp.status == 200
        with pytest.raises(asyncio.TimeoutError):
            await session.get(http_server / "slow", params={"delay": "2"}, timeout=0.1)
    with pytest.raises(ValueError, match="timeout parameter cannot be of <class 'float'> type"):
        ClientSession(timeout=0.1)
    async with ClientSession(timeout=ClientTimeout(total=0.1)) as session:
        assert session.timeout == ClientTimeout(total=0.1)


async def test_cookies_per_request_reach_the_server_without_a_jar(http_server):
    async with ClientSession() as session:
        async with session.get(http_server / "echo", cookies={"a": "1", "b": "2"}) as resp:
            headers = CIMultiDict((await resp.json())["headers"])
            assert headers["Cookie"] == "a=1; b=2"
    async with request("GET", http_server / "echo", cookies={"c": "3"}) as resp:
        headers = CIMultiDict((await resp.json())["headers"])
        assert headers["Cookie"] == "c=3"


async def test_set_cookie_is_ignored_by_the_dummy_jar(http_server):
    async with ClientSession(cookie_jar=DummyCookieJar()) as session:
        async with session.get(http_server / "set-cookie") as resp:
            assert resp.cookies["session"].value == "abc123"
        async with session.get(http_server / "echo") as resp:
            headers = CIMultiDict((await resp.json())["headers"])
            assert "Cookie" not in headers
        assert len(session.cookie_jar) == 0


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"timeout": ClientTimeout(total=None, sock_read=3), "auto_decompress": False},
        {"read_bufsize": 1024, "limits": None},
    ],
)
@pytest.mark.parametrize("allow_redirects", [True, False])
async def test_the_options_of_a_request_without_settings_are_the_general_ones(
    settings, allow_redirects
):
    # _request takes a shortcut (_plain_options) when a request sets nothing
    # but allow_redirects: it must decide what the general _options decides.
    async def middleware(req, handler):
        return await handler(req)

    async with ClientSession(middlewares=(middleware,), **settings) as session:
        plain = session._plain_options({"allow_redirects": allow_redirects})
        general = session._options(allow_redirects=allow_redirects)
    assert (plain.deadline is None) == (general.deadline is None)
    plain.deadline = general.deadline = None
    fields = type(plain).__slots__
    assert {name: getattr(plain, name) for name in fields} == {
        name: getattr(general, name) for name in fields
    }
