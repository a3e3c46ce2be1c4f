"""The shape STYLE.md asks of the code: short modules, and a send path of short rungs.

A module over 600 lines holds more than one thing to read at a time; a rung
of the send path over 60 lines does more than one step of it. Both are
measured on the source (``ast``), so a change that breaks them fails here
rather than in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    path for parent in ("packages", "plugins") for path in (ROOT / parent).glob("*/src/**/*.py")
)
MAX_MODULE_LINES = 600
MAX_RUNG_LINES = 60

CORE = "packages/client-core/src/lamella_core"
# file -> the functions of the send path in it (qualified names), or "*": all of them.
SEND_PATH = {
    f"{CORE}/_client/session.py": ["ClientSession._request"],
    f"{CORE}/_client/defaults.py": ["Defaults._target", "Defaults._options"],
    f"{CORE}/_client/send.py": "*",
    f"{CORE}/_client/exchange.py": "*",
    f"{CORE}/_client/request.py": ["ClientRequest.__init__"],
    f"{CORE}/_pool/http11.py": [
        "HTTP11Connection.begin",
        "HTTP11Connection.buffer_updated",
        "HTTP11Connection._on_head",
        "HTTP11Connection._on_body",
        "HTTP11Connection._on_end",
    ],
    f"{CORE}/_wire/framing.py": [
        "ResponseParserBase._on_head",
        "ResponseParserBase._parse_head",
        "ResponseParserBase._read_fields",
        "ResponseParserBase._final_head",
    ],
    "packages/client-websocket/src/lamella_websocket/_connect.py": [
        "connect",
        "_open",
        "_take_over",
    ],
}


def _functions(path: Path) -> dict[str, int]:
    """Every function of ``path`` by qualified name, with its length in lines."""
    found: dict[str, int] = {}

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert child.end_lineno is not None
                found[prefix + child.name] = child.end_lineno - child.lineno + 1
                walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                walk(child, f"{prefix}{child.name}.")

    walk(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def test_the_sources_are_found() -> None:
    assert len(SOURCES) > 100
    assert all((ROOT / name).is_file() for name in SEND_PATH)


def test_modules_are_at_most_600_lines() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in SOURCES
    }
    assert {name: n for name, n in lengths.items() if n > MAX_MODULE_LINES} == {}


@pytest.mark.parametrize("name", sorted(SEND_PATH))
def test_send_path_rungs_are_at_most_60_lines(name: str) -> None:
    functions = _functions(ROOT / name)
    wanted = SEND_PATH[name]
    if wanted == "*":
        wanted = list(functions)
    assert set(wanted) <= set(functions), "a rung was renamed: update SEND_PATH"
    assert {rung: functions[rung] for rung in wanted if functions[rung] > MAX_RUNG_LINES} == {}
