"""The contract both response parsers fulfil."""

from __future__ import annotations

from typing import Protocol

from .events import Event

__all__ = ["ResponseParser"]


class ResponseParser(Protocol):
    """A sans-I/O HTTP/1.1 response parser, one per connection.

    ``start()`` arms it for the next response; ``feed()`` and ``feed_eof()``
    turn bytes into events (``Informational``* ``ResponseHead`` ``Body``*
    ``ResponseEnd``). Bytes after the end of the final response, or after a
    101/tunnel head, accumulate in ``leftover`` until the next ``start()``.
    """

    leftover: bytes

    def __init__(
        self,
        *,
        max_line_size: int = 8190,
        max_field_size: int = 8190,
        max_headers: int = 32768,
        max_header_bytes: int = 2**62,
        max_informational: int = 2**62,
    ) -> None: ...

    def start(self, method: str) -> None:
        """Prepare for the response to a request with this method.

        Resets all state. HEAD means no body; a 2xx answer to CONNECT is a
        tunnel: the head then the end, the rest is leftover.
        """

    def feed(self, data: bytes | bytearray | memoryview) -> list[Event]:
        """Parse more bytes; return the events they complete.

        Raises:
            WireError: the bytes break HTTP/1.1 framing or a size limit.
        """

    def feed_eof(self) -> list[Event]:
        """The peer closed the connection.

        Returns ``[ResponseEnd]`` for a body delimited by EOF, and ``[]``
        when no byte of a response arrived since ``start()`` or the response
        was already complete.

        Raises:
            WireError: the response was cut short (mid-head, mid-chunked
                body, fewer bytes than Content-Length).
        """
