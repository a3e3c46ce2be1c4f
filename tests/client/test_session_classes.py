"""ClientSession(request_class=, response_class=, ws_response_class=) against real servers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest
from aiohttp import WSMsgType, web
from yarl import URL

from lamella import (
    ClientHandlerType,
    ClientRequest,
    ClientResponse,
    ClientSession,
    ClientWebSocketResponse,
)


class TaggedRequest(ClientRequest):
    """Adds a header to every request and counts the instances built."""

    built: ClassVar[list[URL]] = []

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        super().__init__(method, url, **kwargs)
        self.headers["X-Tag"] = "tagged"
        TaggedRequest.built.append(self.url)


class JsonishResponse(ClientResponse):
    """A response with a helper of its own."""

    async def first_line(self) -> str:
        return (await self.text()).splitlines()[0]


class CountingWebSocket(ClientWebSocketResponse):
    """Counts the text messages it sends."""

    sent = 0

    async def send_str(self, data: str, compress: int | None = None) -> None:
        type(self).sent += 1
        await super().send_str(data, compress)


@pytest.fixture
async def server() -> AsyncIterator[URL]:
    async def headers(request: web.Request) -> web.Response:
        return web.Response(text=f"{request.headers.get('X-Tag')}\nsecond line")

    async def hop(request: web.Request) -> web.Response:
        raise web.HTTPFound("/headers")

    async def echo(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await ws.send_str(msg.data.upper())
        return ws

    app = web.Application()
    app.router.add_get("/headers", headers)
    app.router.add_get("/hop", hop)
    app.router.add_get("/ws", echo)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield URL(f"http://127.0.0.1:{runner.addresses[0][1]}/")
    finally:
        await runner.cleanup()


async def test_the_request_class_is_used_for_every_hop(server: URL) -> None:
    TaggedRequest.built.clear()
    seen: list[type] = []

    async def look(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        seen.append(type(req))
        return await handler(req)

    async with ClientSession(request_class=TaggedRequest, middlewares=(look,)) as session:
        async with session.get(server / "hop") as resp:
            assert await resp.text() == "tagged\nsecond line"
    assert TaggedRequest.built == [server / "hop", server / "headers"]
    assert seen == [TaggedRequest, TaggedRequest]


async def test_the_response_class_is_returned_and_kept_in_history(server: URL) -> None:
    async with ClientSession(response_class=JsonishResponse) as session:
        async with session.get(server / "hop") as resp:
            assert isinstance(resp, JsonishResponse)
            assert all(isinstance(earlier, JsonishResponse) for earlier in resp.history)
            assert len(resp.history) == 1
            assert await resp.first_line() == "None"
    async with ClientSession() as session:
        async with session.get(server / "headers") as resp:
            assert type(resp) is ClientResponse


class ContextTrackingResponse(ClientResponse):
    """Records entering and leaving ``async with``, as a subclass may."""

    events: ClassVar[list[str]] = []

    async def __aenter__(self) -> ContextTrackingResponse:
        ContextTrackingResponse.events.append("enter")
        await super().__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        ContextTrackingResponse.events.append(f"exit {exc_info[0].__name__}")  # type: ignore[attr-defined]
        await super().__aexit__(*exc_info)  # type: ignore[arg-type]


async def test_a_response_class_s_own_context_methods_are_called(server: URL) -> None:
    # The request's context manager enters lamella's own response without its
    # coroutines; a subclass's overrides must still run, with the exception.
    ContextTrackingResponse.events.clear()
    seen: list[ClientResponse] = []

    async def fail_inside(session: ClientSession) -> None:
        async with session.get(server / "headers") as resp:
            seen.append(resp)
            assert ContextTrackingResponse.events == ["enter"]
            raise KeyError

    async with ClientSession(response_class=ContextTrackingResponse) as session:
        with pytest.raises(KeyError):
            await fail_inside(session)
    assert ContextTrackingResponse.events == ["enter", "exit KeyError"]
    assert seen[0].closed


async def test_the_ws_response_class_is_used_by_ws_connect(server: URL) -> None:
    CountingWebSocket.sent = 0
    async with ClientSession(ws_response_class=CountingWebSocket) as session:
        async with session.ws_connect(server / "ws") as ws:
            assert isinstance(ws, CountingWebSocket)
            await ws.send_str("hi")
            assert await ws.receive_str() == "HI"
    assert CountingWebSocket.sent == 1
    async with ClientSession() as session:
        async with session.ws_connect(server / "ws") as ws:
            assert type(ws) is ClientWebSocketResponse


@pytest.mark.parametrize(
    ("argument", "value"),
    [("request_class", ClientResponse), ("response_class", ClientRequest)],
)
async def test_a_class_of_the_wrong_kind_is_refused(argument: str, value: type) -> None:
    with pytest.raises(TypeError, match="is not a subclass of"):
        ClientSession(**{argument: value})


async def test_the_classes_are_readable() -> None:
    async with ClientSession(request_class=TaggedRequest) as session:
        assert session.request_class is TaggedRequest
        assert session.response_class is ClientResponse
        assert session.ws_response_class is None


async def test_the_session_s_middlewares_see_the_websocket_handshake(server: URL) -> None:
    seen: list[tuple[str, str | None]] = []

    async def look(req: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        seen.append((req.url.path, req.headers.get("Upgrade")))
        return await handler(req)

    async with ClientSession(middlewares=(look,)) as session:
        async with session.ws_connect(server / "ws") as ws:
            await ws.send_str("hi")
            assert await ws.receive_str() == "HI"
    assert seen == [("/ws", "websocket")]
