"""Every hook is documented in docs/plugins.md, under its name, with its exact signature.

In the spirit of datasette's ``test_plugin_hooks_are_documented``: the
signature shown in the guide is parsed and compared, decorator, parameters,
annotations and return type, with the specification in
``lamella_core/hookspecs.py``, so the two cannot drift apart.
"""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import lamella_core.hookspecs

PLUGINS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
SPEC_TREE = ast.parse(inspect.getsource(lamella_core.hookspecs))
SPECS = {
    node.name: node
    for node in SPEC_TREE.body
    if isinstance(node, ast.FunctionDef) and node.name.startswith("lamella_")
}


def _shape(node: ast.FunctionDef) -> dict[str, str | list[str]]:
    return {
        "decorators": [ast.unparse(d) for d in node.decorator_list],
        "parameters": ast.unparse(node.args),
        "returns": ast.unparse(node.returns) if node.returns else "",
    }


def _documented(name: str) -> ast.FunctionDef | None:
    """The function defined in the first python block under ``#### name``."""
    page = PLUGINS_PAGE.read_text(encoding="utf-8")
    section = re.search(rf"^#### {re.escape(name)}\s*$(.*?)(?=^#{{1,4}} )", page, re.M | re.S)
    if section is None:
        return None
    block = re.search(r"```python\n(.*?)```", section.group(1), re.S)
    if block is None:
        return None
    for node in ast.parse(block.group(1)).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def test_specs_are_found() -> None:
    assert set(SPECS) == {n for n in lamella_core.hookspecs.__all__ if n.startswith("lamella_")}
    assert len(SPECS) >= 6


@pytest.mark.parametrize("name", sorted(SPECS))
def test_hook_is_documented_with_its_signature(name: str) -> None:
    documented = _documented(name)
    assert documented is not None, f"docs/plugins.md has no '#### {name}' with its signature"
    assert _shape(documented) == _shape(SPECS[name])
