"""Protocol-level constants shared by the request and response layers."""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "IDEMPOTENT_METHODS",
    "KNOWN_VERSIONS",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
]


class HttpVersion(NamedTuple):
    """An HTTP version as ``(major, minor)``."""

    major: int
    minor: int


HttpVersion10 = HttpVersion(1, 0)
HttpVersion11 = HttpVersion(1, 1)
# The parsers report versions as plain tuples; responses reuse these.
KNOWN_VERSIONS = {(1, 0): HttpVersion10, (1, 1): HttpVersion11}

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
