"""The default jar comes from the hook: lamella-cookies' CookieJar, or a third party's.

``lamella-test-jar`` (tests/cookies/plugin_dist) is installed in the test
environment as an ordinary distribution with a ``lamella`` entry point, as an
outside author would ship it. It stays dormant until a test activates it.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator

import lamella_test_jar
import pytest
from cookie_helpers import LoopbackConnector
from yarl import URL

from lamella_cookies import CookieJar, _plugin
from lamella_core import ClientSession, DummyCookieJar, plugins


@pytest.fixture
def test_jar_active() -> Iterator[None]:
    lamella_test_jar.active = True
    try:
        yield
    finally:
        lamella_test_jar.active = False


def test_hook_builds_a_fresh_cookie_jar() -> None:
    first, second = _plugin.lamella_default_cookie_jar(), _plugin.lamella_default_cookie_jar()
    assert isinstance(first, CookieJar)
    assert first is not second


def test_lamella_cookies_answers_the_hook() -> None:
    jar = plugins.get_plugin_manager().hook.lamella_default_cookie_jar()
    assert isinstance(jar, CookieJar)


def test_third_party_distribution_is_installed_with_an_entry_point() -> None:
    (point,) = [
        ep for ep in importlib.metadata.entry_points(group="lamella") if ep.name == "test-jar"
    ]
    assert point.value == "lamella_test_jar"
    assert point.dist is not None
    assert point.dist.name == "lamella-test-jar"
    assert plugins.get_plugin_manager().get_plugin("test-jar") is lamella_test_jar


async def test_dormant_third_party_jar_leaves_the_default() -> None:
    async with ClientSession() as session:
        assert type(session.cookie_jar) is CookieJar


@pytest.mark.usefixtures("test_jar_active")
async def test_third_party_jar_is_used_by_client_session(cookie_server) -> None:
    async with ClientSession(connector=LoopbackConnector()) as session:
        jar = session.cookie_jar
        assert isinstance(jar, lamella_test_jar.RecordingJar)
        url = URL.build(scheme="http", host="app.test", port=cookie_server)
        await (await session.get((url / "set").with_query(h="k=v"))).release()
        async with session.get(url / "echo") as resp:
            assert (await resp.json())["cookie"] == "k=v"
    assert ("update", str((url / "set").with_query(h="k=v"))) in jar.calls
    assert ("filter", str(url / "echo")) in jar.calls


@pytest.mark.usefixtures("test_jar_active")
async def test_an_explicit_jar_still_wins() -> None:
    async with ClientSession(cookie_jar=DummyCookieJar()) as session:
        assert isinstance(session.cookie_jar, DummyCookieJar)
