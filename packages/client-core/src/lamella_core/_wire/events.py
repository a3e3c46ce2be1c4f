"""Events the response parsers emit, shared by both implementations.

Events are slotted and final: a consumer dispatches on their exact type, so
they are never subclassed. They are treated as immutable but not declared
frozen: a frozen class sets each field through ``object.__setattr__``,
which makes building the head of every response about five times slower.
They are written out rather than made by ``dataclasses``, which would
generate the same methods at import time, about 0.3 ms a class.
"""

from __future__ import annotations

from typing import Any, ClassVar, final

__all__ = ["Body", "ChunkEnd", "Event", "Informational", "ResponseEnd", "ResponseHead"]

RawHeaders = tuple[tuple[bytes, bytes], ...]


class _Fields:
    """Equality and repr from the fields named in ``__slots__``, as a dataclass has them."""

    __slots__: ClassVar[tuple[str, ...]] = ()

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Fields)
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq

    def __repr__(self) -> str:
        pairs = zip(self.__slots__, self._values(), strict=True)
        fields = ", ".join(f"{name}={value!r}" for name, value in pairs)
        return f"{type(self).__name__}({fields})"


@final
class Informational(_Fields):
    """A 1xx interim response other than 101 (100 Continue, 103 Early Hints)."""

    __slots__ = ("status", "headers")

    def __init__(self, status: int, headers: RawHeaders) -> None:
        self.status = status
        self.headers = headers


@final
class ResponseHead(_Fields):
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

    __slots__ = (
        "version",
        "status",
        "reason",
        "headers",
        "keep_alive",
        "chunked",
        "content_length",
        "upgrade",
        "content_codings",
        "set_cookie",
    )

    def __init__(
        self,
        version: tuple[int, int],
        status: int,
        reason: str,
        headers: RawHeaders,
        keep_alive: bool,
        chunked: bool,
        content_length: int | None,
        upgrade: bool,
        content_codings: tuple[bytes, ...] = (),
        set_cookie: bool = False,
    ) -> None:
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.keep_alive = keep_alive
        self.chunked = chunked
        self.content_length = content_length
        self.upgrade = upgrade
        self.content_codings = content_codings
        self.set_cookie = set_cookie


@final
class Body(_Fields):
    """A piece of the decoded-from-framing (not decompressed) body."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data


@final
class ChunkEnd(_Fields):
    """The data of one chunk of a chunked body is complete (for ``readchunk``)."""

    __slots__ = ()


@final
class ResponseEnd(_Fields):
    """The response is complete; ``trailers`` holds chunked trailer fields."""

    __slots__ = ("trailers",)

    def __init__(self, trailers: RawHeaders) -> None:
        self.trailers = trailers


Event = Informational | ResponseHead | Body | ChunkEnd | ResponseEnd
