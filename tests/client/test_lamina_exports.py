"""The meta-package's public surface: ``lamina`` re-exports the documented API."""

from __future__ import annotations

import ast
import inspect

import lamina
import lamina_core
import lamina_core.exceptions


def test_all_is_sorted_without_duplicates() -> None:
    assert lamina.__all__ == sorted(set(lamina.__all__))


def test_every_name_in_all_exists() -> None:
    missing = [name for name in lamina.__all__ if not hasattr(lamina, name)]
    assert missing == []


def test_reexports_all_of_lamina_core() -> None:
    missing = sorted(set(lamina_core.__all__) - set(lamina.__all__))
    assert missing == []
    for name in lamina_core.__all__:
        assert getattr(lamina, name) is getattr(lamina_core, name), name


def test_reexports_every_exception() -> None:
    assert set(lamina_core.exceptions.__all__) <= set(lamina.__all__)


def test_the_session_api_is_there() -> None:
    for name in ("ClientSession", "request", "ClientResponse", "ClientTimeout", "BasicAuth"):
        assert name in lamina.__all__


def test_init_holds_only_imports_and_all() -> None:
    tree = ast.parse(inspect.getsource(lamina))
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
    assert assigned == ["__all__"]


def test_version() -> None:
    assert lamina.__version__ == "0.1.0"
