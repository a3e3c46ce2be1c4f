"""ANSI colours for a terminal, nothing when the output is piped.

One ``Style`` per output stream: stdout (the body, WebSocket messages) and
stderr (heads, progress, errors) are each coloured only if they are a
terminal, so ``lamella URL > file`` keeps colour in the heads and none in the
file. ``--color always|never`` overrides that; ``NO_COLOR`` (no-color.org)
turns ``auto`` off.
"""

from __future__ import annotations

import json
import os
import re
from typing import TextIO

__all__ = ["Style"]

RESET = "\x1b[0m"
BOLD = "1"
DIM = "2"
RED = "31"
GREEN = "32"
YELLOW = "33"
BLUE = "34"
MAGENTA = "35"
CYAN = "36"

# A JSON token in json.dumps' output: a string (maybe a key), a number or a literal.
_JSON_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)"
)


class Style:
    """Wraps text in ANSI codes when ``enabled``; otherwise returns it unchanged."""

    __slots__ = ("enabled", "is_tty")

    def __init__(self, enabled: bool, is_tty: bool = False) -> None:
        self.enabled = enabled
        self.is_tty = is_tty

    @classmethod
    def for_stream(cls, stream: TextIO, mode: str) -> Style:
        try:
            is_tty = stream.isatty()
        except (AttributeError, ValueError):  # replaced or closed stream
            is_tty = False
        if mode == "always":
            return cls(True, is_tty)
        if mode == "never":
            return cls(False, is_tty)
        return cls(is_tty and not os.environ.get("NO_COLOR"), is_tty)

    def __call__(self, text: str, *codes: str) -> str:
        if not self.enabled or not codes:
            return text
        return f"\x1b[{';'.join(codes)}m{text}{RESET}"

    def status(self, status: int, text: str) -> str:
        """``text`` in the colour of its status class: 2xx green, 3xx yellow, errors red."""
        colour = GREEN if status < 300 else YELLOW if status < 400 else RED
        return self(text, BOLD, colour)

    def header(self, prefix: str, name: str, value: str) -> str:
        return f"{self(prefix, DIM)} {self(name, CYAN)}: {value}"

    def json(self, value: object) -> str:
        """``value`` as indented JSON, keys, strings, numbers and literals coloured."""
        text = json.dumps(value, indent=2, ensure_ascii=False)
        if not self.enabled:
            return text

        def paint(match: re.Match[str]) -> str:
            if match["string"] is not None:
                if match["colon"] is not None:
                    return self(match["string"], BOLD, BLUE) + match["colon"]
                return self(match["string"], GREEN)
            if match["number"] is not None:
                return self(match["number"], YELLOW)
            return self(match[0], MAGENTA)

        return _JSON_TOKEN.sub(paint, text)
