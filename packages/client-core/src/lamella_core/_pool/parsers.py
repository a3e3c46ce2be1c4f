"""Choose the C-accelerated parts when they can be used.

The choice is made once, on first use: httptools' parser on CPython when it
imports, unless the environment variable ``LAMELLA_NO_EXTENSIONS`` is set
to a non-empty value (the test suite runs both ways); otherwise the
pure-Python parser, which produces the same events for the same bytes.
"""

from __future__ import annotations

import os
import sys

from lamella_core._wire import PyResponseParser, ResponseParser

__all__ = ["NO_EXTENSIONS", "response_parser_class"]

NO_EXTENSIONS: bool = bool(os.environ.get("LAMELLA_NO_EXTENSIONS"))


def _pick_response_parser() -> type[ResponseParser]:
    if NO_EXTENSIONS or sys.implementation.name != "cpython":
        return PyResponseParser
    try:
        from lamella_core._wire.htparser import HttptoolsResponseParser
    except ImportError:
        return PyResponseParser
    return HttptoolsResponseParser


_RESPONSE_PARSER: type[ResponseParser] | None = None


def response_parser_class() -> type[ResponseParser]:
    """The response parser class this process uses (decided on first call).

    Deciding late keeps httptools out of ``import lamella_core``.
    """
    global _RESPONSE_PARSER
    if _RESPONSE_PARSER is None:
        _RESPONSE_PARSER = _pick_response_parser()
    return _RESPONSE_PARSER
