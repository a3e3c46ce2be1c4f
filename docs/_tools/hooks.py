"""mkdocs hooks of lamella's documentation.

The API page of the meta-package lists every name that ``lamella`` re-exports
with a link to the entry of the distribution that defines it. The table is
built from the ``__all__`` lists in the sources at every build, so a name
added to a distribution shows up without anyone editing the page.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- lamella-reexports -->"

# The import packages that define names, in the order a name is looked up.
DEFINERS = {
    "lamella_core": "packages/client-core/src/lamella_core/__init__.py",
    "lamella_connectors": "packages/client-connectors/src/lamella_connectors/__init__.py",
    "lamella_websocket": "packages/client-websocket/src/lamella_websocket/__init__.py",
    "lamella_cookies": "packages/client-cookies/src/lamella_cookies/__init__.py",
}
META = "packages/client/src/lamella/__init__.py"


def public_names(init: str) -> list[str]:
    """The names in the ``__all__`` of the module at ``init`` (a path from the root)."""
    tree = ast.parse((ROOT / init).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return [ast.literal_eval(element) for element in node.value.elts]  # type: ignore[attr-defined]
    raise LookupError(f"{init} has no __all__")


def reexport_table() -> str:
    """A Markdown table: each name of ``lamella.__all__`` and where it is documented."""
    owners = {package: set(public_names(init)) for package, init in DEFINERS.items()}
    rows = ["| name | defined in |", "|---|---|"]
    for name in public_names(META):
        if name == "hdrs":
            rows.append("| `hdrs` | [`lamella_core.hdrs`][lamella_core.hdrs] |")
            continue
        package = next((pkg for pkg, names in owners.items() if name in names), None)
        if package is None:
            raise LookupError(f"lamella exports {name!r}, which no distribution defines")
        rows.append(f"| [`{name}`][{package}.{name}] | `{package}` |")
    return "\n".join(rows) + "\n"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Fill the marker of the meta-package's API page with the re-export table."""
    if MARKER in markdown:
        return markdown.replace(MARKER, reexport_table())
    return markdown
