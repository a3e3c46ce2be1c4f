"""Faults per route and at random, and what lamella raises for each (both parsers)."""

from __future__ import annotations

import pytest

from lamella_core import (
    ClientOSError,
    ClientPayloadError,
    ClientResponseError,
    ClientSession,
    ClientTimeout,
    ServerTimeoutError,
)
from lamella_testing import Fault, MockRouter, RandomFaults

URL = "http://faulty.example/data"
BODY = b"0123456789" * 100


async def outcome(session: ClientSession) -> str:
    """What one GET of URL ends in: "ok", or the exception class name and its phase."""
    try:
        resp = await session.get(URL)
    except Exception as exc:
        return f"head:{type(exc).__name__}"
    try:
        body = await resp.read()
    except Exception as exc:
        return f"body:{type(exc).__name__}"
    assert body == BODY
    return "ok"


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (Fault.RESET_BEFORE_HEAD, ClientOSError),
        (Fault.MALFORMED_HEAD, ClientResponseError),
    ],
)
async def test_faults_before_a_head_fail_the_request(fault, expected) -> None:
    with MockRouter() as mock:
        mock.get(URL, body=BODY, fault=fault)
        async with ClientSession() as session:
            with pytest.raises(expected) as info:
                await session.get(URL)
    if fault is Fault.MALFORMED_HEAD:
        assert info.value.status == 400


@pytest.mark.parametrize("fault", [Fault.RESET_AFTER_HEAD, Fault.TRUNCATED_BODY])
async def test_faults_after_the_head_fail_the_body(fault) -> None:
    with MockRouter() as mock:
        mock.get(URL, body=BODY, fault=fault, times=1)
        mock.get(URL, body=BODY)
        async with ClientSession() as session:
            async with session.get(URL) as resp:
                assert resp.status == 200
                with pytest.raises(ClientPayloadError):
                    await resp.read()
            assert await outcome(session) == "ok"  # a fresh connection, not the broken one


async def test_a_stall_ends_in_the_read_timeout() -> None:
    with MockRouter() as mock:
        mock.get(URL, body=BODY, fault=Fault.STALL)
        timeout = ClientTimeout(sock_read=0.1)
        async with ClientSession(timeout=timeout) as session:
            async with session.get(URL) as resp:
                with pytest.raises(ServerTimeoutError):
                    await resp.read()


async def test_a_slow_drip_delivers_everything_eventually() -> None:
    with MockRouter(drip_size=64, drip_delay=0) as mock:
        mock.get(URL, body=BODY, fault=Fault.SLOW_DRIP)
        async with ClientSession() as session:
            assert await outcome(session) == "ok"


async def test_a_slow_drip_trips_a_short_read_timeout() -> None:
    with MockRouter(drip_size=1, drip_delay=5) as mock:
        mock.get(URL, body=BODY, fault=Fault.SLOW_DRIP)
        async with ClientSession(timeout=ClientTimeout(sock_read=0.1)) as session:
            with pytest.raises(ServerTimeoutError):
                await session.get(URL)


async def run_random(seed: int) -> list[str]:
    faults = RandomFaults(
        rate=0.5, seed=seed, kinds=[Fault.RESET_BEFORE_HEAD, Fault.TRUNCATED_BODY]
    )
    with MockRouter(random_faults=faults) as mock:
        mock.get(URL, body=BODY)
        async with ClientSession() as session:
            return [await outcome(session) for _ in range(30)]


async def test_random_faults_are_reproducible_from_the_seed() -> None:
    first, again, other = await run_random(1), await run_random(1), await run_random(2)
    assert first == again
    assert first != other
    assert set(first) == {"ok", "head:ClientOSError", "body:ClientPayloadError"}


async def test_a_route_fault_takes_precedence_over_random_faults() -> None:
    with MockRouter(random_faults=RandomFaults(rate=1.0, kinds=[Fault.STALL])) as mock:
        mock.get(URL, body=BODY, fault=Fault.RESET_BEFORE_HEAD)
        async with ClientSession() as session:
            assert await outcome(session) == "head:ClientOSError"


def test_random_faults_validate_their_arguments() -> None:
    with pytest.raises(ValueError, match="rate"):
        RandomFaults(rate=1.5)
    with pytest.raises(ValueError, match="kinds"):
        RandomFaults(kinds=[])
