"""Waiting for a state instead of for a fixed time, in any test directory."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> None:
    """Return once ``check()`` is truthy; fail after ``timeout`` seconds.

    For states that change on the event loop with no event to wait on: a
    connector's ``stats()``, a server's counters, a transport closing.
    """
    async with asyncio.timeout(timeout):
        while not check():  # noqa: ASYNC110 - no event to wait on: poll the state
            await asyncio.sleep(0.005)
