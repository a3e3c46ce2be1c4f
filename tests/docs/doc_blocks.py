"""The Python code blocks of lamella's documentation, and what each one claims to be.

A block is a fenced block whose language is ``python`` (or ``py``), in any
Markdown file under docs/ or in README.md, indented blocks inside tabs and
admonitions included. What the test does with it depends on its kind:

- ``example``: a complete program (it calls ``asyncio.run(``, or is marked
  ``<!-- docs: run -->``). It is run, against loopback servers.
- ``fragment``: any other block. It must compile (top-level ``await``
  allowed, as in an asyncio REPL).
- ``signature``: marked ``<!-- docs: signature -->`` on the line before its
  fence. A call signature written for reading (``timeout=<ClientTimeout>``),
  which is not Python; it is left alone.
- ``compile``: marked ``<!-- docs: compile -->``. A complete program that
  needs something the test environment lacks (httpx, a real network): it
  must compile, and is not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
PYTHON = {"python", "py", "python3"}
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*\{?\s*\.?(?P<lang>[\w+-]*)")
MARK = re.compile(r"^\s*<!--\s*docs:\s*(?P<kind>[\w-]+)\s*-->\s*$")
KINDS = {"run": "example", "signature": "signature", "compile": "compile"}


@dataclass(frozen=True)
class Block:
    """One code block: where it is, what it holds, and its kind."""

    path: Path
    line: int
    kind: str
    source: str

    @property
    def id(self) -> str:
        """``docs/quickstart.md:17``, the block's name in test reports."""
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def blocks(path: Path) -> list[Block]:
    """Every Python block of one Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        mark = MARK.match(lines[index - 1]) if index else None
        start = index + 1
        index += 1
        while index < len(lines) and not lines[index].strip().startswith(fence):
            index += 1
        if opening["lang"].lower() in PYTHON:
            source = "\n".join(line[indent:] for line in lines[start:index]) + "\n"
            found.append(Block(path, start, _kind(mark, source, path, start), source))
        index += 1
    return found


def _kind(mark: re.Match[str] | None, source: str, path: Path, line: int) -> str:
    if mark is not None:
        if mark["kind"] not in KINDS:
            raise ValueError(f"{path}:{line}: unknown mark docs: {mark['kind']}")
        return KINDS[mark["kind"]]
    return "example" if "asyncio.run(" in source else "fragment"


def all_blocks() -> list[Block]:
    """Every Python block of README.md and docs/."""
    return [block for path in SOURCES for block in blocks(path)]
