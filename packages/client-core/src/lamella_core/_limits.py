"""``ClientLimits``: every bound lamella puts on what a server can make it hold.

A server the client does not control can send an endless header, ten
thousand headers, a hundred 1xx responses, a body larger than memory, a
gzip bomb, a chain of twenty content codings, a redirect loop or a huge
WebSocket message. Each of those has one limit here, gathered in one frozen
object that a session takes as its default and a request may override.

The defaults are chosen so that real traffic never meets them (the figures
behind each are in docs/reliability.md); a limit set to ``None`` is off.
Crossing a limit raises a subclass of the exception the same failure would
raise without limits (``ClientResponseError`` for the head,
``ClientPayloadError`` for the body), whose message names the limit, its
value and how to raise it, and whose ``limit`` and ``value`` attributes say
the same to code.

The errors (defined in ``lamella_core.exceptions``, with the rest of the tree)::

    ClientResponseError
    ├── ResponseHeadTooLarge          max_line_size, max_field_size,
    │                                 max_headers, max_header_bytes,
    │                                 max_informational
    └── TooManyRedirects
        └── RedirectLimitExceeded     max_redirects
    ServerTimeoutError
    └── ResponseHeadTimeoutError      max_head_time
    ClientPayloadError
    ├── BodyTooLarge                  max_body_size
    ├── DecompressionLimitExceeded    max_decompressed_size,
    │                                 max_compression_ratio
    ├── TooManyContentCodings         max_content_codings
    ├── WebSocketMessageTooLarge      max_ws_message_size
    └── MultipartLimitExceeded        max_multipart_parts, and the header
                                      limits applied to a part's headers
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import Any, Final

from .exceptions import TooManyContentCodings

__all__ = ["DEFAULT_LIMITS", "ClientLimits"]

_KiB: Final = 1024
_MiB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientLimits:
    """Bounds on what one response may make the client read, hold or follow.

    Every field is a maximum; ``None`` switches that limit off. Build a
    variant with :meth:`replace`: ``DEFAULT_LIMITS.replace(max_headers=500)``.

    Attributes:
        max_line_size: bytes in the status line or a chunk-size line
            (aiohttp's ``max_line_size``). Default 8190.
        max_field_size: bytes in one header or trailer line (aiohttp's
            ``max_field_size``). Default 8190.
        max_headers: header fields in one response head (trailers counted
            apart, against the same number). Default 128, aiohttp's value.
        max_header_bytes: bytes of one response head, status line to the
            empty line. Default 256 KiB.
        max_informational: 1xx interim responses (100, 102, 103) before the
            final one. Default 32.
        max_head_time: seconds from the first byte of each response head
            (every 1xx one, then the final one) to its end; a body sent
            after ``100 Continue`` is not counted. ``sock_read`` bounds only
            the silence between reads, so without this a server that drips
            its head byte by byte holds a request for as long as it likes.
            Default 30 (a real head arrives in one or two reads).
        max_body_size: bytes of body, after framing and before
            decompression. Default ``None``: downloads may be any size; set
            it where bodies are read into memory from untrusted servers.
        max_decompressed_size: bytes of body after every content coding was
            undone. Default ``None``; the ratio below stops bombs.
        max_compression_ratio: decompressed bytes per received body byte,
            checked once the decompressed output passes
            ``compression_ratio_floor``. Default 200 (text and JSON compress
            10 to 30 times; a gzip bomb of zeros about 1000 times, and a
            chain of codings a million times).
        compression_ratio_floor: decompressed bytes below which the ratio is
            not checked, so small very compressible bodies always pass.
            Default 8 MiB.
        max_content_codings: codings listed in ``Content-Encoding``.
            Default 5 (real servers send one, very rarely two).
        max_redirects: the redirect count at which a request stops with
            ``RedirectLimitExceeded``, aiohttp's ``max_redirects`` (so at most
            one fewer is followed). Default 10.
        max_ws_message_size: bytes of one WebSocket message, after
            reassembly and decompression (aiohttp's ``max_msg_size``).
            Default 4 MiB.
        max_multipart_parts: parts of one multipart body read with
            ``MultipartReader``, nested parts included. Default 10000. The
            headers of each part are held to ``max_field_size``,
            ``max_headers`` and ``max_header_bytes``.
    """

    max_line_size: int | None = 8190
    max_field_size: int | None = 8190
    max_headers: int | None = 128
    max_header_bytes: int | None = 256 * _KiB
    max_informational: int | None = 32
    max_head_time: float | None = 30.0
    max_body_size: int | None = None
    max_decompressed_size: int | None = None
    max_compression_ratio: float | None = 200.0
    compression_ratio_floor: int = 8 * _MiB
    max_content_codings: int | None = 5
    max_redirects: int | None = 10
    max_ws_message_size: int | None = 4 * _MiB
    max_multipart_parts: int | None = 10_000

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None and field.name != "compression_ratio_floor":
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(
                    f"ClientLimits.{field.name} must be a number or None, not {value!r}"
                )
            if value < 0 or (value == 0 and field.name == "max_compression_ratio"):
                raise ValueError(f"ClientLimits.{field.name} must be positive, not {value!r}")

    def replace(self, **changes: Any) -> ClientLimits:
        """A copy with ``changes`` applied (``dataclasses.replace``)."""
        return replace(self, **changes)

    def unlimited(self) -> ClientLimits:
        """A copy with every limit off (for trusted peers and benchmarks only)."""
        off: dict[str, Any] = {
            f.name: None for f in fields(self) if f.name != "compression_ratio_floor"
        }
        return replace(self, **off)

    # --- checks the session and connection call; pure, no I/O --------------------

    def check_content_codings(self, codings: Sequence[str]) -> None:
        """Refuse a ``Content-Encoding`` with more codings than allowed.

        Raises:
            TooManyContentCodings: ``len(codings) > max_content_codings``.
        """
        limit = self.max_content_codings
        if limit is not None and len(codings) > limit:
            raise TooManyContentCodings("max_content_codings", limit, len(codings))


DEFAULT_LIMITS: Final = ClientLimits()
