"""The pure-Python response parser: framing from ``framing``, fields by regex.

The header block is validated by one anchored regex over the whole block
and split into ``(name, value)`` tuples by one ``findall``: two C-level
passes, no Python loop per header. The slow loop that names the bad line
runs only once the block has been refused.
"""

from __future__ import annotations

from .errors import WireError
from .events import RawHeaders
from .fields import explain_bad_field, fields_ok, find_fields, match_field_line
from .framing import ResponseParserBase

__all__ = ["PyResponseParser"]


class PyResponseParser(ResponseParserBase):
    """HTTP/1.1 response parser in pure Python (the fallback on PyPy)."""

    __slots__ = ()

    def _parse_fields(self, head: bytes, block: bytes) -> RawHeaders:
        if fields_ok(block) is None:
            raise WireError(_explain(block))
        return tuple(find_fields(block))


def _explain(block: bytes) -> str:
    for line in block.split(b"\r\n")[:-1]:
        if match_field_line(line) is None:
            return explain_bad_field(line)
    return "Invalid header block"
