"""The lamella_mock fixture, the checks when a router stops, and pass-through hosts."""

from __future__ import annotations

import re

import pytest

from lamella_core import ClientOSError, ClientSession
from lamella_testing import MockRouter, UnmatchedRequestError


async def test_the_fixture_answers_sessions(lamella_mock: MockRouter) -> None:
    lamella_mock.get("http://fixture.example/", body=b"from the fixture")
    async with ClientSession() as session, session.get("http://fixture.example/") as resp:
        assert await resp.read() == b"from the fixture"
    lamella_mock.assert_called("GET", "http://fixture.example/", times=1)


@pytest.mark.lamella_mock(assert_all_called=False)
async def test_the_marker_configures_the_fixture(lamella_mock: MockRouter) -> None:
    lamella_mock.get("http://fixture.example/never")
    assert lamella_mock.assert_all_called is False


async def test_an_unmatched_request_fails_the_call_and_the_router() -> None:
    mock = MockRouter().start()
    async with ClientSession() as session:
        with pytest.raises(UnmatchedRequestError, match=re.escape("GET http://nowhere.example/x")):
            await session.get("http://nowhere.example/x")
    assert [str(r.url) for r in mock.unmatched] == ["http://nowhere.example/x"]
    with pytest.raises(
        AssertionError, match=re.escape("no route matched GET http://nowhere.example/x")
    ):
        mock.stop()


async def test_a_route_never_called_fails_the_router() -> None:
    mock = MockRouter().start()
    mock.get("http://api.example/used")
    mock.post("http://api.example/unused")
    async with ClientSession() as session:
        await (await session.get("http://api.example/used")).release()
    with pytest.raises(
        AssertionError, match=re.escape("never called: POST http://api.example/unused")
    ):
        mock.stop()


async def test_both_checks_can_be_turned_off() -> None:
    with MockRouter(assert_all_called=False, assert_all_matched=False) as mock:
        mock.get("http://api.example/unused")
        async with ClientSession() as session:
            with pytest.raises(UnmatchedRequestError):
                await session.get("http://api.example/other")


async def test_a_failing_block_is_not_masked_by_the_checks() -> None:
    def fail_inside() -> None:
        with MockRouter() as mock:
            mock.get("http://api.example/unused")  # never called: not reported over the KeyError
            raise KeyError("the test's own failure")

    with pytest.raises(KeyError):
        fail_inside()


async def test_assert_called_reports_what_it_saw() -> None:
    with MockRouter() as mock:
        mock.get("http://api.example/a")
        async with ClientSession() as session:
            await (await session.get("http://api.example/a")).release()
        with pytest.raises(
            AssertionError, match=re.escape("expected GET http://api.example/a 2 times, got 1")
        ):
            mock.assert_called("GET", "http://api.example/a", times=2)
        with pytest.raises(AssertionError, match="at least once, got 0"):
            mock.assert_called("POST", "http://api.example/a")


async def test_sessions_created_after_stop_use_the_network_connector() -> None:
    with MockRouter() as mock:
        mock.get("http://api.example/")
        async with ClientSession() as session:
            assert type(session.connector).__name__ == "MockConnector"
            await (await session.get("http://api.example/")).release()
    async with ClientSession() as session:
        assert type(session.connector).__name__ != "MockConnector"


async def test_passthrough_hosts_reach_the_real_server(http_server) -> None:
    with MockRouter(passthrough=["127.0.0.1"]) as mock:
        mock.get("http://api.example/mocked", body=b"mocked")
        async with ClientSession() as session:
            async with session.get(http_server / "hello") as resp:
                assert await resp.text() == "Hello, world!"
            async with session.get("http://api.example/mocked") as resp:
                assert await resp.read() == b"mocked"
    assert [str(r.url) for r in mock.requests] == ["http://api.example/mocked"]


async def test_nested_routers_the_inner_one_answers() -> None:
    with MockRouter() as outer:
        outer.get("http://api.example/", body=b"outer")
        with MockRouter() as inner:
            inner.get("http://api.example/", body=b"inner")
            async with ClientSession() as session, session.get("http://api.example/") as resp:
                assert await resp.read() == b"inner"
        async with ClientSession() as session, session.get("http://api.example/") as resp:
            assert await resp.read() == b"outer"


async def test_a_failing_callback_resets_the_request_and_fails_the_router() -> None:
    def broken(request):
        raise LookupError("no such fixture data")

    mock = MockRouter().start()
    mock.get("http://api.example/broken", callback=broken)
    mock.get("http://api.example/wrong", callback=lambda request: {"not": "a Reply"})
    async with ClientSession() as session:
        for path in ("broken", "wrong"):
            with pytest.raises(ClientOSError):
                await session.get(f"http://api.example/{path}")
    assert [type(exc) for exc in mock.errors] == [LookupError, TypeError]
    with pytest.raises(AssertionError, match="a route raised LookupError"):
        mock.stop()
