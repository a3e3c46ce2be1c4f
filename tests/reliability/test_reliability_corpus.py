"""The malformed-response corpus, run through the whole client and both parsers.

Each case in ``corpus/cases.json`` names a file of exact response bytes,
how the server sends them and what the client must make of them (see
``make_corpus.py``). For every case and parser the test checks:

* the outcome: a response with the given status, headers and body, or the
  named exception, raised in the named phase (request or ``read()``);
* that nothing hangs (each case runs under a 10-second cap);
* that the connection went back to the pool only in a good state: a
  follow-up request on the same session gets the follow-up response, on
  the same connection when the case allows keep-alive, on a new one when
  it does not, and the pool lends nothing afterwards.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from reliability_helpers import FOLLOW, PARSERS, scripted_server, use_parser

import lamella_core._limits as limits_module
import lamella_core.exceptions as exceptions_module
from lamella_core import ClientSession, ClientTimeout

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES: dict[str, dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text("utf-8"))


def _params() -> list[Any]:
    params = []
    for name, spec in sorted(CASES.items()):
        marks = []
        if "xfail" in spec:
            marks.append(pytest.mark.xfail(strict=True, reason=spec["xfail"]))
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def _exception_class(name: str) -> type[BaseException]:
    for module in (exceptions_module, limits_module):
        cls = getattr(module, name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            return cls
    raise LookupError(f"cases.json names an unknown exception {name!r}")


def test_corpus_is_large_enough_and_complete() -> None:
    assert len(CASES) >= 80
    files = {path.stem for path in CORPUS.glob("*.http")}
    assert files == set(CASES)
    for spec in CASES.values():
        expected = spec["expect"]
        for name in [expected] if isinstance(expected, str) else expected:
            if name != "ok":
                _exception_class(name)


async def _outcome(session: ClientSession, url: Any, spec: dict[str, Any]) -> dict[str, Any]:
    try:
        resp = await session.request(spec.get("method", "GET"), url)
    except Exception as exc:
        return {"phase": "head", "exc": exc}
    try:
        body = await resp.read()
    except Exception as exc:
        resp.close()
        return {"phase": "body", "exc": exc}
    finally:
        resp.release()
    return {"status": resp.status, "headers": resp.headers, "body": body}


@pytest.mark.parametrize("parser", PARSERS, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("name", _params())
async def test_corpus_case(name: str, parser: type, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = CASES[name]
    data = (CORPUS / f"{name}.http").read_bytes()
    use_parser(monkeypatch, parser)
    timeout = ClientTimeout(total=8, sock_read=spec.get("sock_read", 2.0))
    async with (
        asyncio.timeout(10),
        scripted_server(data, spec) as server,
        ClientSession(timeout=timeout) as session,
    ):
        got = await _outcome(session, server.url, spec)
        expected = spec["expect"]
        if expected == "ok":
            assert "exc" not in got, f"expected a response, got {got['exc']!r}"
            assert got["status"] == spec.get("status", 200)
            if "body" in spec:
                assert got["body"] == spec["body"].encode()
            for header, value in spec.get("headers", {}).items():
                assert got["headers"].get(header) == value
        else:
            names = [expected] if isinstance(expected, str) else expected
            classes = tuple(_exception_class(n) for n in names)
            assert "exc" in got, f"expected {names}, got a {got['status']} response"
            assert isinstance(got["exc"], classes), f"expected {names}, got {got['exc']!r}"
            assert got["phase"] == spec["phase"], f"raised in the {got['phase']} phase"

        # The follow-up must get its own answer, whatever the case left behind.
        async with session.get(server.url, timeout=ClientTimeout(total=5)) as resp:
            assert resp.status == 200
            assert await resp.read() == FOLLOW[-6:]
        if "reuse" in spec:
            assert server.served[-1] == (1 if spec["reuse"] else 2), server.served
        connector = session.connector
        assert connector is not None
        total = connector.stats().total
        assert total.in_use == 0, "a connection is still lent out"
        assert total.idle <= 1
