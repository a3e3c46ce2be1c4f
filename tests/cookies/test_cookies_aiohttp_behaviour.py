"""Cookies where lamella must do what aiohttp 3.14 does, over loopback.

Morsels given per request or per session, ``quote_cookie=False`` and cookie
names that are also attribute words; the server is the aiohttp.web app of
``conftest.cookie_server``, which echoes the Cookie header it received.
"""

from __future__ import annotations

from http.cookies import Morsel
from typing import Any

import pytest
from yarl import URL

from lamella_cookies import CookieJar
from lamella_core import ClientSession


def _morsel(key: str, value: str, **attributes: Any) -> Morsel[str]:
    morsel: Morsel[str] = Morsel()
    morsel.set(key, value, value)
    for name, attribute in attributes.items():
        morsel[name] = attribute
    return morsel


async def _seen(session: ClientSession, url: URL, **kwargs: Any) -> str | None:
    async with session.get(url, **kwargs) as resp:
        body: dict[str, Any] = await resp.json()
        return body["cookie"]


def _base(port: int) -> URL:
    return URL(f"http://127.0.0.1:{port}/")


@pytest.mark.asyncio
async def test_request_morsels_go_under_their_own_key_and_attributes(cookie_server: int) -> None:
    url = _base(cookie_server) / "echo"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        assert await _seen(session, url, cookies={"filed": _morsel("real", "v")}) == "real=v"
        # A Secure cookie never travels over plain http.
        secure = {"s": _morsel("s", "1", secure=True), "plain": "2"}
        assert await _seen(session, url, cookies=secure) == "plain=2"
        assert await _seen(session, url, cookies={"s": _morsel("s", "1", secure=True)}) is None
        elsewhere = {"d": _morsel("d", "1", domain="other.test"), "p": _morsel("p", "2", path="/x")}
        assert await _seen(session, url, cookies=elsewhere) is None
        here = {"p": _morsel("p", "2", path="/echo")}
        assert await _seen(session, url, cookies=here) == "p=2"


@pytest.mark.asyncio
async def test_session_morsels_are_stored_under_their_own_key(cookie_server: int) -> None:
    cookies = {"x": _morsel("real", "v"), "y": _morsel("sec", "w", secure=True)}
    async with ClientSession(cookies=cookies, cookie_jar=CookieJar(unsafe=True)) as session:
        assert sorted(m.key for m in session.cookie_jar) == ["real", "sec"]
        assert await _seen(session, _base(cookie_server) / "echo") == "real=v"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("quote", "expected"),
    [(True, 'q="a b"; plain=1'), (False, "q=a b; plain=1")],
)
async def test_quote_cookie_false_sends_values_as_stored(
    cookie_server: int, quote: bool, expected: str
) -> None:
    base = _base(cookie_server)
    jar = CookieJar(unsafe=True, quote_cookie=quote)
    async with ClientSession(cookie_jar=jar) as session:
        setting = (base / "set").with_query([("h", 'q="a b"'), ("h", "plain=1")])
        async with session.get(setting) as resp:
            await resp.read()
        assert await _seen(session, base / "echo") == expected
        # The request's own cookies follow the jar's quoting too, as in aiohttp.
        sent = await _seen(session, base / "other", cookies={"r": "c d"})
        assert sent == expected + ('; r="c d"' if quote else "; r=c d")


@pytest.mark.asyncio
async def test_cookie_names_that_are_attribute_words_are_kept(cookie_server: int) -> None:
    base = _base(cookie_server)
    fields = ["path=p1; Path=/", "secure=s1", "domain=d1", "expires=e1", "max-age=m1"]
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as session:
        async with session.get((base / "set").with_query([("h", f) for f in fields])) as resp:
            await resp.read()
        jar = session.cookie_jar
        assert sorted((m.key, m.value) for m in jar) == [
            ("domain", "d1"),
            ("expires", "e1"),
            ("max-age", "m1"),
            ("path", "p1"),
            ("secure", "s1"),
        ]
        # The attribute named like the cookie is still the attribute.
        assert next(m for m in jar if m.key == "path")["path"] == "/"
        seen = await _seen(session, base / "echo")
        assert seen is not None
        assert sorted(seen.split("; ")) == [
            "domain=d1",
            "expires=e1",
            "max-age=m1",
            "path=p1",
            "secure=s1",
        ]


def test_filter_cookies_defaults_to_the_shared_cookies() -> None:
    jar = CookieJar()
    jar.update_cookies({"shared": "1"})
    assert jar.filter_cookies().output() == "Set-Cookie: shared=1"
    with pytest.warns(DeprecationWarning, match="filter_cookies expects yarl.URL"):
        found = jar.filter_cookies("http://example.test/")  # type: ignore[arg-type]
    assert found["shared"].value == "1"
