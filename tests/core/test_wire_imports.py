"""The wire layer stays sans-I/O: its modules import only what STYLE.md #1 allows."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lamella_core._wire as wire

WIRE_DIR = Path(wire.__file__).parent
ALLOWED = {"__future__", "re", "enum", "dataclasses", "typing", "multidict", "yarl"}
ONLY_IN = {"httptools": {"htparser.py"}}
MODULES = sorted(WIRE_DIR.glob("*.py"))


def imported_roots(path: Path) -> list[tuple[int, str]]:
    """(line, top-level name) of every import, relative ones as '.'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level))
            else:
                found.append((node.lineno, (node.module or "").split(".")[0]))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            found.append((node.lineno, "__import__"))
    return found


def test_the_wire_modules_are_found() -> None:
    names = {path.name for path in MODULES}
    assert {"writer.py", "pyparser.py", "htparser.py", "framing.py", "events.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_wire_module_imports(path: Path) -> None:
    bad = []
    for line, root in imported_roots(path):
        if root == ".":
            continue  # inside _wire; a higher layer would need ".." or a package name
        if root in ALLOWED or path.name in ONLY_IN.get(root, ()):
            continue
        bad.append(f"{path.name}:{line} imports {root}")
    assert not bad, bad


def test_the_check_catches_forbidden_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import asyncio\nfrom .. import _session\ndef f():\n    import zlib\n")
    assert [root for _, root in imported_roots(sample)] == ["asyncio", "..", "zlib"]


def _run(code: str, **env: str) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "LAMELLA_NO_EXTENSIONS"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


PICK = "from lamella_core._pool.parsers import response_parser_class as r; print(r().__name__)"


def test_httptools_is_picked_by_default() -> None:
    pytest.importorskip("httptools")
    assert _run(PICK) == "HttptoolsResponseParser"


@pytest.mark.parametrize("value", ["1", "yes", "0"])
def test_no_extensions_forces_pure_python(value: str) -> None:
    assert _run(PICK, LAMELLA_NO_EXTENSIONS=value) == "PyResponseParser"


def test_empty_no_extensions_is_unset() -> None:
    pytest.importorskip("httptools")
    assert _run(PICK, LAMELLA_NO_EXTENSIONS="") == "HttptoolsResponseParser"


def test_wire_imports_without_httptools() -> None:
    code = (
        "import sys; sys.modules['httptools'] = None\n"
        "import lamella_core._wire as w\n"
        "from lamella_core._pool.parsers import response_parser_class as r\n"
        "print(r().__name__)\n"
        "try:\n    w.HttptoolsResponseParser\nexcept ImportError:\n    print('lazy')\n"
    )
    assert _run(code).split() == ["PyResponseParser", "lazy"]


def test_public_names() -> None:
    assert sorted(wire.__all__) == wire.__all__
    for name in wire.__all__:
        assert getattr(wire, name) is not None
