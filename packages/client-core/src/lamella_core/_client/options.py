"""What one request carries down the send ladder, decided once in ``_request``.

Also the helpers that turn ``ClientLimits`` into the parser's arguments and
apply aiohttp's shorthand arguments to them.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import TYPE_CHECKING, Any

from lamella_core._content.decoders import ContentDecoder
from lamella_core._limits import ClientLimits
from lamella_core._pool.http11 import ParserLimits
from lamella_core._timeouts import ClientTimeout

if TYPE_CHECKING:
    from yarl import URL

    from lamella_core.tracing import Trace

    from .middlewares import ClientMiddlewareType
    from .response import ClientResponse
    from .retry import RetryPolicy
    from .upload import UploadTracker

__all__ = ["RequestOptions", "deadline_passed", "merged_limits", "parser_arguments"]


class RequestOptions:
    """What every hop of one request shares, decided once in ``_request``.

    ``response`` is the latest response made, holding its connection until
    the caller has it: if anything raises before then (the cookie jar, a
    trace callback, ``raise_for_status``), ``_request`` closes it, so no
    failure point can leave a connection lent out. ``hop`` is the method and
    URL a redirect led to, which ``on_request_exception`` reports as aiohttp's does.
    ``max_redirects`` is None when redirects are returned, not followed;
    ``middlewares`` is ``()`` on the hot path, with none to run.
    """

    __slots__ = (
        "timeout",
        "deadline",
        "limits",
        "parser_limits",
        "read_bufsize",
        "read_until_eof",
        "make_decoder",
        "request_cookies",
        "req_kwargs",
        "traces",
        "retry",
        "max_redirects",
        "middlewares",
        "response",
        "upload_tracker",
        "hop",
    )

    def __init__(
        self,
        timeout: ClientTimeout,
        deadline: float | None,
        limits: ClientLimits,
        parser_limits: ParserLimits,
        read_bufsize: int,
        read_until_eof: bool,
        make_decoder: Callable[[list[bytes]], ContentDecoder | None] | None,
        request_cookies: SimpleCookie | None,
        req_kwargs: dict[str, Any],
        traces: list[Trace],
        retry: RetryPolicy | None,
        max_redirects: int | None,
        middlewares: tuple[ClientMiddlewareType, ...],
        upload_tracker: UploadTracker | None = None,
    ) -> None:
        self.timeout = timeout
        self.deadline = deadline
        self.limits = limits
        self.parser_limits = parser_limits
        self.read_bufsize = read_bufsize
        self.read_until_eof = read_until_eof
        self.make_decoder = make_decoder
        self.request_cookies = request_cookies
        self.req_kwargs = req_kwargs
        self.traces = traces
        self.retry = retry
        self.max_redirects = max_redirects
        self.middlewares = middlewares
        self.upload_tracker = upload_tracker
        self.response: ClientResponse | None = None
        self.hop: tuple[str, URL] | None = None  # method and URL after the latest redirect


_UNBOUNDED = 2**62


def deadline_passed(deadline: float | None, when: float) -> bool:
    """True when ``when`` is at or after the request's total deadline."""
    return deadline is not None and when >= deadline


def merged_limits(
    limits: ClientLimits,
    max_line_size: int | None,
    max_field_size: int | None,
    max_headers: int | None,
) -> ClientLimits:
    """``limits`` with aiohttp's ``max_line_size``, ``max_field_size`` and
    ``max_headers`` arguments applied."""
    given = (
        ("max_line_size", max_line_size),
        ("max_field_size", max_field_size),
        ("max_headers", max_headers),
    )
    changes = {name: value for name, value in given if value is not None}
    return limits.replace(**changes) if changes else limits


def parser_arguments(limits: ClientLimits) -> ParserLimits:
    """The parser's arguments for ``limits``; a limit set to None is unbounded."""
    return (
        limits.max_line_size or _UNBOUNDED,
        limits.max_field_size or _UNBOUNDED,
        limits.max_headers or _UNBOUNDED,
        limits.max_header_bytes or _UNBOUNDED,
        limits.max_informational or _UNBOUNDED,
    )
