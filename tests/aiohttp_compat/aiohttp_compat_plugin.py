"""The pytest plugin of the compatibility job (loaded with ``-p aiohttp_compat_plugin``).

Two things:

- aiohttp's ``TestClient`` (behind the ``aiohttp_client`` fixture, and used
  directly by some tests) builds its session as ``ClientSession(...)`` and
  its cookie jar as ``aiohttp.CookieJar(...)``, both looked up in the
  globals of ``aiohttp.test_utils``. Pointing those two globals at lamella
  makes every request a test client sends a lamella request; its
  ``_RequestContextManager`` only wraps the coroutine that awaits lamella's
  ``session.request()``, so the response the test sees is lamella's. The
  server side (``TestServer``, ``aiohttp.web``) stays aiohttp's.
- every test's outcome, and the one line that says why it failed, is
  written to the JSON file named by ``LAMELLA_COMPAT_RESULTS`` for run.py.

A server handler that builds its body from a client name the shim gives
lamella's (``web.Response(body=aiohttp.JsonPayload(data))``) hands
``aiohttp.web`` one of lamella's in-memory payloads: aiohttp's payload
registry is taught to send its bytes, as the handler meant aiohttp's own.

aiohttp's pytest plugin runs a coroutine test that has no ``loop`` fixture
in a loop of its own, which it tears down only when the test passes; the
loop of a failed one (a test listed as failing) would be reported as
"unclosed event loop" in whichever test next collects garbage. The plugin
tears that loop down in every case.

After each test, what a failed test's traceback kept alive is freed, so
that a finaliser's "Exception ignored" fails the test that made the object
rather than the next test on the same worker.

Before any test, each process makes one ``ClientSession`` inside a running
loop under the blocking-I/O detector: the first session of a process loads
lamella's plugins, and whatever that does is then reported once, as the
outcome of ``FIRST_SESSION``, instead of failing whichever aiohttp test
happens to come first on each xdist worker (which would change from run to
run).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import aiohttp.payload
import aiohttp.test_utils
import aiohttp_compat_shim
import pytest
from aiohttp_compat_rewrite import LAMELLA_PACKAGES

import lamella
from lamella_core.plugins import get_plugin_manager

aiohttp.test_utils.ClientSession = lamella.ClientSession  # type: ignore[misc]
aiohttp.test_utils.aiohttp = aiohttp_compat_shim.module("")  # type: ignore[attr-defined]


def _server_payload(value: lamella.Payload, *args: Any, **kwargs: Any) -> aiohttp.payload.Payload:
    """aiohttp's payload for one of lamella's in-memory payloads a server handler built."""
    if value.data is None:
        raise aiohttp.payload.LookupError(f"a streamed {type(value).__name__} in a server handler")
    kwargs.setdefault("content_type", value.content_type)
    return aiohttp.payload.BytesPayload(value.data, *args, **kwargs)


aiohttp.payload.PAYLOAD_REGISTRY.register(_server_payload, lamella.Payload)


@contextlib.contextmanager
def _passthrough_loop_context(
    loop: asyncio.AbstractEventLoop | None, fast: bool = False
) -> Iterator[asyncio.AbstractEventLoop]:
    """aiohttp's helper of that name, tearing its own loop down also when the test fails."""
    if loop:
        yield loop
        return
    loop = aiohttp.test_utils.setup_test_loop()
    try:
        yield loop
    finally:
        aiohttp.test_utils.teardown_test_loop(loop, fast=fast)


def pytest_collection_finish(session: pytest.Session) -> None:
    # aiohttp's conftest has loaded its plugin by now (imported earlier, its
    # asserts would not be rewritten).
    sys.modules["aiohttp.pytest_plugin"]._passthrough_loop_context = _passthrough_loop_context


_outcomes: dict[str, dict[str, Any]] = {}

FIRST_SESSION = "lamella::the first ClientSession() of a process, in a running loop"


def pytest_configure(config: pytest.Config) -> None:
    # blockbuster is the compat env's (aiohttp's suite needs it), so it is
    # imported here, where the job runs, not by everything importing this.
    from blockbuster import BlockingError, blockbuster_ctx

    async def first_session() -> None:
        with blockbuster_ctx(list(LAMELLA_PACKAGES)):
            await lamella.ClientSession().close()

    try:
        asyncio.run(first_session())
    except BlockingError as exc:
        _outcomes[FIRST_SESSION] = {"outcome": "failed", "why": f"call: BlockingError: {exc}"}
    else:
        _outcomes[FIRST_SESSION] = {"outcome": "passed"}
    # Outside the loop now, so that the detector's interruption above does
    # not leave the loading to the first test.
    get_plugin_manager()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    # pytest keeps a failed test's exception in sys.last_value until the
    # next test starts, so what the traceback holds (a half-built session,
    # say) is freed, and its finaliser's "Exception ignored" reported, in
    # whichever test runs next on that worker. Freed here, it is reported
    # in the test that made it, before pytest's own check of this phase.
    for name in ("last_type", "last_value", "last_traceback", "last_exc"):
        if hasattr(sys, name):
            delattr(sys, name)
    gc.collect()


def _why(report: pytest.TestReport | pytest.CollectReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        where = os.path.basename(str(crash.path))
        return f"{crash.message.splitlines()[0] if crash.message else ''} [{where}:{crash.lineno}]"
    text = str(report.longrepr).strip().splitlines()
    return text[-1] if text else ""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    previous = _outcomes.get(report.nodeid)
    if previous is not None and previous["outcome"] != "passed":
        return  # the first phase that did not pass decides
    if report.failed:
        outcome = "failed"
    elif report.skipped:
        outcome = "xfailed" if hasattr(report, "wasxfail") else "skipped"
    elif report.when == "call" or previous is None:
        outcome = "passed"
    else:
        return
    entry: dict[str, Any] = {"outcome": outcome}
    if outcome == "failed":
        entry["why"] = f"{report.when}: {_why(report)}"
    _outcomes[report.nodeid] = entry


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        _outcomes[report.nodeid] = {"outcome": "failed", "why": f"collect: {_why(report)}"}


def pytest_sessionfinish(session: pytest.Session) -> None:
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller has every report
    path = os.environ.get("LAMELLA_COMPAT_RESULTS")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(_outcomes, out, indent=0, sort_keys=True)
