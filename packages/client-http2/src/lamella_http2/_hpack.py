"""HPACK coders that remember the header blocks of a repeated request and response.

A client sends the same request head again and again, and a server answers
with the same response head: HPACK's pure-Python coders (Huffman coding,
table searches) then redo the same work for every request. Each coder here
keeps what it produced while the block it stands for is a pure function of
the bytes: the encoder once its dynamic table holds every field (the block
is then all indexes and changes nothing), the decoder while its dynamic
table is empty before and after the block (servers such as nginx encode
without a dynamic table). Any change of a table's state makes the kept
blocks stale.

The decoder also checks what it decoded, once per distinct block, with the
rules of RFC 9113 section 8.2 that hold for every block a client receives
(h2's own inbound validation, a chain of generators run for every block, is
turned off): field names non-empty, lower-case, free of controls, spaces
and colons after the first byte; values free of NUL, CR and LF and of
surrounding whitespace; no connection-specific field, ``TE`` only as
``trailers``; no pseudo-header but one leading ``:status``. Whether a block
must carry ``:status`` (a response head) or none (trailers) is checked where
that is known, by the exchange.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import h2.exceptions
from hpack import Decoder, Encoder
from hpack.table import HeaderTable

__all__ = ["CachingDecoder", "CachingEncoder", "check_fields"]

#: Blocks kept per coder; past it the coder starts afresh.
MAX_BLOCKS = 64

_REGULAR_NAME = re.compile(rb"[\x21-\x39\x3b-\x40\x5b-\x7e]+")
_VALUE = re.compile(rb"(?:[^\x00\t\n\r ](?:[^\x00\n\r]*[^\x00\t\n\r ])?)?")
_CONNECTION_SPECIFIC = frozenset(
    {b"connection", b"proxy-connection", b"keep-alive", b"transfer-encoding", b"upgrade"}
)


class _Table(HeaderTable):
    """A header table that counts its changes, so a kept block can tell it is stale."""

    def __init__(self) -> None:
        super().__init__()
        self.version = 0

    def add(self, name: bytes, value: bytes) -> None:
        self.version += 1
        super().add(name, value)

    @property
    def maxsize(self) -> int:
        return self._maxsize

    @maxsize.setter
    def maxsize(self, newmax: int) -> None:
        self.version += 1
        HeaderTable.maxsize.fset(self, newmax)  # type: ignore[attr-defined]


class CachingEncoder(Encoder):
    """An HPACK encoder that sends a kept block again while its table is unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.header_table: _Table = _Table()
        self._blocks: dict[Any, tuple[int, bytes]] = {}

    def encode(self, headers: Any, huffman: bool = True) -> bytes:
        """The block of ``headers``: the kept one, or HPACK's (kept when it changed nothing)."""
        table = self.header_table
        # The field types say which fields are never indexed.
        key = (tuple(headers), tuple(map(type, headers)), huffman)
        kept = self._blocks.get(key)
        if kept is not None and kept[0] == table.version and not table.resized:
            return kept[1]
        version, resized = table.version, table.resized
        block = super().encode(headers, huffman)
        if not resized and table.version == version:
            if len(self._blocks) >= MAX_BLOCKS:
                self._blocks.clear()
            self._blocks[key] = (version, block)
        return block


class CachingDecoder(Decoder):
    """An HPACK decoder that checks each block's fields and keeps what an empty table decoded."""

    def __init__(self, max_header_list_size: int) -> None:
        super().__init__(max_header_list_size)
        self._blocks: dict[bytes, tuple[tuple[int, int, int], list[Any]]] = {}

    def decode(self, data: bytes, raw: bool = False) -> Any:
        """The checked fields of block ``data``.

        Raises:
            h2.exceptions.ProtocolError: a field breaks RFC 9113 section 8.2
                (h2 answers with ``GOAWAY(PROTOCOL_ERROR)``).
        """
        table = self.header_table
        if not raw or table.dynamic_entries:
            return check_fields(super().decode(data, raw))
        key = bytes(data)
        state = (table.maxsize, self.max_header_list_size, self.max_allowed_table_size)
        kept = self._blocks.get(key)
        if kept is not None and kept[0] == state:
            return list(kept[1])
        fields = check_fields(super().decode(data, raw))
        if not table.dynamic_entries and table.maxsize == state[0]:
            if len(self._blocks) >= MAX_BLOCKS:
                self._blocks.clear()
            self._blocks[key] = (state, fields)
            return list(fields)
        return fields


def check_fields(fields: Iterable[Any]) -> Any:
    """``fields``, unless one breaks the rules every block a client receives must keep.

    Raises:
        h2.exceptions.ProtocolError: a field breaks them.
    """
    for index, (name, value) in enumerate(fields):
        if name[:1] == b":":
            if name != b":status" or index:
                raise h2.exceptions.ProtocolError(f"Received pseudo-header field {name!r} here")
        elif _REGULAR_NAME.fullmatch(name) is None:
            raise h2.exceptions.ProtocolError(f"Received an invalid header name {name!r}")
        elif name in _CONNECTION_SPECIFIC:
            raise h2.exceptions.ProtocolError(f"Connection-specific header field {name!r}")
        elif name == b"te" and value.lower() != b"trailers":
            raise h2.exceptions.ProtocolError(f"Invalid value for TE header: {value!r}")
        if _VALUE.fullmatch(value) is None:
            raise h2.exceptions.ProtocolError(f"Received an invalid value for {name!r}")
    return fields
