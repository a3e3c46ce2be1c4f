"""MockRouter's routes and replies, through real ClientSessions."""

from __future__ import annotations

import asyncio
import gzip
import re

import pytest
from yarl import URL

from lamella_core import (
    BasicAuth,
    BodyTooLarge,
    ClientLimits,
    ClientSession,
    ClientTimeout,
    TooManyRedirects,
    TraceConfig,
)
from lamella_testing import MockRouter, Reply, UnmatchedRequestError

API = "http://api.example"


async def fetch(url: str, method: str = "GET", **kwargs: object) -> tuple[int, bytes]:
    async with ClientSession() as session, session.request(method, url, **kwargs) as resp:
        return resp.status, await resp.read()


async def test_string_url_without_query_matches_any_query() -> None:
    with MockRouter() as mock:
        route = mock.get(f"{API}/items", body=b"all")
        assert await fetch(f"{API}/items?page=2") == (200, b"all")
        assert await fetch(f"{API}/items") == (200, b"all")
    assert [str(r.url) for r in route.calls] == [f"{API}/items?page=2", f"{API}/items"]


async def test_string_url_with_query_matches_those_fields_in_any_order() -> None:
    with MockRouter(assert_all_matched=False) as mock:
        mock.get(f"{API}/search?q=x&page=1", body=b"found")
        assert await fetch(f"{API}/search", params={"page": "1", "q": "x"}) == (200, b"found")
        with pytest.raises(UnmatchedRequestError, match=re.escape("GET http://api.example/search")):
            await fetch(f"{API}/search?q=y&page=1")


async def test_regex_and_callable_url_patterns() -> None:
    with MockRouter() as mock:
        mock.get(re.compile(rf"{re.escape(API)}/users/\d+"), body=b"user")
        mock.get(lambda url: url.path.startswith("/files/"), body=b"file")
        assert await fetch(f"{API}/users/42") == (200, b"user")
        assert await fetch(f"{API}/files/a/b.txt") == (200, b"file")


async def test_method_matching_and_any_method() -> None:
    with MockRouter() as mock:
        mock.post(f"{API}/x", status=201)
        mock.add("*", f"{API}/x", status=299)
        assert (await fetch(f"{API}/x", "POST"))[0] == 201
        assert (await fetch(f"{API}/x", "DELETE"))[0] == 299


async def test_header_and_body_matchers() -> None:
    with MockRouter() as mock:
        mock.post(f"{API}/q", match_headers={"X-Tenant": "a"}, body=b"tenant a")
        mock.post(f"{API}/q", match=lambda r: r.json() == {"kind": "b"}, body=b"kind b")
        mock.post(f"{API}/q", body=b"fallback")
        assert await fetch(f"{API}/q", "POST", headers={"X-Tenant": "a"}) == (200, b"tenant a")
        assert await fetch(f"{API}/q", "POST", json={"kind": "b"}) == (200, b"kind b")
        assert await fetch(f"{API}/q", "POST", json={"kind": "c"}) == (200, b"fallback")


async def test_times_limits_a_route_then_the_next_one_answers() -> None:
    with MockRouter() as mock:
        mock.get(f"{API}/t", times=1, status=503)
        mock.get(f"{API}/t", status=200)
        assert [(await fetch(f"{API}/t"))[0] for _ in range(3)] == [503, 200, 200]


async def test_replies_with_headers_json_text_and_reason() -> None:
    with MockRouter() as mock:
        mock.get(f"{API}/j", json={"a": [1, 2]}, headers={"X-Id": "7"})
        mock.get(f"{API}/t", body="héllo", status=418, reason="Teapot")
        async with ClientSession() as session:
            async with session.get(f"{API}/j") as resp:
                assert resp.headers["X-Id"] == "7"
                assert resp.content_type == "application/json"
                assert await resp.json() == {"a": [1, 2]}
            async with session.get(f"{API}/t") as resp:
                assert (resp.status, resp.reason) == (418, "Teapot")
                assert await resp.text() == "héllo"


async def test_a_streamed_body_arrives_chunked_in_pieces() -> None:
    async def pieces():
        for n in range(3):
            yield b"piece %d;" % n

    with MockRouter() as mock:
        mock.get(f"{API}/s", stream=pieces())
        mock.get(f"{API}/list", stream=[b"a", b"b"])
        async with ClientSession() as session:
            async with session.get(f"{API}/s") as resp:
                assert resp.headers["Transfer-Encoding"] == "chunked"
                assert [p async for p in resp.content.iter_chunks()] == [
                    (b"piece 0;", True),
                    (b"piece 1;", True),
                    (b"piece 2;", True),
                ]
            for _ in range(2):  # a list can be sent again
                async with session.get(f"{API}/list") as resp:
                    assert await resp.read() == b"ab"


async def test_a_callback_builds_the_reply_from_the_request() -> None:
    async def echo(request):
        return Reply(json={"path": request.url.path, "body": request.text()})

    with MockRouter() as mock:
        mock.post(f"{API}/echo", callback=echo)
        mock.get(f"{API}/sync", callback=lambda request: Reply(status=204))
        async with ClientSession() as session:
            async with session.post(f"{API}/echo", data="hi") as resp:
                assert await resp.json() == {"path": "/echo", "body": "hi"}
            async with session.get(f"{API}/sync") as resp:
                assert resp.status == 204
                assert await resp.read() == b""


async def test_an_exception_is_raised_to_the_caller_as_given() -> None:
    class Boom(Exception):
        pass

    with MockRouter() as mock:
        mock.get(f"{API}/boom", exception=Boom("no"))
        with pytest.raises(Boom, match="no"):
            await fetch(f"{API}/boom")


async def test_a_delay_runs_into_the_session_timeout() -> None:
    with MockRouter() as mock:
        mock.get(f"{API}/slow", delay=30, body=b"late")
        async with ClientSession(timeout=ClientTimeout(total=0.2)) as session:
            with pytest.raises(asyncio.TimeoutError):
                await session.get(f"{API}/slow")


async def test_head_and_no_body_statuses() -> None:
    with MockRouter() as mock:
        mock.head(f"{API}/h", body=b"12345")
        mock.get(f"{API}/n", status=304, body=b"ignored")
        async with ClientSession() as session:
            async with session.head(f"{API}/h") as resp:
                assert resp.headers["Content-Length"] == "5"
                assert await resp.read() == b""
            async with session.get(f"{API}/n") as resp:
                assert resp.status == 304


# --- lamella above the socket runs as in production ---------------------------------------


async def test_redirects_cookies_and_auth_are_lamellas_own() -> None:
    with MockRouter() as mock:
        mock.post(
            f"{API}/login",
            status=303,
            headers={"Location": "/home", "Set-Cookie": "sid=s3cret; Path=/"},
        )
        home = mock.get(f"{API}/home", body=b"welcome")
        async with ClientSession(auth=BasicAuth("ada", "pw")) as session:
            async with session.post(f"{API}/login", data=b"x") as resp:
                assert resp.status == 200
                assert [h.status for h in resp.history] == [303]
                assert await resp.read() == b"welcome"
    (request,) = home.calls
    assert request.method == "GET"  # 303 turns POST into GET
    assert request.headers["Cookie"] == "sid=s3cret"
    assert request.headers["Authorization"] == BasicAuth("ada", "pw").encode()


async def test_a_redirect_loop_hits_lamellas_limit() -> None:
    with MockRouter() as mock:
        mock.get(f"{API}/loop", status=302, headers={"Location": "/loop"})
        async with ClientSession() as session:
            with pytest.raises(TooManyRedirects):
                await session.get(f"{API}/loop", max_redirects=3)


async def test_content_decoding_and_limits_apply() -> None:
    body = b"compressed " * 1000
    with MockRouter() as mock:
        mock.get(f"{API}/gz", body=gzip.compress(body), headers={"Content-Encoding": "gzip"})
        mock.get(f"{API}/big", body=b"x" * 5000)
        limits = ClientLimits(max_body_size=1000)
        async with ClientSession() as session:
            async with session.get(f"{API}/gz") as resp:
                assert await resp.read() == body
            async with session.get(f"{API}/big", limits=limits) as resp:
                with pytest.raises(BodyTooLarge):
                    await resp.read()


async def test_keep_alive_reuses_the_mock_connection() -> None:
    created, reused = [], []
    trace = TraceConfig()

    async def on_create(session, context, params):
        created.append(params)

    async def on_reuse(session, context, params):
        reused.append(params)

    trace.on_connection_create_end.append(on_create)
    trace.on_connection_reuseconn.append(on_reuse)
    with MockRouter() as mock:
        mock.get(f"{API}/k", body=b"k")
        mock.get(f"{API}/close", body=b"c", headers={"Connection": "close"})
        async with ClientSession(trace_configs=[trace]) as session:
            for path in ("k", "k", "close", "k"):
                async with session.get(f"{API}/{path}") as resp:
                    await resp.read()
    assert (len(created), len(reused)) == (2, 2)


async def test_request_bodies_are_recorded_as_sent() -> None:
    async def upload():
        yield b"chunk-1;"
        yield b"chunk-2"

    with MockRouter() as mock:
        route = mock.put(f"{API}/up", status=204)
        async with ClientSession() as session:
            await (await session.put(f"{API}/up", data=upload())).release()
            await (await session.put(f"{API}/up", data={"a": "1", "b": "2"})).release()
            await (await session.put(f"{API}/up", json=[1], expect100=True)).release()
    streamed, form, expecting = route.calls
    assert streamed.headers["Transfer-Encoding"] == "chunked"
    assert streamed.body == b"chunk-1;chunk-2"
    assert form.body == b"a=1&b=2"
    assert form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert expecting.json() == [1]
    assert mock.requests == [streamed, form, expecting]


async def test_an_explicit_connector_answers_without_starting_the_router() -> None:
    mock = MockRouter()
    mock.get("https://secure.example/", body=b"tls-less")
    async with ClientSession(connector=mock.connector()) as session:
        async with session.get("https://secure.example/") as resp:
            assert await resp.read() == b"tls-less"
    assert mock.requests[0].url == URL("https://secure.example/")
    mock.assert_called("GET", "https://secure.example/", times=1)
