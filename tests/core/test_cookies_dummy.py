"""Tests for ``lamella_core._cookies.DummyCookieJar`` and the ``lamella_core.abc`` interfaces."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator, Mapping
from http.cookies import BaseCookie, Morsel, SimpleCookie

import pytest
from aiohttp import web
from yarl import URL

from lamella_core import ClientSession, abc
from lamella_core._cookies import DummyCookieJar
from lamella_core.abc import (
    AbstractCookieJar,
    AbstractResolver,
    ClearCookiePredicate,
    LooseCookies,
    ResolveResult,
)
from web_peers import serve


def test_dummy_jar_is_empty_and_stays_empty() -> None:
    jar = DummyCookieJar()
    jar.update_cookies({"a": "1"}, URL("http://example.com"))
    jar.update_cookies(SimpleCookie("b=2"))
    jar.update_cookies_from_headers(["c=3; Path=/"], URL("http://example.com"))
    assert len(jar) == 0
    assert list(jar) == []
    filtered = jar.filter_cookies(URL("http://example.com/"))
    assert isinstance(filtered, SimpleCookie)
    assert not filtered


def test_dummy_jar_properties() -> None:
    jar = DummyCookieJar()
    assert jar.quote_cookie is True
    assert jar.unsafe is False
    assert jar.cookies == {}
    assert jar.host_only_cookies == frozenset()
    assert jar.treat_as_secure_origin == frozenset()
    assert repr(jar) == "<DummyCookieJar>"


def test_dummy_jar_clear_is_harmless() -> None:
    jar = DummyCookieJar()
    jar.clear()
    jar.clear(lambda morsel: True)
    jar.clear_domain("example.com")
    assert len(jar) == 0


def test_dummy_jar_needs_no_running_loop() -> None:
    DummyCookieJar()


@pytest.mark.asyncio
async def test_dummy_jar_remembers_the_running_loop() -> None:
    jar = DummyCookieJar()
    assert jar._loop is asyncio.get_running_loop()


def test_dummy_jar_is_an_abstract_cookie_jar() -> None:
    assert isinstance(DummyCookieJar(), AbstractCookieJar)


def test_abstract_cookie_jar_requires_the_core_methods() -> None:
    class Incomplete(AbstractCookieJar):
        def __len__(self) -> int:
            return 0

        def __iter__(self) -> Iterator[Morsel[str]]:
            return iter(())

    with pytest.raises(TypeError):
        Incomplete()  # type: ignore[abstract]


class MemoryJar(AbstractCookieJar):
    """The smallest useful jar: one flat SimpleCookie, no domain matching."""

    def __init__(self) -> None:
        super().__init__()
        self.store: SimpleCookie = SimpleCookie()
        self.origins: list[URL] = []

    def __len__(self) -> int:
        return len(self.store)

    def __iter__(self) -> Iterator[Morsel[str]]:
        return iter(self.store.values())

    @property
    def quote_cookie(self) -> bool:
        return True

    def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
        for name, morsel in list(self.store.items()):
            if predicate is None or predicate(morsel):
                del self.store[name]

    def clear_domain(self, domain: str) -> None:
        self.clear(lambda morsel: morsel["domain"] == domain)

    def update_cookies(self, cookies: LooseCookies, response_url: URL = URL()) -> None:  # noqa: B008
        self.origins.append(response_url)
        pairs = cookies.items() if isinstance(cookies, Mapping) else cookies
        for name, value in pairs:
            self.store[name] = value.value if isinstance(value, Morsel) else str(value)

    def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
        return self.store


def test_update_cookies_from_headers_default_parses_each_field() -> None:
    jar = MemoryJar()
    url = URL("http://example.com/")
    jar.update_cookies_from_headers(["a=1; Path=/", "b=2; HttpOnly", "=broken\x00"], url)
    assert sorted(morsel.key for morsel in jar) == ["a", "b"]
    assert jar.origins == [url]
    jar.update_cookies_from_headers([], url)
    assert jar.origins == [url]


class RecordingJar(MemoryJar):
    """A MemoryJar that keeps what each ``update_cookies`` call was given."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[object] = []

    def update_cookies(self, cookies: LooseCookies, response_url: URL = URL()) -> None:  # noqa: B008
        self.calls.append(cookies)
        super().update_cookies(cookies, response_url)


async def test_a_custom_jar_gets_name_morsel_pairs_of_a_response() -> None:
    async def handler(request: web.Request) -> web.Response:
        response = web.Response()  # set_cookie() would keep only one "id"
        response.headers.add("Set-Cookie", "id=root; Path=/")
        response.headers.add("Set-Cookie", "id=api; Path=/api")
        return response

    app = web.Application()
    app.router.add_get("/", handler)
    jar = RecordingJar()
    async with serve(app) as url, ClientSession(cookie_jar=jar) as session:
        async with session.get(url) as resp:
            assert resp.status == 200
    # As from aiohttp: a list of (name, Morsel), both cookies of one name kept.
    [pairs] = jar.calls
    assert isinstance(pairs, list)
    assert [(name, m.value, m["path"]) for name, m in pairs] == [
        ("id", "root", "/"),
        ("id", "api", "/api"),
    ]


def test_abstract_resolver_contract() -> None:
    class Static(AbstractResolver):
        async def resolve(
            self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
        ) -> list[ResolveResult]:
            return [
                ResolveResult(
                    hostname=host,
                    host="127.0.0.1",
                    port=port,
                    family=family,
                    proto=0,
                    flags=socket.AI_NUMERICHOST,
                )
            ]

        async def close(self) -> None:
            return None

    async def scenario() -> list[ResolveResult]:
        resolver = Static()
        try:
            return await resolver.resolve("localhost", 80)
        finally:
            await resolver.close()

    [result] = asyncio.run(scenario())
    assert result["host"] == "127.0.0.1"
    assert result["port"] == 80
    assert result["family"] == socket.AF_INET

    with pytest.raises(TypeError):
        AbstractResolver()  # type: ignore[abstract]


def test_abc_exports() -> None:
    assert sorted(abc.__all__) == abc.__all__
    for name in abc.__all__:
        assert hasattr(abc, name)
