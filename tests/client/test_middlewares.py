"""Client middlewares against a real aiohttp.web server: the calling convention,
order and scope of aiohttp 3.12, and the cookbook's recipes (docs/middlewares.md)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from yarl import URL

from lamella import (
    BasicTCPConnector,
    ClientError,
    ClientHandlerType,
    ClientMiddlewareType,
    ClientRequest,
    ClientResponse,
    ClientSession,
    CookieJar,
    ExponentialRetry,
)

SECRET = b"s3cret"


@dataclass
class Peer:
    """The test server: its URL and what its routes have seen."""

    url: URL
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)
    flaky_left: int = 2
    token: str = "t1"
    refreshes: int = 0

    def __truediv__(self, path: str) -> URL:
        return self.url.join(URL(path))


@pytest.fixture
async def peer() -> AsyncIterator[Peer]:
    state = Peer(URL("http://127.0.0.1/"))

    @web.middleware
    async def record(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
        state.seen.append((request.method, request.path, dict(request.headers)))
        return await handler(request)

    async def echo_headers(request: web.Request) -> web.Response:
        return web.json_response(dict(request.headers))

    async def flaky(request: web.Request) -> web.Response:
        if state.flaky_left:
            state.flaky_left -= 1
            return web.Response(status=503)
        return web.Response(text="fine")

    async def protected(request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {state.token}":
            return web.Response(status=401)
        return web.Response(text="secret data")

    async def refresh(request: web.Request) -> web.Response:
        assert await request.text() == "refresh-me"
        state.refreshes += 1
        state.token = f"t{state.refreshes + 1}"
        return web.json_response({"access_token": state.token})

    async def log(request: web.Request) -> web.Response:
        state.logs.append(await request.text())
        return web.Response(text="logged")

    async def signed(request: web.Request) -> web.Response:
        body = await request.read()
        expected = hmac.new(
            SECRET, request.method.encode() + request.path_qs.encode() + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(request.headers.get("X-Signature", ""), expected):
            return web.Response(status=403)
        return web.Response(text="verified " + body.decode())

    async def hop(request: web.Request) -> web.Response:
        left = int(request.match_info["n"])
        if left:
            raise web.HTTPFound(f"/hop/{left - 1}")
        return web.Response(text="landed")

    async def set_cookie(request: web.Request) -> web.Response:
        response = web.Response(text="set")
        response.set_cookie("flavour", "oat")
        return response

    async def body(request: web.Request) -> web.Response:
        return web.json_response(
            {
                "body": (await request.read()).decode(),
                "framing": [
                    request.headers.get(n) for n in ("Content-Length", "Transfer-Encoding")
                ],
                "content_type": request.headers.get("Content-Type"),
            }
        )

    app = web.Application(middlewares=[record])
    app.router.add_post("/body", body)
    app.router.add_route("*", "/headers", echo_headers)
    app.router.add_get("/flaky", flaky)
    app.router.add_get("/protected", protected)
    app.router.add_post("/refresh", refresh)
    app.router.add_post("/log", log)
    app.router.add_route("*", "/signed", signed)
    app.router.add_get("/hop/{n}", hop)
    app.router.add_get("/set-cookie", set_cookie)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = URL(f"http://127.0.0.1:{runner.addresses[0][1]}/")
    try:
        yield state
    finally:
        await runner.cleanup()


def _tagging(name: str, events: list[str]) -> ClientMiddlewareType:
    """A middleware that notes entry and exit and tags the request with a header."""

    async def middleware(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        events.append(f"enter {name}")
        via = req.headers.get("X-Via")
        req.headers["X-Via"] = name if via is None else f"{via},{name}"
        resp = await handler(req)
        events.append(f"exit {name}")
        return resp

    return middleware


# --- the cookbook's recipes --------------------------------------------------------


async def retry_middleware(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
    """Retry a failed answer, at most three attempts in all (a bounded loop)."""
    for attempt in range(3):
        resp = await handler(req)
        if resp.ok or attempt == 2:
            return resp
        resp.release()
    raise AssertionError("unreachable")


class TokenRefresh401Middleware:
    """On a 401, fetch a new access token once and send the request again."""

    def __init__(self, refresh_url: URL, refresh_token: str) -> None:
        self.refresh_url = refresh_url
        self.refresh_token = refresh_token
        self.access_token = "expired"
        self.lock = asyncio.Lock()

    async def __call__(self, req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        for _ in range(2):
            token = self.access_token
            req.headers["Authorization"] = f"Bearer {token}"
            resp = await handler(req)
            if resp.status != 401:
                return resp
            resp.release()
            async with self.lock:
                if token == self.access_token:  # nobody refreshed it meanwhile
                    async with req.session.post(
                        self.refresh_url, data=self.refresh_token, middlewares=()
                    ) as refreshed:
                        self.access_token = (await refreshed.json())["access_token"]
        return resp


def logging_middleware(log_url: URL) -> ClientMiddlewareType:
    """Report each request's target to a log service, on the same session."""

    async def middleware(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        # middlewares=() keeps the log request from being logged in turn.
        async with req.session.post(log_url, data=str(req.url), middlewares=()) as resp:
            resp.raise_for_status()
        return await handler(req)

    return middleware


async def signing_middleware(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
    """Sign method, target and body with a shared key (HMAC-SHA256)."""
    body = b"" if req.body is None else req.body.data
    assert body is not None, "only in-memory bodies can be signed before sending"
    message = req.method.encode() + req.url.raw_path_qs.encode() + body
    req.headers["X-Signature"] = hmac.new(SECRET, message, hashlib.sha256).hexdigest()
    return await handler(req)


async def test_retry_recipe_sends_again_until_success(peer: Peer) -> None:
    async with ClientSession(middlewares=(retry_middleware,)) as session:
        async with session.get(peer / "flaky") as resp:
            assert resp.status == 200
            assert await resp.text() == "fine"
    assert [path for _, path, _ in peer.seen] == ["/flaky"] * 3


async def test_retry_recipe_gives_up_after_three_attempts(peer: Peer) -> None:
    peer.flaky_left = 5
    async with ClientSession(middlewares=(retry_middleware,)) as session:
        async with session.get(peer / "flaky") as resp:
            assert resp.status == 503
    assert len(peer.seen) == 3


async def test_token_refresh_recipe(peer: Peer) -> None:
    refresher = TokenRefresh401Middleware(peer / "refresh", "refresh-me")
    async with ClientSession(middlewares=(refresher,)) as session:
        for _ in range(2):
            async with session.get(peer / "protected") as resp:
                assert resp.status == 200
                assert await resp.text() == "secret data"
    assert peer.refreshes == 1  # the second request used the new token at once
    assert [path for _, path, _ in peer.seen] == [
        "/protected",
        "/refresh",
        "/protected",
        "/protected",
    ]
    assert "Authorization" not in peer.seen[1][2]  # the refresh skipped the middleware


async def test_logging_recipe_uses_the_same_session(peer: Peer) -> None:
    # One connection in the pool: the log request runs before the request
    # itself takes a connection, so they do not wait on each other.
    connector = BasicTCPConnector(limit=1)
    async with ClientSession(
        connector=connector, middlewares=(logging_middleware(peer / "log"),)
    ) as session:
        async with session.get(peer / "headers") as resp:
            assert resp.status == 200
        async with session.get(peer / "headers", params={"q": "2"}) as resp:
            assert resp.status == 200
    assert peer.logs == [str(peer / "headers"), str((peer / "headers").with_query(q="2"))]


async def test_signing_recipe(peer: Peer) -> None:
    async with ClientSession(middlewares=(signing_middleware,)) as session:
        async with session.post(peer / "signed?x=1", data=b"pay 10") as resp:
            assert resp.status == 200
            assert await resp.text() == "verified pay 10"
        async with session.get(peer / "signed") as resp:
            assert resp.status == 200
    async with ClientSession() as session:  # unsigned: refused
        async with session.post(peer / "signed", data=b"pay 10") as resp:
            assert resp.status == 403


async def _stream() -> AsyncIterator[bytes]:
    yield b"streamed "
    yield b"body"


@pytest.mark.parametrize(
    ("new", "expected", "framing"),
    [
        (b"short", "short", ["5", None]),
        (b"a much much longer body", "a much much longer body", ["23", None]),
        ("text now", "text now", ["8", None]),
        (_stream, "streamed body", [None, "chunked"]),
        (None, "", ["0", None]),
    ],
)
async def test_update_body_replaces_the_body_and_its_framing(
    peer: Peer, tmp_path: Any, new: Any, expected: str, framing: list[str | None]
) -> None:
    old_file = (tmp_path / "old.bin").open("wb+")
    old_file.write(b"the original body, from a file")
    old_file.seek(0)

    async def replace(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        await req.update_body(new() if callable(new) else new)
        assert old_file.closed  # the body it replaced was closed
        return await handler(req)

    async with ClientSession(middlewares=(replace,)) as session:
        async with session.post(peer / "body", data=old_file) as resp:
            got = await resp.json()
    assert (got["body"], got["framing"]) == (expected, framing)
    # The Content-Type of the original body stays.
    assert got["content_type"] == "application/octet-stream"


# --- the calling convention, order and scope -----------------------------------------


async def test_order_is_first_outermost_and_headers_reach_the_server(peer: Peer) -> None:
    events: list[str] = []
    middlewares = (_tagging("outer", events), _tagging("inner", events))
    async with ClientSession(middlewares=middlewares) as session:
        async with session.get(peer / "headers") as resp:
            assert resp.status == 200
    assert events == ["enter outer", "enter inner", "exit inner", "exit outer"]
    assert peer.seen[0][2]["X-Via"] == "outer,inner"


async def test_a_request_s_middlewares_replace_the_session_s(peer: Peer) -> None:
    events: list[str] = []
    async with ClientSession(middlewares=(_tagging("session", events),)) as session:
        await (
            await session.get(peer / "headers", middlewares=(_tagging("request", events),))
        ).read()
        await (await session.get(peer / "headers", middlewares=())).read()
        await (await session.get(peer / "headers")).read()
    assert events == ["enter request", "exit request", "enter session", "exit session"]
    assert [headers.get("X-Via") for _, _, headers in peer.seen] == ["request", None, "session"]


async def test_each_redirect_hop_goes_through_the_middlewares(peer: Peer) -> None:
    targets: list[str] = []

    async def note(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        targets.append(req.url.path)
        return await handler(req)

    async with ClientSession(middlewares=(note,)) as session:
        async with session.get(peer / "hop/2") as resp:
            assert await resp.text() == "landed"
            assert [r.status for r in resp.history] == [302, 302]
    assert targets == ["/hop/2", "/hop/1", "/hop/0"]


async def test_each_attempt_of_the_retry_policy_goes_through_them(peer: Peer) -> None:
    calls = 0

    async def count(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        nonlocal calls
        calls += 1
        return await handler(req)

    policy = ExponentialRetry(attempts=3, base_delay=0.001, statuses={503})
    async with ClientSession(middlewares=(count,), retry=policy) as session:
        async with session.get(peer / "flaky") as resp:
            assert resp.status == 200
    assert calls == 3


async def test_the_jar_s_cookies_are_in_the_request_a_middleware_sees(peer: Peer) -> None:
    cookies: list[str | None] = []

    async def look(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        cookies.append(req.headers.get("Cookie"))
        return await handler(req)

    jar = CookieJar(unsafe=True)  # the server is an IP address
    async with ClientSession(middlewares=(look,), cookie_jar=jar) as session:
        await (await session.get(peer / "set-cookie")).read()
        await (await session.get(peer / "headers")).read()
    assert cookies == [None, "flavour=oat"]


async def test_a_middleware_may_answer_without_calling_the_handler(peer: Peer) -> None:
    class Blocked(ClientError):
        """The target is on the deny list."""

    async def deny(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        if req.url.path == "/log":
            raise Blocked(str(req.url))
        return await handler(req)

    async with ClientSession(middlewares=(deny,)) as session:
        with pytest.raises(Blocked):
            await session.post(peer / "log", data="x")
        async with session.get(peer / "headers") as resp:
            assert resp.status == 200
    assert [path for _, path, _ in peer.seen] == ["/headers"]


async def test_a_middleware_may_replace_the_response(peer: Peer) -> None:
    async def fallback(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        resp = await handler(req)
        if resp.status != 503:
            return resp
        resp.release()
        return await req.session.get(peer / "headers", middlewares=())

    peer.flaky_left = 1
    async with ClientSession(middlewares=(fallback,), raise_for_status=True) as session:
        async with session.get(peer / "flaky") as resp:
            assert resp.url.path == "/headers"
            assert (await resp.json())["Host"] == peer.url.authority


async def test_raise_for_status_checks_the_response_the_middlewares_return(peer: Peer) -> None:
    peer.flaky_left = 1
    async with ClientSession(middlewares=(retry_middleware,), raise_for_status=True) as session:
        async with session.get(peer / "flaky") as resp:
            assert resp.status == 200


async def test_a_request_built_by_hand_has_no_session() -> None:
    req = ClientRequest("GET", URL("http://127.0.0.1/"))
    with pytest.raises(RuntimeError, match="not made by a ClientSession"):
        req.session  # noqa: B018


async def test_without_middlewares_none_is_built(peer: Peer) -> None:
    async with ClientSession() as session:
        built: list[object] = []
        session._send_through = built.append  # type: ignore[assignment,method-assign]
        async with session.get(peer / "headers") as resp:
            assert resp.status == 200
    assert built == []


async def test_the_retry_of_a_stale_connection_goes_through_them(raw_server: Any) -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()  # the kept-alive connection dies with the request unanswered

    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    server = await raw_server([ok, drop, ok])
    calls: list[str] = []

    async def count(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        calls.append(req.url.path)
        return await handler(req)

    async with ClientSession(middlewares=(count,)) as session:
        for path in ("first", "second"):
            async with session.get(server.url / path) as resp:
                assert await resp.read() == b"ok"
    assert calls == ["/first", "/second", "/second"]
    assert server.connections == 2
