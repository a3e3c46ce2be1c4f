"""The meta-package's public surface: ``lamella`` re-exports the documented API."""

from __future__ import annotations

import ast
import inspect
import re

import lamella
import lamella_core
import lamella_core.exceptions


def _isort_key(name: str) -> tuple[int, list[int | str]]:
    """ruff RUF022 order: CONSTANTS, Classes, then the rest; digits compare as numbers."""
    group = 0 if name.isupper() else 1 if name[0].isupper() else 2
    return group, [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def test_all_is_sorted_without_duplicates() -> None:
    assert len(set(lamella.__all__)) == len(lamella.__all__)
    assert lamella.__all__ == sorted(lamella.__all__, key=_isort_key)


def test_every_name_in_all_exists() -> None:
    missing = [name for name in lamella.__all__ if not hasattr(lamella, name)]
    assert missing == []


def test_reexports_all_of_lamella_core() -> None:
    # Dunders (``__version__``) are each distribution's own.
    public = [name for name in lamella_core.__all__ if not name.startswith("__")]
    missing = sorted(set(public) - set(lamella.__all__))
    assert missing == []
    for name in public:
        assert getattr(lamella, name) is getattr(lamella_core, name), name


def test_reexports_every_exception() -> None:
    assert set(lamella_core.exceptions.__all__) <= set(lamella.__all__)


def test_the_session_api_is_there() -> None:
    for name in ("ClientSession", "request", "ClientResponse", "ClientTimeout", "BasicAuth"):
        assert name in lamella.__all__


def test_init_holds_only_imports_and_all() -> None:
    tree = ast.parse(inspect.getsource(lamella))
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the module docstring
    kinds = {type(node).__name__ for node in body}
    assert kinds <= {"Import", "ImportFrom", "Assign", "AnnAssign", "If", "FunctionDef"}, kinds
    assigned = [
        target.id
        for node in body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]
    # __all__, the table of names imported on first use (PEP 562), and the
    # submodules named after aiohttp's, imported on first use too.
    assert assigned == ["__all__", "_LAZY", "_SUBMODULES"]


def test_lazy_names_resolve_and_are_listed() -> None:
    for name in lamella._LAZY:
        assert name in lamella.__all__
        assert getattr(lamella, name) is not None


def test_import_lamella_loads_no_optional_layer() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lamella; "
        "print(sorted(m for m in ('lamella_connectors', 'lamella_cookies', 'lamella_websocket', "
        "'websockets', 'lamella_core.tracing', 'lamella_core.hdrs') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version() -> None:
    assert lamella.__version__ == "0.1.0"


def test_hdrs_is_importable_where_aiohttp_has_it() -> None:
    import lamella.hdrs
    import lamella_core.hdrs
    from lamella import hdrs

    assert hdrs is lamella.hdrs
    assert hdrs.__all__ == lamella_core.hdrs.__all__
    assert all(getattr(hdrs, name) is getattr(lamella_core.hdrs, name) for name in hdrs.__all__)
