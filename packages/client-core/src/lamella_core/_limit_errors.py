"""The errors of ``ClientLimits`` bounds: which limit, its value, what was seen.

Each is a subclass of the aiohttp-named error a caller already catches for
that failure (``ClientPayloadError``, ``ClientResponseError``,
``ServerTimeoutError``, ``TooManyRedirects``), plus the ``LimitExceeded``
mix-in, and its message says how to raise the limit. ``HeadLimitSignal`` is
the private signal raised where no ``RequestInfo`` is known yet.
``lamella_core.exceptions`` re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from ._client_errors import (
    ClientPayloadError,
    ClientResponseError,
    ServerTimeoutError,
    TooManyRedirects,
)

if TYPE_CHECKING:
    from ._client.request import RequestInfo
    from ._client.response import ClientResponse

__all__ = [
    "BodyTooLarge",
    "DecompressionLimitExceeded",
    "HeadLimitSignal",
    "LimitExceeded",
    "MultipartLimitExceeded",
    "RedirectLimitExceeded",
    "ResponseHeadTimeoutError",
    "ResponseHeadTooLarge",
    "TooManyContentCodings",
    "WebSocketMessageTooLarge",
]


def _num(value: float) -> str:
    """``8190`` for whole numbers, ``2.5`` otherwise (never ``8.19e+03``)."""
    return str(int(value)) if value == int(value) else f"{value:.4g}"


def _advice(limit: str, value: float) -> str:
    return (
        f"ClientLimits.{limit}={_num(value)} exceeded; raise it with "
        f"ClientSession(limits=ClientLimits({limit}=...)) or per request with "
        f"limits=session.limits.replace({limit}=...), or None to switch it off"
    )


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def _reduce_by_state(self: BaseException) -> tuple[Any, ...]:
    """Pickle a limit error by its state: its constructor takes what its message was made of."""
    return _rebuild, (type(self), self.args, self.__dict__)


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
    __reduce__ = _reduce_by_state

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


class MultipartLimitExceeded(_PayloadLimitError):
    """A multipart body read with ``MultipartReader`` crossed a limit: too many
    parts, or a part's headers too long or too many."""

    _WHAT: Final = {
        "max_multipart_parts": "Multipart body has more than {value} parts",
        "max_field_size": "Multipart part header line longer than {value} bytes",
        "max_line_size": "Multipart boundary line longer than {value} bytes",
        "max_headers": "Multipart part has more than {value} headers",
        "max_header_bytes": "Multipart part headers larger than {value} bytes",
        "max_decompressed_size": "Decoded multipart part larger than {value} bytes",
    }

    def describe(self) -> str:
        return self._WHAT.get(self.limit, "Multipart limit {value} exceeded").format(
            value=_num(self.value)
        )


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


class ResponseHeadTimeoutError(ServerTimeoutError, LimitExceeded):
    """The response head took longer than ``ClientLimits.max_head_time`` to arrive.

    ``sock_read`` bounds the silence between two reads only, so a server
    sending its head a byte at a time would otherwise hold the request for
    as long as it drips. The connection has been closed.
    """

    __reduce__ = _reduce_by_state

    def __init__(self, value: float, actual: float) -> None:
        self.limit, self.value, self.actual = "max_head_time", value, actual
        super().__init__(
            f"Response head not complete after {_num(value)} seconds: "
            f"{_advice('max_head_time', value)}"
        )


class HeadLimitSignal(Exception):
    """Raised by checks that run without the request info (parser, connection).

    The session catches it where it already turns a broken head into
    ``ClientResponseError`` and raises :class:`ResponseHeadTooLarge` with
    the ``RequestInfo`` and history it holds.
    """

    __reduce__ = _reduce_by_state

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
