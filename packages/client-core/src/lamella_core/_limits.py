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

Exception tree (additions to ``lamella_core.exceptions``)::

    ClientResponseError
    ├── ResponseHeadTooLarge          max_line_size, max_field_size,
    │                                 max_headers, max_header_bytes,
    │                                 max_informational
    └── TooManyRedirects
        └── RedirectLimitExceeded     max_redirects
    ClientPayloadError
    ├── BodyTooLarge                  max_body_size
    ├── DecompressionLimitExceeded    max_decompressed_size,
    │                                 max_compression_ratio
    ├── TooManyContentCodings         max_content_codings
    └── WebSocketMessageTooLarge      max_ws_message_size
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Final

from .exceptions import ClientPayloadError, ClientResponseError, TooManyRedirects

if TYPE_CHECKING:
    from ._request import RequestInfo
    from ._response import ClientResponse

__all__ = [
    "DEFAULT_LIMITS",
    "BodyTooLarge",
    "ClientLimits",
    "DecompressionLimitExceeded",
    "HeadLimitSignal",
    "LimitExceeded",
    "RedirectLimitExceeded",
    "ResponseHeadTooLarge",
    "TooManyContentCodings",
    "WebSocketMessageTooLarge",
]

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
            apart, against the same number). Default 256.
        max_header_bytes: bytes of one response head, status line to the
            empty line. Default 256 KiB.
        max_informational: 1xx interim responses (100, 102, 103) before the
            final one. Default 32.
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
    """

    max_line_size: int | None = 8190
    max_field_size: int | None = 8190
    max_headers: int | None = 256
    max_header_bytes: int | None = 256 * _KiB
    max_informational: int | None = 32
    max_body_size: int | None = None
    max_decompressed_size: int | None = None
    max_compression_ratio: float | None = 200.0
    compression_ratio_floor: int = 8 * _MiB
    max_content_codings: int | None = 5
    max_redirects: int | None = 10
    max_ws_message_size: int | None = 4 * _MiB

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


def _num(value: float) -> str:
    """``8190`` for whole numbers, ``2.5`` otherwise (never ``8.19e+03``)."""
    return str(int(value)) if value == int(value) else f"{value:.4g}"


def _advice(limit: str, value: float) -> str:
    return (
        f"ClientLimits.{limit}={_num(value)} exceeded; raise it with "
        f"ClientSession(limits=ClientLimits({limit}=...)) or per request with "
        f"limits=session.limits.replace({limit}=...), or None to switch it off"
    )


class LimitExceeded:
    """Mix-in of every limit error: which limit, its value, what was seen.

    Attributes:
        limit: the ``ClientLimits`` field name, e.g. ``"max_headers"``.
        value: the limit that was in force.
        actual: what the response reached when it was stopped (a lower bound
            when the response was cut off as soon as the limit was crossed).
    """

    limit: str
    value: float
    actual: float


class _PayloadLimitError(ClientPayloadError, LimitExceeded):
    what = "the response body"

    def __init__(self, limit: str, value: float, actual: float) -> None:
        self.limit, self.value, self.actual = limit, value, actual
        super().__init__(f"{self.describe()}: {_advice(limit, value)}")

    def describe(self) -> str:
        return f"{self.what} reached {_num(self.actual)}"


class BodyTooLarge(_PayloadLimitError):
    """The body is longer than ``ClientLimits.max_body_size``."""

    def describe(self) -> str:
        return f"Response body larger than {_num(self.value)} bytes ({_num(self.actual)} received)"


class DecompressionLimitExceeded(_PayloadLimitError):
    """Undoing the content codings produced too much.

    ``limit`` is ``"max_decompressed_size"`` (bytes out) or
    ``"max_compression_ratio"`` (bytes out per byte in).
    """

    def describe(self) -> str:
        if self.limit == "max_compression_ratio":
            return (
                f"Decompressed body grows more than {_num(self.value)} times its compressed size "
                f"(ratio {self.actual:.0f}, a compression bomb?)"
            )
        return f"Decompressed body larger than {_num(self.value)} bytes"


class TooManyContentCodings(_PayloadLimitError):
    """``Content-Encoding`` lists more codings than ``max_content_codings``."""

    def describe(self) -> str:
        return f"Content-Encoding lists {_num(self.actual)} codings, more than {_num(self.value)}"


class WebSocketMessageTooLarge(_PayloadLimitError):
    """A WebSocket message is longer than ``max_ws_message_size``."""

    def describe(self) -> str:
        return f"WebSocket message larger than {_num(self.value)} bytes"


class ResponseHeadTooLarge(ClientResponseError, LimitExceeded):
    """The response head crossed a size or count limit.

    Raised with ``status`` 400, like every malformed head, so code that
    catches ``ClientResponseError`` for broken heads keeps working. The
    connection has been closed.
    """

    _WHAT: Final = {
        "max_line_size": "Status line longer than {value} bytes",
        "max_field_size": "Header line longer than {value} bytes",
        "max_headers": "More than {value} header fields",
        "max_header_bytes": "Response head larger than {value} bytes",
        "max_informational": "More than {value} informational (1xx) responses",
    }

    def __init__(
        self,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] = (),
        *,
        limit: str,
        value: float,
        actual: float,
        headers: Any = None,
    ) -> None:
        self.limit, self.value, self.actual = limit, value, actual
        super().__init__(
            request_info,
            history,
            status=400,
            message=self.text(limit, value),
            headers=headers,
        )

    @classmethod
    def text(cls, limit: str, value: float) -> str:
        """The message for ``limit`` (also used before the request info is known)."""
        what = cls._WHAT.get(limit, "Limit {value} exceeded").format(value=_num(value))
        return f"{what}: {_advice(limit, value)}"

    @classmethod
    def from_signal(
        cls,
        signal: HeadLimitSignal,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] = (),
    ) -> ResponseHeadTooLarge:
        """The public error for a signal caught by the session."""
        error = cls(
            request_info,
            history,
            limit=signal.limit,
            value=signal.value,
            actual=signal.actual,
        )
        error.__cause__ = signal
        return error


class HeadLimitSignal(Exception):
    """Raised by checks that run without the request info (parser, connection).

    The session catches it where it already turns a broken head into
    ``ClientResponseError`` and raises :class:`ResponseHeadTooLarge` with
    the ``RequestInfo`` and history it holds.
    """

    def __init__(self, limit: str, value: float, actual: float) -> None:
        super().__init__(ResponseHeadTooLarge.text(limit, value))
        self.limit, self.value, self.actual = limit, value, actual
        self.message = str(self)


class RedirectLimitExceeded(TooManyRedirects, LimitExceeded):
    """More redirects than ``ClientLimits.max_redirects`` (a ``TooManyRedirects``)."""

    def __init__(
        self,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] = (),
        *,
        value: float,
        status: int | None = None,
        headers: Any = None,
    ) -> None:
        self.limit, self.value, self.actual = "max_redirects", value, len(history)
        super().__init__(
            request_info,
            history,
            status=status,
            message=f"{_num(value)} redirects reached: {_advice('max_redirects', value)}",
            headers=headers,
        )
