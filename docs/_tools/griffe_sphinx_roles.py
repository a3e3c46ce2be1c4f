"""A griffe extension: Sphinx roles in docstrings render as code in the API reference.

The sources keep the roles (``:class:`Trace```, ``:meth:`~ClientSession.get```)
that editors and Sphinx readers understand; mkdocstrings renders Markdown, where
a role would show as raw text. Each role becomes inline code, with a leading
``~`` keeping only the last dotted part, as Sphinx shows it.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj|const):`(~?)([^`]+)`")


def plain(docstring: str) -> str:
    """``docstring`` with every Sphinx role turned into inline code."""

    def code(match: re.Match[str]) -> str:
        short, target = match.groups()
        return f"`{target.rsplit('.', 1)[-1] if short else target}`"

    return ROLE.sub(code, docstring)


class SphinxRoles(griffe.Extension):
    """Rewrites the docstring of every object griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plain(obj.docstring.value)
