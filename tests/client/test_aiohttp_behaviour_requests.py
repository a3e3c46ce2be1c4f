"""Request behaviour that matches aiohttp's, seen by a real aiohttp.web server:
payload headers, ``streamer``, the large-bytes warning, the default head
limit, upload progress of compressed bodies, session timeouts and the
connector's event loop."""

from __future__ import annotations

import asyncio
import io
import warnings

import pytest
from aiohttp import web

import lamella
from lamella import ClientSession, ClientTimeout, UploadTracker, get_payload
from web_peers import serve


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    return web.json_response(
        {"headers": dict(request.headers), "size": len(body), "body": body[:64].decode("latin-1")}
    )


def _app(**routes: object) -> web.Application:
    app = web.Application(client_max_size=8 * 2**20)
    app.router.add_route("*", "/", _echo)
    for path, handler in routes.items():
        app.router.add_get(f"/{path}", handler)  # type: ignore[arg-type]
    return app


async def test_a_payloads_headers_reach_the_server_where_the_request_sets_none(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"hello")
    async with serve(_app()) as url, ClientSession() as session:
        with path.open("rb") as f:
            async with session.post(url, data=get_payload(f, disposition="inline")) as resp:
                got = await resp.json()
        assert got["headers"]["Content-Disposition"] == 'inline; filename="notes.txt"'
        payload = lamella.BytesPayload(b"abc", headers={"X-Part": "p", "Content-Length": "99"})
        mine = {"X-Part": "mine"}
        async with session.post(url, data=payload, headers=mine) as resp:
            got = await resp.json()
        assert got["headers"]["X-Part"] == "mine"  # the caller's header wins
        assert got["headers"]["Content-Length"] == "3"  # framing is never copied
        with path.open("rb") as f:  # a bare file is no attachment, as in aiohttp
            async with session.post(url, data=f) as resp:
                got = await resp.json()
        assert "Content-Disposition" not in got["headers"]


async def test_streamer_warns_and_sends_what_it_writes():
    with pytest.warns(DeprecationWarning, match="@streamer is deprecated"):

        @lamella.streamer
        async def pieces(writer, n):
            for i in range(n):
                await writer.write(b"%d," % i)

    with pytest.warns(DeprecationWarning, match="@streamer is deprecated"):

        @lamella.streamer
        async def fixed(writer):
            await writer.write(b"xyz")

    async with serve(_app()) as url, ClientSession() as session:
        async with session.post(url, data=pieces(3)) as resp:
            got = await resp.json()
        assert got["body"] == "0,1,2,"
        assert got["headers"]["Transfer-Encoding"] == "chunked"
        async with session.post(url, data=fixed, headers={"Content-Length": "3"}) as resp:
            got = await resp.json()
        assert (got["body"], got["headers"]["Content-Length"]) == ("xyz", "3")


async def test_a_bytes_body_over_one_mib_warns_as_aiohttp_does():
    async with serve(_app()) as url, ClientSession() as session:
        with pytest.warns(ResourceWarning, match="io.BytesIO"):
            async with session.post(url, data=b"0" * (2**20 + 1)) as resp:
                assert (await resp.json())["size"] == 2**20 + 1
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            async with session.post(url, data=b"0" * 2**20) as resp:  # the threshold itself
                assert (await resp.json())["size"] == 2**20
            async with session.post(url, data=io.BytesIO(b"0" * (2**20 + 1))) as resp:
                assert resp.status == 200


async def test_max_headers_defaults_to_aiohttps_128():
    async def many(request: web.Request) -> web.Response:
        count = int(request.query["n"])
        return web.Response(headers={f"Custom-{i}": "x" for i in range(count)})

    async with serve(_app(many=many)) as url, ClientSession() as session:
        assert session.limits.max_headers == 128
        # aiohttp.web adds Content-Length, Content-Type, Date and Server.
        async with session.get(url / "many", params={"n": "124"}) as resp:
            assert resp.status == 200
        with pytest.raises(lamella.ResponseHeadTooLarge):
            await session.get(url / "many", params={"n": "129"})


@pytest.mark.parametrize("streamed", [False, True], ids=["in-memory", "streamed"])
async def test_upload_progress_counts_bytes_before_compression(streamed):
    body = b"x" * 200_000

    async def pieces():
        for start in range(0, len(body), 50_000):
            yield body[start : start + 50_000]

    async with serve(_app()) as url, ClientSession() as session:
        tracker = UploadTracker()
        data = pieces() if streamed else body
        async with session.post(url, data=data, compress="deflate", upload_tracker=tracker) as r:
            got = await r.json()
        assert got["headers"]["Content-Encoding"] == "deflate"
        assert got["size"] == len(body)  # aiohttp.web inflated what came compressed
        assert tracker.bytes_written == len(body)  # the body's bytes, not the wire's
        assert tracker.upload_complete.result() is None


async def test_session_timeout_takes_a_client_timeout_only():
    for wrong in (5, 0.5, "5"):
        with pytest.raises(ValueError, match="timeout parameter cannot be of"):
            ClientSession(timeout=wrong)  # type: ignore[arg-type]
    from lamella.client import DEFAULT_TIMEOUT

    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(float(request.query["delay"]))
        return web.Response(text="late")

    async with serve(_app(slow=slow)) as url, ClientSession() as session:
        assert session.timeout == DEFAULT_TIMEOUT == ClientTimeout(total=300, sock_connect=30)
        # Per request a number is the total, as in aiohttp.
        with pytest.raises(asyncio.TimeoutError):
            await session.get(url / "slow", params={"delay": "5"}, timeout=0.2)
        async with session.get(url / "slow", params={"delay": "0"}, timeout=5) as resp:
            assert await resp.text() == "late"


def test_a_connector_of_another_running_loop_is_refused():
    async def make() -> lamella.TCPConnector:
        return lamella.TCPConnector()

    other = asyncio.new_event_loop()
    try:
        connector = other.run_until_complete(make())

        async def use() -> None:
            with pytest.raises(RuntimeError, match="Session and connector has to use same"):
                ClientSession(connector=connector)

        asyncio.run(use())
        other.run_until_complete(connector.close())
    finally:
        other.close()
    loose = lamella.TCPConnector()  # made outside any loop: any session may take it

    async def take() -> None:
        async with ClientSession(connector=loose) as session:
            assert session.connector is loose

    asyncio.run(take())


async def test_a_dropped_session_is_freed_at_once_as_aiohttps_is():
    # No reference cycle through the session: its unclosed-session warning comes
    # when the last reference goes, not at some later garbage collection.
    import gc
    import weakref

    async with serve(_app()) as url:
        session = ClientSession()
        async with session.get(url) as resp:
            assert resp.status == 200
        del resp
        await session.close()  # closed, so dropping it is quiet; the point is when it goes
        ref = weakref.ref(session)
        gc.disable()
        try:
            del session
            assert ref() is None
        finally:
            gc.enable()
