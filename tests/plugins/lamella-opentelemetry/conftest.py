"""The OpenTelemetry SDK wired to in-memory exporters, and a server that reads traceparent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp import web
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from yarl import URL


@dataclass
class Telemetry:
    exporter: InMemorySpanExporter
    reader: InMemoryMetricReader
    tracer_provider: TracerProvider

    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def points(self, name: str, port: int) -> list[HistogramDataPoint]:
        """The histogram points of ``name`` for requests to ``port`` (tests use their own)."""
        data = self.reader.get_metrics_data()
        found = []
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name != name:
                        continue
                    found += [
                        p
                        for p in metric.data.data_points
                        if p.attributes.get("server.port") == port
                    ]
        return found


@pytest.fixture(autouse=True)
def _instrumentation_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test env turns lamella-opentelemetry off for the rest of the suite; on here."""
    monkeypatch.delenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", raising=False)


_GLOBAL: Telemetry | None = None
SEEN = web.AppKey("seen", list)


@pytest.fixture
def telemetry() -> Telemetry:
    """The process's global tracer and meter providers (set once), spans cleared per test."""
    global _GLOBAL
    if _GLOBAL is None:
        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        reader = InMemoryMetricReader()
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
        _GLOBAL = Telemetry(exporter, reader, tracer_provider)
    _GLOBAL.exporter.clear()
    return _GLOBAL


async def _traceparent(request: web.Request) -> web.Response:
    """Echo the trace context headers; 500 when traceparent is missing or malformed."""
    value = request.headers.get("traceparent", "")
    parts = value.split("-")
    if len(parts) != 4 or parts[0] != "00" or len(parts[1]) != 32 or len(parts[2]) != 16:
        return web.json_response({"error": f"bad traceparent {value!r}"}, status=500)
    return web.json_response(
        {"trace_id": parts[1], "span_id": parts[2], "tracestate": request.headers.get("tracestate")}
    )


async def _hop(request: web.Request) -> web.Response:
    """Redirect n times (to /hop/n-1), then echo the trace context."""
    n = int(request.match_info["n"])
    seen = request.app[SEEN]
    seen.append(request.headers.get("traceparent"))
    if n == 0:
        return await _traceparent(request)
    raise web.HTTPFound(f"/hop/{n - 1}")


async def _flaky(request: web.Request) -> web.Response:
    """Answer 503 to the first n requests of the server, then echo the trace context."""
    seen = request.app[SEEN]
    seen.append(request.headers.get("traceparent"))
    if len(seen) <= int(request.match_info["n"]):
        return web.Response(status=503, headers={"Retry-After": "0"})
    return await _traceparent(request)


async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), body=b"x" * 10)


@dataclass
class TraceServer:
    url: URL
    seen: list[str | None]

    def __truediv__(self, path: str) -> URL:
        return self.url.join(URL(path))


@pytest.fixture
async def trace_server() -> AsyncIterator[TraceServer]:
    """An aiohttp.web server that checks and echoes the propagated trace context."""
    app = web.Application()
    app[SEEN] = []
    app.router.add_route("*", "/traceparent", _traceparent)
    app.router.add_get("/hop/{n}", _hop)
    app.router.add_get("/status/{code}", _status)
    app.router.add_get("/flaky/{n}", _flaky)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield TraceServer(URL(f"http://127.0.0.1:{runner.addresses[0][1]}/"), app[SEEN])
    finally:
        await runner.cleanup()
