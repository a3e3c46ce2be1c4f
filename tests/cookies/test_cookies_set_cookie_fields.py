"""Set-Cookie fields read as aiohttp 3.14 reads them, over loopback.

Attributes separated by spaces instead of ``;``, a Max-Age beyond any date,
cookie names that are attribute words in ``ClientResponse.cookies``, fields
with unknown attributes across a redirect chain, per-request Secure cookies
and the jar's trusted origins, and a site setting one name for two domains.
The servers are aiohttp.web apps on 127.0.0.1.
"""

from __future__ import annotations

from http.cookies import Morsel
from typing import Any

from aiohttp import web
from cookie_helpers import LoopbackConnector
from yarl import URL

from lamella_cookies import CookieJar
from lamella_core import ClientSession
from web_peers import serve


def _setting(port: int, *fields: str, host: str = "127.0.0.1") -> URL:
    return URL.build(scheme="http", host=host, port=port, path="/set").with_query(
        [("h", field) for field in fields]
    )


async def test_attributes_separated_by_spaces_are_read(cookie_server: int, make_jar, clock) -> None:
    # "Path=/ Expires=..." is two attributes, as aiohttp reads it, not a path.
    fields = [
        "keep=1",
        "gone=2; HttpOnly; Path=/ Expires=Tue, 1 Jan 1980 12:00:00 GMT; ",
        "brief=3; HttpOnly; Path=/ Max-Age=5; ",
        "far=4; HttpOnly; Path=/ Max-Age=253402300800; ",
    ]
    jar = make_jar(unsafe=True)
    async with ClientSession(cookie_jar=jar) as session:
        async with session.get(_setting(cookie_server, *fields)) as resp:
            assert resp.status == 200
            assert resp.cookies["brief"]["max-age"] == "5"
            assert resp.cookies["brief"]["path"] == "/"
        by_name = {m.key: m for m in jar}
        assert sorted(by_name) == ["brief", "far", "keep"]
        assert by_name["far"]["max-age"] == "253402300800"  # kept as sent, no overflow
        clock.advance(6)
        assert sorted(m.key for m in jar) == ["far", "keep"]


async def test_response_cookies_are_one_per_field(cookie_server: int) -> None:
    base = URL(f"http://127.0.0.1:{cookie_server}/")
    fields = ["path=unquoted", 'secure="quoted"', "sid=1; junk=" + "x" * 2000]
    final = base / "echo"
    start = (base / "redirect").with_query([("to", str(final))] + [("h", f) for f in fields])
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        async with session.get(start) as resp:
            cookies = resp.history[0].cookies
            # An attribute word is a name in first place; junk=... is no cookie.
            assert sorted((m.key, m.value) for m in cookies.values()) == [
                ("path", "unquoted"),
                ("secure", "quoted"),
                ("sid", "1"),
            ]
            assert cookies["path"]["path"] == ""
            sent: str = (await resp.json())["cookie"]
    assert sorted(sent.split("; ")) == ["path=unquoted", 'secure="quoted"', "sid=1"]


async def test_cookies_across_a_long_redirect_chain_stay_bounded() -> None:
    hops, per_response = 10, 20
    received: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        received.append(request.headers.get("Cookie", ""))
        count = int(request.match_info["count"])
        if count:
            response = web.Response(status=302, headers={"Location": f"/hop/{count - 1}"})
        else:
            response = web.Response()
        for index in range(per_response):
            response.headers.add("Set-Cookie", f"c{count}_{index}=v; junk={'x' * 7400}")
        return response

    app = web.Application()
    app.router.add_get(r"/hop/{count:\d+}", handler)
    jar = CookieJar(unsafe=True)
    async with serve(app) as base, ClientSession(cookie_jar=jar) as session:
        async with session.get(base / f"hop/{hops}", max_redirects=hops + 1) as resp:
            assert resp.status == 200
            assert len(resp.history) == hops
            assert len(resp.cookies) == per_response
    # 220 cookies for one host: trimmed to 150 at 181, then 20 more.
    assert 150 < len(jar) <= 180
    assert len(received) == hops + 1
    assert all(len(f"Cookie: {value}".encode()) <= 8190 for value in received)
    assert max(len(value.split("; ")) for value in received) <= 150


def _secure_morsel(name: str, value: str) -> Morsel[str]:
    morsel: Morsel[str] = Morsel()
    morsel.set(name, value, value)
    morsel["secure"] = True
    return morsel


async def test_request_secure_cookies_go_to_the_jars_trusted_origins(cookie_server: int) -> None:
    base = URL(f"http://127.0.0.1:{cookie_server}/")
    cookies: dict[str, Any] = {"auth": _secure_morsel("auth", "token"), "plain": "ok"}
    trusting = CookieJar(unsafe=True, treat_as_secure_origin=[base])
    elsewhere = CookieJar(unsafe=True, treat_as_secure_origin=URL("http://example.test"))
    seen: list[str] = []
    for jar in (trusting, elsewhere):
        async with ClientSession(cookie_jar=jar) as session:
            async with session.get(base / "echo", cookies=cookies) as resp:
                seen.append((await resp.json())["cookie"])
    assert seen == ["auth=token; plain=ok", "plain=ok"]


async def test_one_name_for_two_domains_over_http(cookie_server: int) -> None:
    # An Amazon-like login page; its Secure cookies are refused over plain
    # http (a deliberate difference from aiohttp, docs/migration.md).
    fields = [
        "session-id=1; Domain=.amazon.test; Path=/; Secure; HttpOnly",
        "session-id=2; Domain=.www.amazon.test; Path=/; HttpOnly",
        "session-id-time=3l; Domain=.amazon.test; Path=/; Secure",
        "session-id-time=4l; Domain=.www.amazon.test; Path=/",
        'token="Am81ywsJ69xObBnuJ2FbilVH0mg="; Domain=.amazon.test; Path=/; Secure',
        "lc=it_IT; Domain=.amazon.test; Expires=Mon, 31-May-2100 10:00:00 GMT; Path=/",
    ]
    async with ClientSession(connector=LoopbackConnector()) as session:
        url = _setting(cookie_server, *fields, host="www.amazon.test")
        async with session.get(url) as resp:
            assert sorted(resp.cookies) == ["lc", "session-id", "session-id-time", "token"]
            assert resp.cookies["session-id"].value == "2"  # the last field of a name
        stored = sorted((m.key, m["domain"]) for m in session.cookie_jar)
    assert stored == [
        ("lc", "amazon.test"),
        ("session-id", "www.amazon.test"),
        ("session-id-time", "www.amazon.test"),
    ]
