"""Points the imports of aiohttp's test files at lamella, and nothing else.

Every ``import aiohttp...`` and ``from aiohttp... import ...`` statement,
wherever it stands (module level or inside a function), becomes assignments
from :mod:`aiohttp_compat_shim`, which decides name by name whether the test
gets lamella's object or aiohttp's (see its docstring). The rest of the
source is untouched, and each statement keeps its first line, so
tracebacks point at aiohttp's line numbers. Strings such as
``mock.patch("aiohttp.connector...")`` are left alone: they patch aiohttp's
internals, which is what such a test is about.

One comparison is rewritten too: ``x is WSMsgType.TEXT`` (and ``is not``)
becomes ``==`` (``!=``). The name is lamella's, but a server handler's
messages come from ``aiohttp.web`` and carry aiohttp's enum, which no
identity check with lamella's can match; both are ``IntEnum``s of the RFC
6455 opcodes, so equality still checks the type of every message, on
either side.

The conftest is not rewritten (its fixtures build aiohttp's internals),
except that aiohttp's blocking-I/O detector is told to watch lamella's
packages as well as aiohttp's (:func:`rewrite_conftest`).
"""

from __future__ import annotations

import ast
import io
import tokenize

__all__ = ["LAMELLA_PACKAGES", "rewrite_conftest", "rewrite_imports"]

LAMELLA_PACKAGES = (
    "lamella",
    "lamella_core",
    "lamella_connectors",
    "lamella_cookies",
    "lamella_websocket",
)

_SHIM = "from aiohttp_compat_shim import attr as _lamella_attr, module as _lamella_module"


def _submodule(dotted: str) -> str | None:
    """``"aiohttp.x.y"`` -> ``"x.y"``, ``"aiohttp"`` -> ``""``, anything else -> None."""
    if dotted == "aiohttp":
        return ""
    if dotted.startswith("aiohttp."):
        return dotted.removeprefix("aiohttp.")
    return None


def _replacement(node: ast.Import | ast.ImportFrom) -> str | None:
    """The statements that replace ``node`` on one line, or None to keep it."""
    statements: list[str] = []
    if isinstance(node, ast.ImportFrom):
        where = _submodule(node.module or "") if node.level == 0 else None
        if where is None or any(alias.name == "*" for alias in node.names):
            return None
        for alias in node.names:
            statements.append(
                f"{alias.asname or alias.name} = _lamella_attr({where!r}, {alias.name!r})"
            )
    else:
        touched = False
        for alias in node.names:
            where = _submodule(alias.name)
            if where is None:
                statements.append(
                    f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
                )
            elif alias.asname:
                touched = True
                statements.append(f"{alias.asname} = _lamella_module({where!r})")
            else:  # `import aiohttp.x` binds `aiohttp`
                touched = True
                statements.append("aiohttp = _lamella_module('')")
        if not touched:
            return None
    return "; ".join([_SHIM, *statements])


def _message_type_equality(source: str) -> str:
    """``is``/``is not`` before ``[aiohttp.]WSMsgType.`` made ``==``/``!=``, in code only."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    for i, token in enumerate(tokens):
        if token.type != tokenize.NAME or token.string != "is":
            continue
        negated = tokens[i + 1].string == "not"
        rest = [t.string for t in tokens[i + 1 + negated : i + 5 + negated]]
        if rest[:2] == ["WSMsgType", "."] or rest == ["aiohttp", ".", "WSMsgType", "."]:
            end = tokens[i + negated].end
            assert end[0] == token.start[0]  # `is not` on one line
            edits.append((token.start[0] - 1, token.start[1], end[1], "!=" if negated else "=="))
    for row, start, end, text in sorted(edits, reverse=True):
        lines[row] = lines[row][:start] + text + lines[row][end:]
    return "".join(lines)


def rewrite_imports(source: str) -> str:
    """``source`` with its aiohttp imports resolved through the shim, and its
    identity checks of ``WSMsgType`` members made equality checks."""
    source = _message_type_equality(source)
    lines = source.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            text = _replacement(node)
            if text is not None:
                assert node.end_lineno is not None
                edits.append((node.lineno - 1, node.end_lineno - 1, node.col_offset, text))
    for first, last, col, text in sorted(edits, reverse=True):
        head = lines[first][:col]
        if head.strip():  # `import x; import aiohttp` on one line: keep it simple
            raise ValueError(f"line {first + 1}: an aiohttp import after other code on its line")
        tail = lines[last][len(lines[last].rstrip("\r\n")) :]
        # The statement's other lines become empty, so line numbers stay.
        lines[first : last + 1] = [head + text + tail, *("\n" for _ in range(last - first))]
    return "".join(lines)


_BLOCKBUSTER_CALL = 'blockbuster_ctx(\n        "aiohttp",'


def rewrite_conftest(source: str) -> str:
    """aiohttp's conftest, with its blocking-I/O detector watching lamella too.

    aiohttp's fixture calls ``blockbuster_ctx("aiohttp", ...)``: blocking
    calls are reported when aiohttp's code makes them. The same fixture now
    reports them when lamella's packages make them, which is what the
    detector is for in this job; the allowance aiohttp gives its cookie
    jar's synchronous ``save``/``load`` goes to lamella's too.
    """
    if _BLOCKBUSTER_CALL not in source:
        raise ValueError("aiohttp's conftest no longer calls blockbuster_ctx as expected")
    if _LOCK_LINE not in source:
        raise ValueError("aiohttp's conftest no longer configures blockbuster as expected")
    watched = ", ".join(repr(name) for name in ("aiohttp", *LAMELLA_PACKAGES))
    source = source.replace(_BLOCKBUSTER_CALL, f"blockbuster_ctx(\n        [{watched}],")
    return source.replace(_LOCK_LINE, _COOKIE_FILES + _LOCK_LINE)


# The last line of aiohttp's blockbuster set-up, and what goes before it:
# aiohttp lets its CookieJar.save/load block ("save/load is not async"), and
# lamella's, synchronous for the same reason, get the same allowance.
_LOCK_LINE = '        bb.functions["threading.Lock.acquire"].deactivate()\n'
_COOKIE_FILES = (
    "        for func in bb.functions:\n"
    '            bb.functions[func].can_block_in("lamella_cookies/_jar.py", {"save", "load"})\n'
)
