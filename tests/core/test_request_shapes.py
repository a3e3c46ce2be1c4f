"""A session builds a bodiless request of a shape it has sent before by copying the first.

``_make_request`` keeps, per method, URL and headers, the ``ClientRequest``
built the first time and copies it after. Every copy must be the request
``ClientRequest(...)`` would have built: the checks below compare each slot
of the copy with a request built from scratch, and watch the bytes a real
server receives as the session's headers, the caller's headers and the
request's settings change.
"""

from __future__ import annotations

from typing import Any

import pytest
from multidict import CIMultiDict
from yarl import URL

import lamella
from lamella import ClientRequest, ClientSession, RequestFramingError
from lamella_core._client.options import RequestOptions


def _slots(req: ClientRequest) -> dict[str, Any]:
    values = {name: getattr(req, name) for name in ClientRequest.__slots__}
    values["headers"] = list(req.headers.items())
    values["_request_info"] = None  # built on first use, from the headers compared above
    # The head kept for copies, and the headers' version it holds for: the
    # tests compare head_bytes() itself.
    values["_head_of"] = values["_head_version"] = None
    return values


async def _options(session: ClientSession) -> RequestOptions:
    return session._plain_options({"allow_redirects": True})


SHAPES = [
    ("GET", "http://example.test/a?b=1", {}),
    ("GET", "http://example.test/a#fragment", {"X-Token": "t"}),
    ("HEAD", "http://example.test:8080/", {"Connection": "close"}),
    ("DELETE", "https://example.test/item", {"Host": "other.test", "Accept": "text/plain"}),
    ("POST", "http://example.test/empty", {}),
    ("PUT", "http://example.test/empty", {"Content-Length": "0"}),
    ("OPTIONS", "http://[::1]:9/x", {"User-Agent": "me", "Accept-Encoding": "identity"}),
]


@pytest.mark.asyncio
@pytest.mark.parametrize(("method", "url", "given"), SHAPES)
async def test_a_copied_request_is_the_request_the_class_would_build(
    method: str, url: str, given: dict[str, str]
) -> None:
    async with ClientSession(headers={"X-Session": "s"}) as session:
        options = await _options(session)
        target = URL(url)
        headers = session._merge_headers(given)
        first = session._make_request(method, target, headers, None, None, options)
        second = session._make_request(method, target, headers, None, None, options)
        fresh = ClientRequest(
            method,
            target,
            headers=headers,
            session=session,
            deadline=options.deadline,
            **session._default_request_kwargs(),
        )
        assert len(session._request_shapes) == 1
        assert _slots(first) == _slots(second) == _slots(fresh)
        assert second.request_info == fresh.request_info
        assert second.head_bytes() == fresh.head_bytes()
        assert second.headers is not first.headers
        second.headers["X-Later"] = "1"  # a middleware's change stays its own
        third = session._make_request(method, target, headers, None, None, options)
        assert "X-Later" not in third.headers


@pytest.mark.asyncio
async def test_copies_through_a_proxy_have_their_own_proxy_headers() -> None:
    # Through a tunnel the caller's Proxy-Authorization moves to the proxy's headers.
    async with ClientSession(proxy="http://proxy.test:3128") as session:
        options = await _options(session)
        headers = session._merge_headers({"Proxy-Authorization": "Basic eDp5"})
        target = URL("https://example.test/")
        first = session._make_request("GET", target, headers, None, None, options)
        second = session._make_request("GET", target, headers, None, None, options)
        assert first.proxy_headers is not None
        assert second.proxy_headers is not None
        assert second.proxy_headers is not first.proxy_headers
        assert dict(second.proxy_headers) == {"Proxy-Authorization": "Basic eDp5"}
        assert "Proxy-Authorization" not in second.headers
        assert second.proxy == URL("http://proxy.test:3128")


@pytest.mark.asyncio
async def test_a_refused_shape_is_refused_every_time() -> None:
    async with ClientSession() as session:
        options = await _options(session)
        headers = CIMultiDict({"Transfer-Encoding": "chunked"})
        for _ in range(2):
            with pytest.raises(RequestFramingError):
                session._make_request(
                    "GET", URL("http://example.test/"), headers, None, None, options
                )
        assert session._request_shapes == {}


@pytest.mark.asyncio
async def test_unhashable_header_values_are_built_each_time() -> None:
    async with ClientSession() as session:
        options = await _options(session)
        headers: CIMultiDict[Any] = CIMultiDict({"X-List": ["a"]})
        req = session._make_request(
            "GET", URL("http://example.test/"), headers, None, None, options
        )
        assert req.headers["X-List"] == ["a"]
        assert session._request_shapes == {}


@pytest.mark.asyncio
async def test_the_table_is_bounded() -> None:
    async with ClientSession() as session:
        options = await _options(session)
        headers = session._merge_headers(None)
        for i in range(300):
            session._make_request(
                "GET", URL(f"http://example.test/{i}"), headers, None, None, options
            )
        assert 0 < len(session._request_shapes) <= 256


@pytest.mark.asyncio
async def test_a_request_class_of_the_callers_is_built_every_time() -> None:
    built: list[str] = []

    class Counting(ClientRequest):
        __slots__ = ()

        def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
            built.append(method)
            super().__init__(method, url, **kwargs)

    async with ClientSession(request_class=Counting) as session:
        options = await _options(session)
        headers = session._merge_headers(None)
        for _ in range(3):
            req = session._make_request(
                "GET", URL("http://example.test/"), headers, None, None, options
            )
            assert type(req) is Counting
        assert built == ["GET"] * 3
        assert session._request_shapes == {}


@pytest.mark.asyncio
async def test_what_the_server_receives_follows_every_change(http_server: Any) -> None:
    seen: list[dict[str, str]] = []

    async def echo(session: ClientSession, **kwargs: Any) -> None:
        async with session.get(http_server / "echo", **kwargs) as resp:
            seen.append(dict((await resp.json())["headers"]))
            assert dict(resp.request_info.headers) == {
                k: v for k, v in seen[-1].items() if k not in ("Content-Length",)
            }

    async with ClientSession(headers={"X-Session": "1"}) as session:
        await echo(session)
        await echo(session)
        session.headers["X-Session"] = "2"
        await echo(session)
        await echo(session, headers={"X-Caller": "c"})
        await echo(session, headers={"Connection": "close"})
        await echo(session, expect100=True)
        await echo(session, auth=lamella.BasicAuth("u", "p"))
        await echo(session)
    assert [h["X-Session"] for h in seen] == ["1", "1", "2", "2", "2", "2", "2", "2"]
    assert seen[3]["X-Caller"] == "c"
    assert "X-Caller" not in seen[4]
    assert seen[4]["Connection"] == "close"
    assert "Connection" not in seen[5]
    assert seen[5]["Expect"] == "100-continue"
    assert "Expect" not in seen[6]
    assert seen[6]["Authorization"] == "Basic dTpw"
    assert "Authorization" not in seen[7]
    assert seen[0] == seen[1]
    assert seen[2] == seen[7]


@pytest.mark.asyncio
async def test_a_pooled_request_does_not_ask_asyncio_for_the_running_loop(
    http_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On Python 3.11 asyncio.get_running_loop() makes a getpid() system
    # call; the deadline of a request is set on the connector's loop instead.
    import asyncio
    import sys

    calls: list[None] = []
    real = asyncio.get_running_loop

    def counting() -> asyncio.AbstractEventLoop:
        # The aiohttp.web server runs in this loop too: count lamella's calls only.
        if sys._getframe(1).f_globals.get("__name__", "").startswith("lamella"):
            calls.append(None)
        return real()

    async with ClientSession(timeout=lamella.ClientTimeout(total=30)) as session:
        async with session.get(http_server / "hello") as resp:
            await resp.read()
        monkeypatch.setattr(asyncio, "get_running_loop", counting)
        for _ in range(5):
            async with session.get(http_server / "hello") as resp:
                assert resp.status == 200
                await resp.read()
        monkeypatch.undo()
    assert calls == []


@pytest.mark.asyncio
async def test_a_copy_changed_by_a_middleware_sends_its_own_head(http_server: Any) -> None:
    # A copy sends the head kept from its shape only while its method, URL,
    # proxy, version and headers are untouched: a middleware's change shows.
    changes: list[str] = []

    async def middleware(req: ClientRequest, handler: Any) -> Any:
        change = changes.pop(0) if changes else ""
        if change == "header":
            req.headers["X-Added"] = "yes"
        elif change == "header removed":
            del req.headers["User-Agent"]
        elif change == "url":
            req.url = req.url.with_query(moved="1")
        elif change == "method":
            req.method = "PUT"
        elif change == "version":
            req.version = lamella.HttpVersion10
        return await handler(req)

    async with ClientSession(middlewares=(middleware,)) as session:

        async def send() -> dict[str, Any]:
            async with session.get(http_server / "echo") as resp:
                result: dict[str, Any] = await resp.json()
                return result

        plain = await send()
        for change in ("header", "header removed", "url", "method", "version"):
            changes.append(change)
            changed = await send()
            again = await send()
            assert again == plain, change  # the next copy is the shape's again
            headers = dict(changed["headers"])
            if change == "header":
                assert headers["X-Added"] == "yes"
            elif change == "header removed":
                assert "User-Agent" not in headers
            elif change == "url":
                assert changed["path"] == "/echo?moved=1"
            elif change == "method":
                assert changed["method"] == "PUT"
            else:
                assert changed["version"] == [1, 0]
        assert len(session._request_shapes) == 1
