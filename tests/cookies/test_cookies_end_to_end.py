"""ClientSession with the default jar against a real aiohttp.web server on loopback.

Named hosts (``app.test``, ``api.app.test``, ``other.test``) reach the same
127.0.0.1 server through :class:`LoopbackConnector`; ``127.0.0.1`` and
``localhost`` are also used directly, which is how ``unsafe`` is exercised.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trustme
from aiohttp import web
from cookie_helpers import LoopbackConnector
from yarl import URL

from lamella_cookies import CookieJar
from lamella_core import ClientSession


def _url(port: int, host: str = "app.test", path: str = "/", scheme: str = "http") -> URL:
    return URL.build(scheme=scheme, host=host, port=port).join(URL(path))


def _set(port: int, *fields: str, host: str = "app.test", scheme: str = "http") -> URL:
    return _url(port, host, "/set", scheme).with_query([("h", f) for f in fields])


async def _cookie_seen(session: ClientSession, url: URL) -> str | None:
    async with session.get(url) as resp:
        assert resp.status == 200
        body: dict[str, Any] = await resp.json()
        return body["cookie"]


@pytest.fixture
async def session() -> AsyncIterator[ClientSession]:
    async with ClientSession(connector=LoopbackConnector()) as s:
        yield s


async def test_default_jar_is_the_rfc6265_jar() -> None:
    async with ClientSession() as s:
        assert isinstance(s.cookie_jar, CookieJar)


async def test_cookies_are_kept_across_requests(session, cookie_server) -> None:
    async with session.get(_set(cookie_server, "sid=abc", "theme=dark; Path=/")) as resp:
        assert resp.cookies["sid"].value == "abc"
    assert await _cookie_seen(session, _url(cookie_server, path="/page")) == "sid=abc; theme=dark"
    assert await _cookie_seen(session, _url(cookie_server, path="/other")) == "sid=abc; theme=dark"


async def test_cookies_are_updated_and_deleted(session, cookie_server) -> None:
    await (await session.get(_set(cookie_server, "a=1", "b=2"))).release()
    await (await session.get(_set(cookie_server, "a=changed"))).release()
    assert await _cookie_seen(session, _url(cookie_server)) == "a=changed; b=2"
    await (await session.get(_set(cookie_server, "a=; Max-Age=0"))).release()
    assert await _cookie_seen(session, _url(cookie_server)) == "b=2"
    await (
        await session.get(_set(cookie_server, "b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT"))
    ).release()
    assert await _cookie_seen(session, _url(cookie_server)) is None
    assert len(session.cookie_jar) == 0


async def test_path_scoping(session, cookie_server) -> None:
    await (
        await session.get(_set(cookie_server, "admin=1; Path=/admin", "all=1; Path=/"))
    ).release()
    assert await _cookie_seen(session, _url(cookie_server, path="/admin/users")) == "admin=1; all=1"
    assert await _cookie_seen(session, _url(cookie_server, path="/administrator")) == "all=1"
    assert await _cookie_seen(session, _url(cookie_server, path="/")) == "all=1"


async def test_host_only_and_domain_cookies_across_hosts(session, cookie_server) -> None:
    await (
        await session.get(
            _set(cookie_server, "host=1", "dom=2; Domain=app.test", host="www.app.test")
        )
    ).release()
    assert await _cookie_seen(session, _url(cookie_server, "www.app.test")) == "host=1; dom=2"
    assert await _cookie_seen(session, _url(cookie_server, "api.app.test")) == "dom=2"
    assert await _cookie_seen(session, _url(cookie_server, "app.test")) == "dom=2"
    assert await _cookie_seen(session, _url(cookie_server, "other.test")) is None


async def test_cookies_set_across_redirects_and_hosts(session, cookie_server) -> None:
    # app.test sets a cookie and redirects to api.app.test, which sets one and
    # redirects to other.test, which sets one and redirects back to app.test.
    final = _url(cookie_server, "app.test", "/final")
    third = _url(cookie_server, "other.test", "/redirect").with_query(to=str(final), h="o=3")
    second = _url(cookie_server, "api.app.test", "/redirect").with_query(
        [("to", str(third)), ("h", "api=2"), ("h", "wide=2; Domain=app.test")]
    )
    first = _url(cookie_server, "app.test", "/redirect").with_query(to=str(second), h="a=1")
    async with session.get(first) as resp:
        body = await resp.json()
        assert [str(r.url.host) for r in resp.history] == ["app.test", "api.app.test", "other.test"]
    assert body["host"].startswith("app.test")
    assert (
        body["cookie"] == "a=1; wide=2"
    )  # neither api.app.test's host-only cookie nor other.test's
    assert await _cookie_seen(session, _url(cookie_server, "other.test")) == "o=3"
    assert await _cookie_seen(session, _url(cookie_server, "api.app.test")) == "api=2; wide=2"


async def test_cookie_deleted_during_a_redirect(session, cookie_server) -> None:
    await (await session.get(_set(cookie_server, "login=pending"))).release()
    final = _url(cookie_server, path="/done")
    start = _url(cookie_server, path="/redirect").with_query(to=str(final), h="login=; Max-Age=0")
    async with session.get(start) as resp:
        assert (await resp.json())["cookie"] is None


async def test_secure_cookies_only_over_https(cookie_server) -> None:
    # A TLS server on loopback for secure.test, beside the plain one.
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("secure.test").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)

    app = web.Application()

    async def handler(request: web.Request) -> web.Response:
        resp = web.json_response({"cookie": request.headers.get("Cookie")})
        if request.path == "/set":
            resp.headers.add("Set-Cookie", "token=s3cr3t; Secure; Path=/")
            resp.headers.add("Set-Cookie", "__Host-id=1; Secure; Path=/")
            resp.headers.add("Set-Cookie", "open=1; Path=/")
        return resp

    app.router.add_get("/{tail:.*}", handler)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_context)
    await site.start()
    tls_port = runner.addresses[0][1]
    try:
        async with ClientSession(connector=LoopbackConnector(tls=client_context)) as session:
            await (await session.get(_url(tls_port, "secure.test", "/set", "https"))).release()
            assert len(session.cookie_jar) == 3
            https_seen = await _cookie_seen(session, _url(tls_port, "secure.test", "/", "https"))
            assert https_seen == "token=s3cr3t; __Host-id=1; open=1"
            # The same host over plain http (the other server) gets only the open cookie.
            assert await _cookie_seen(session, _url(cookie_server, "secure.test")) == "open=1"
            # And plain http cannot set a Secure cookie.
            await (
                await session.get(_set(cookie_server, "forged=1; Secure", host="secure.test"))
            ).release()
            assert "forged" not in {m.key for m in session.cookie_jar}
    finally:
        await runner.cleanup()


async def test_ip_hosts_need_unsafe(cookie_server) -> None:
    async with ClientSession() as session:
        await (await session.get(_set(cookie_server, "a=1", host="127.0.0.1"))).release()
        assert len(session.cookie_jar) == 0
        assert await _cookie_seen(session, _url(cookie_server, "127.0.0.1")) is None
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        await (await session.get(_set(cookie_server, "a=1", host="127.0.0.1"))).release()
        assert await _cookie_seen(session, _url(cookie_server, "127.0.0.1")) == "a=1"
        # 127.0.0.1 and localhost are different hosts, although the same server.
        assert await _cookie_seen(session, _url(cookie_server, "localhost")) is None


async def test_localhost_keeps_its_cookies(cookie_server) -> None:
    # A real name resolution on loopback: localhost is a public suffix (an
    # unknown top-level name), so it gets host-only cookies only.
    async with ClientSession() as session:
        await (
            await session.get(_set(cookie_server, "a=1", "b=2; Domain=localhost", host="localhost"))
        ).release()
        assert await _cookie_seen(session, _url(cookie_server, "localhost")) == "a=1; b=2"
        assert session.cookie_jar.host_only_cookies == {
            ("localhost", "", "a"),
            ("localhost", "", "b"),
        }
        assert await _cookie_seen(session, _url(cookie_server, "127.0.0.1")) is None


async def test_session_cookies_argument_and_per_request_cookies(cookie_server) -> None:
    async with ClientSession(connector=LoopbackConnector(), cookies={"pref": "1"}) as session:
        assert await _cookie_seen(session, _url(cookie_server, "app.test")) == "pref=1"
        assert await _cookie_seen(session, _url(cookie_server, "other.test")) == "pref=1"
        seen = await _cookie_seen_with(session, _url(cookie_server), {"extra": "2"})
        assert seen is not None
        assert set(seen.split("; ")) == {"pref=1", "extra=2"}


async def _cookie_seen_with(
    session: ClientSession, url: URL, cookies: dict[str, str]
) -> str | None:
    async with session.get(url, cookies=cookies) as resp:
        return (await resp.json())["cookie"]


async def test_public_suffix_cookie_from_a_server_is_refused(session, cookie_server) -> None:
    await (
        await session.get(_set(cookie_server, "track=1; Domain=test", host="evil.test"))
    ).release()
    assert await _cookie_seen(session, _url(cookie_server, "victim.test")) is None
    assert len(session.cookie_jar) == 0


# CookieJar.save and .load are synchronous file I/O, as in aiohttp: the test
# calls them from a coroutine on purpose.
@pytest.mark.allow_blocking
async def test_jar_persists_between_sessions(cookie_server, tmp_path) -> None:
    async with ClientSession(connector=LoopbackConnector()) as session:
        await (await session.get(_set(cookie_server, "sid=abc; Max-Age=3600"))).release()
        session.cookie_jar.save(tmp_path / "jar.json")
    jar = CookieJar()
    jar.load(tmp_path / "jar.json")
    async with ClientSession(connector=LoopbackConnector(), cookie_jar=jar) as session:
        assert await _cookie_seen(session, _url(cookie_server)) == "sid=abc"
