"""Fixtures for the lamella-cookies tests: jars on a fake clock and a cookie-setting server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from cookie_helpers import Clock
from multidict import CIMultiDict

from lamella_cookies import CookieJar


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_jar(clock: Clock) -> Callable[..., CookieJar]:
    """Build jars whose expiry follows ``clock``."""

    def make(**kwargs: Any) -> CookieJar:
        jar = CookieJar(**kwargs)
        jar._clock = clock
        return jar

    return make


# --- a server that sets exactly the Set-Cookie fields it is asked for ---------


async def _set(request: web.Request) -> web.Response:
    """``/set?h=<Set-Cookie value>&h=...``: one Set-Cookie field per ``h``."""
    headers = CIMultiDict(("Set-Cookie", value) for value in request.query.getall("h", []))
    return web.Response(text="set", headers=headers)


async def _echo(request: web.Request) -> web.Response:
    """Anything else: the Cookie header and host the request arrived with."""
    body = {"cookie": request.headers.get("Cookie"), "host": request.host, "path": request.path}
    return web.Response(text=json.dumps(body), content_type="application/json")


async def _redirect(request: web.Request) -> web.Response:
    """``/redirect?to=<url>&h=...``: a 302 to ``to`` that also sets cookies."""
    headers = CIMultiDict(("Set-Cookie", value) for value in request.query.getall("h", []))
    headers["Location"] = request.query["to"]
    return web.Response(status=302, headers=headers)


@pytest.fixture
async def cookie_server() -> AsyncIterator[int]:
    """An aiohttp.web server on 127.0.0.1; yields its port."""
    app = web.Application()
    app.router.add_get("/set", _set)
    app.router.add_get("/redirect", _redirect)
    app.router.add_get("/{tail:.*}", _echo)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()
