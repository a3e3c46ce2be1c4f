"""The trace config that turns a session's requests into spans and metrics.

One CLIENT span per attempt: the first starts with the request; each
followed redirect and each resend on the same hop (the retry policy, a dead
keep-alive connection, a middleware calling its handler again) ends the
current one (with its status or exception) and starts the next with
``http.request.resend_count``; the final one ends when the last response's
head arrives or the request fails. The propagator writes
``traceparent``/``tracestate`` into each hop's headers before they are sent.
"""

from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from multidict import CIMultiDict
from opentelemetry import metrics, propagate, trace
from opentelemetry.metrics import Histogram, MeterProvider
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.util.types import AttributeValue
from yarl import URL

from lamella_core import ClientResponse, ClientSession
from lamella_core.tracing import (
    TraceConfig,
    TraceRequestEndParams,
    TraceRequestExceptionParams,
    TraceRequestHeadersSentParams,
    TraceRequestRedirectParams,
    TraceRequestRetryParams,
    TraceRequestStartParams,
)

from . import _semconv as sc
from ._version import __version__

__all__ = [
    "OpenTelemetryTraceConfig",
    "disabled",
    "instrument_session",
    "instrumentation_disabled",
    "is_instrumented",
    "uninstrument_session",
]

_DISABLED: contextvars.ContextVar[bool] = contextvars.ContextVar("lamella_otel_disabled")


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Sessions created inside this block (in this context) are not instrumented."""
    token = _DISABLED.set(True)
    try:
        yield
    finally:
        _DISABLED.reset(token)


def instrumentation_disabled() -> bool:
    """True inside :func:`disabled`."""
    return _DISABLED.get(False)


@dataclass(frozen=True)
class _Instruments:
    tracer: trace.Tracer
    duration: Histogram
    request_size: Histogram
    response_size: Histogram
    propagator: TextMapPropagator | None


class _Hop(SimpleNamespace):
    """The per-request state: the open span, its start time and the hop's number."""

    span: trace.Span | None = None
    previous: trace.SpanContext | None = None
    start: float = 0.0
    resend_count: int = 0
    attributes: dict[str, AttributeValue] | None = None


def _hop(ctx: SimpleNamespace) -> _Hop:
    assert isinstance(ctx, _Hop), ctx  # built by OpenTelemetryTraceConfig's factory
    return ctx


def _instruments(
    tracer_provider: TracerProvider | None,
    meter_provider: MeterProvider | None,
    propagator: TextMapPropagator | None,
) -> _Instruments:
    tracer = trace.get_tracer(
        "lamella_opentelemetry", __version__, tracer_provider, schema_url=sc.SCHEMA_URL
    )
    meter = metrics.get_meter(
        "lamella_opentelemetry", __version__, meter_provider, schema_url=sc.SCHEMA_URL
    )
    return _Instruments(
        tracer=tracer,
        duration=meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of HTTP client requests.",
            explicit_bucket_boundaries_advisory=list(sc.DURATION_BUCKETS),
        ),
        request_size=meter.create_histogram(
            "http.client.request.body.size",
            unit="By",
            description="Size of HTTP client request bodies.",
        ),
        response_size=meter.create_histogram(
            "http.client.response.body.size",
            unit="By",
            description="Size of HTTP client response bodies.",
        ),
        propagator=propagator,
    )


class OpenTelemetryTraceConfig(TraceConfig):
    """A ``TraceConfig`` recording each request hop as a span and in the histograms."""

    def __init__(self, instruments: _Instruments) -> None:
        super().__init__(trace_config_ctx_factory=lambda trace_request_ctx: _Hop())
        self._instruments = instruments
        self.on_request_start.append(self._on_start)
        self.on_request_redirect.append(self._on_redirect)
        self.on_request_retry.append(self._on_retry)
        self.on_request_end.append(self._on_end)
        self.on_request_exception.append(self._on_exception)
        self.on_request_headers_sent.append(self._on_headers_sent)

    # --- signals ----------------------------------------------------------------------

    async def _on_start(
        self, session: ClientSession, ctx: SimpleNamespace, params: TraceRequestStartParams
    ) -> None:
        hop = _hop(ctx)
        self._begin(hop, params.method, params.url, params.headers)

    async def _on_redirect(
        self, session: ClientSession, ctx: SimpleNamespace, params: TraceRequestRedirectParams
    ) -> None:
        hop = _hop(ctx)
        self._finish(hop, params.response, None)
        hop.resend_count += 1
        location = params.response.headers.get("Location", "")
        next_url = params.url.join(URL(location)) if location else params.url
        self._begin(hop, params.method, next_url, params.headers)

    async def _on_retry(
        self, session: ClientSession, ctx: SimpleNamespace, params: TraceRequestRetryParams
    ) -> None:
        hop = _hop(ctx)
        self._finish(hop, params.response, params.exception)
        hop.resend_count += 1
        self._begin(hop, params.method, params.url, params.headers)

    async def _on_headers_sent(
        self, session: ClientSession, ctx: SimpleNamespace, params: TraceRequestHeadersSentParams
    ) -> None:
        hop = _hop(ctx)
        size = params.headers.get("Content-Length")
        if size is not None and size.isdigit() and hop.attributes is not None:
            self._instruments.request_size.record(int(size), hop.attributes)

    async def _on_end(
        self, session: ClientSession, ctx: SimpleNamespace, params: TraceRequestEndParams
    ) -> None:
        hop = _hop(ctx)
        self._finish(hop, params.response, None)

    async def _on_exception(
        self, session: ClientSession, ctx: SimpleNamespace, params: TraceRequestExceptionParams
    ) -> None:
        hop = _hop(ctx)
        self._finish(hop, None, params.exception)

    # --- spans and metrics --------------------------------------------------------------

    def _begin(self, hop: _Hop, method: str, url: URL, headers: Any) -> None:
        attributes: dict[str, AttributeValue] = dict(sc.method_attributes(method))
        if url.host:
            attributes[sc.SERVER_ADDRESS] = url.host
        if url.port is not None:
            attributes[sc.SERVER_PORT] = url.port
        attributes[sc.URL_SCHEME] = url.scheme
        span_attributes = dict(attributes)
        span_attributes[sc.URL_FULL] = sc.redacted_url(url)
        if hop.resend_count:
            span_attributes[sc.HTTP_RESEND_COUNT] = hop.resend_count
        name = attributes[sc.HTTP_REQUEST_METHOD]
        # A resend is a sibling of the first hop (same parent, if any), linked to
        # the hop before it, so that a trace without a parent still shows the chain.
        links = [trace.Link(hop.previous)] if hop.previous is not None else None
        span = self._instruments.tracer.start_span(
            "HTTP" if name == "_OTHER" else str(name),
            kind=SpanKind.CLIENT,
            attributes=span_attributes,
            links=links,
        )
        if isinstance(headers, CIMultiDict):
            context = trace.set_span_in_context(span)
            propagator = self._instruments.propagator
            if propagator is None:
                propagate.inject(headers, context=context)
            else:
                propagator.inject(headers, context=context)
        hop.previous = span.get_span_context()
        hop.span = span
        hop.attributes = attributes
        hop.start = time.monotonic()

    def _finish(
        self, hop: _Hop, response: ClientResponse | None, exc: BaseException | None
    ) -> None:
        span, attributes = hop.span, hop.attributes
        if span is None or attributes is None:
            return
        hop.span = None
        elapsed = max(time.monotonic() - hop.start, 0.0)
        if response is not None:
            attributes[sc.HTTP_STATUS_CODE] = response.status
            attributes[sc.NETWORK_PROTOCOL_VERSION] = "{}.{}".format(*response.version)
            if response.status >= 400:
                attributes[sc.ERROR_TYPE] = str(response.status)
                span.set_status(Status(StatusCode.ERROR))
            size = response.headers.get("Content-Length")
            if size is not None and size.isdigit():
                self._instruments.response_size.record(int(size), attributes)
        if exc is not None:
            error_type = type(exc).__qualname__
            attributes[sc.ERROR_TYPE] = error_type
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, str(exc) or error_type))
        for key in (sc.HTTP_STATUS_CODE, sc.NETWORK_PROTOCOL_VERSION, sc.ERROR_TYPE):
            if key in attributes:
                span.set_attribute(key, attributes[key])
        span.end()
        self._instruments.duration.record(elapsed, attributes)


def instrument_session(
    session: ClientSession,
    *,
    tracer_provider: TracerProvider | None = None,
    meter_provider: MeterProvider | None = None,
    propagator: TextMapPropagator | None = None,
) -> None:
    """Record the requests of ``session`` (already instrumented: replace the providers).

    Args:
        session: The session, before its first request.
        tracer_provider: Where spans go (the global provider by default).
        meter_provider: Where the histograms go (the global provider by default).
        propagator: Writes the trace context into the request headers (the
            global propagator, W3C ``traceparent``/``tracestate`` by default).
    """
    uninstrument_session(session)
    instruments = _instruments(tracer_provider, meter_provider, propagator)
    config = OpenTelemetryTraceConfig(instruments)
    config.freeze()
    session.trace_configs.append(config)


def uninstrument_session(session: ClientSession) -> None:
    """Stop recording the requests of ``session``; those in flight finish as they started."""
    configs = session.trace_configs
    configs[:] = [c for c in configs if not isinstance(c, OpenTelemetryTraceConfig)]


def is_instrumented(session: ClientSession) -> bool:
    """True when ``session``'s requests are recorded."""
    return any(isinstance(c, OpenTelemetryTraceConfig) for c in session.trace_configs)
