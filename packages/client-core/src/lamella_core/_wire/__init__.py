"""lamella's sans-I/O HTTP/1.1 wire format: request head writer, response parsers.

Nothing in this package does I/O or imports a higher lamella layer; see
``tests/core/test_wire_imports.py``. The httptools adapter is imported on
first use, so this package imports fine where httptools is missing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import WireError
from .events import Body, ChunkEnd, Event, Informational, RawHeaders, ResponseEnd, ResponseHead
from .interface import ResponseParser
from .pyparser import PyResponseParser
from .writer import serialize_request_head

if TYPE_CHECKING:
    from .htparser import HttptoolsResponseParser

__all__ = [
    "Body",
    "ChunkEnd",
    "Event",
    "HttptoolsResponseParser",
    "Informational",
    "PyResponseParser",
    "RawHeaders",
    "ResponseEnd",
    "ResponseHead",
    "ResponseParser",
    "WireError",
    "serialize_request_head",
]


def __getattr__(name: str) -> Any:
    # PEP 562: raises ImportError here, at use, when httptools is missing.
    if name == "HttptoolsResponseParser":
        from .htparser import HttptoolsResponseParser

        return HttptoolsResponseParser
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
