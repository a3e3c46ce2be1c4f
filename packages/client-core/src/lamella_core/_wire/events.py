"""Events the response parsers emit, shared by both implementations.

Events are slotted and final: a consumer dispatches on their exact type, so
they are never subclassed. They are treated as immutable but not declared
frozen: a frozen dataclass sets each field through ``object.__setattr__``,
which makes building the head of every response about five times slower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

__all__ = ["Body", "ChunkEnd", "Event", "Informational", "ResponseEnd", "ResponseHead"]

RawHeaders = tuple[tuple[bytes, bytes], ...]


@final
@dataclass(slots=True)
class Informational:
    """A 1xx interim response other than 101 (100 Continue, 103 Early Hints)."""

    status: int
    headers: RawHeaders


@final
@dataclass(slots=True)
class ResponseHead:
    """The status line and headers of the final response.

    ``keep_alive`` says whether the connection may carry another request
    once this response ends (HTTP version and ``Connection`` header,
    RFC 9112 section 9.3); ``chunked`` and ``content_length`` describe the
    framing the parser chose, ``content_length`` being None when the body
    is chunked or delimited by EOF, and 0 when the response has no body
    (HEAD, 204, 304, 101, tunnel). ``upgrade`` is true when the connection
    now carries another protocol: a 101, or a 2xx answer to CONNECT; the
    bytes after the head are then the parser's ``leftover``.
    ``content_codings`` holds the ``Content-Encoding`` values and
    ``set_cookie`` says whether a ``Set-Cookie`` field is present: both are
    found in the parser's one pass over the fields, so the layers above do
    not scan them again for every response.
    """

    version: tuple[int, int]
    status: int
    reason: str
    headers: RawHeaders
    keep_alive: bool
    chunked: bool
    content_length: int | None
    upgrade: bool
    content_codings: tuple[bytes, ...] = ()
    set_cookie: bool = False


@final
@dataclass(slots=True)
class Body:
    """A piece of the decoded-from-framing (not decompressed) body."""

    data: bytes


@final
@dataclass(slots=True)
class ChunkEnd:
    """The data of one chunk of a chunked body is complete (for ``readchunk``)."""


@final
@dataclass(slots=True)
class ResponseEnd:
    """The response is complete; ``trailers`` holds chunked trailer fields."""

    trailers: RawHeaders


Event = Informational | ResponseHead | Body | ChunkEnd | ResponseEnd
