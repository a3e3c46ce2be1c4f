"""lamella-opentelemetry's overhead per request, against a loopback keep-alive server.

    hatch run bench:python benchmarks/otel/bench_otel.py
    hatch run bench:python benchmarks/otel/bench_otel.py --quick --json out.json

The same session setup runs sequential GETs three ways, in one process, each
on its own keep-alive connection, taking turns: without instrumentation
(``disabled()``), instrumented with the OpenTelemetry API but no SDK (the
no-op providers an application gets before configuring one), and
instrumented with the SDK recording every
span (a ``BatchSpanProcessor`` into an exporter that drops them) and the
histograms (an in-memory metric reader). The server is a raw asyncio
server answering each request with the same small response, so what is
measured is the client. Prints the median microseconds per request of
several repetitions, and the overhead over the uninstrumented run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from lamella_core import ClientSession
from lamella_opentelemetry import disabled, instrument_session

MODES = ("off", "api", "sdk")
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


class _Drop(SpanExporter):
    """Accepts every span and keeps none: the export cost is not lamella's."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


_HANDLERS: list[asyncio.Task[Any]] = []


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    task = asyncio.current_task()
    if task is not None:
        _HANDLERS.append(task)
    try:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(RESPONSE)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


def _session(mode: str) -> ClientSession:
    """A session not instrumented ("off"), on the no-op API ("api") or on the SDK ("sdk")."""
    if mode == "off":
        with disabled():
            return ClientSession()
    session = ClientSession()
    if mode == "sdk":
        provider = TracerProvider()
        provider.add_span_processor(BatchSpanProcessor(_Drop()))
        meters = MeterProvider(metric_readers=[InMemoryMetricReader()])
        instrument_session(session, tracer_provider=provider, meter_provider=meters)
    else:
        instrument_session(session, tracer_provider=trace.NoOpTracerProvider())
    return session


async def _batch(session: ClientSession, url: str, requests: int) -> float:
    """Microseconds per request over ``requests`` sequential GETs."""
    start = time.perf_counter()
    for _ in range(requests):
        async with session.get(url) as resp:
            await resp.read()
    return (time.perf_counter() - start) / requests * 1e6


async def _measure(url: str, requests: int, repeats: int) -> dict[str, float]:
    """Median microseconds per request of each mode; the modes take turns, so a
    machine that slows down or speeds up during the run affects all alike."""
    sessions = {mode: _session(mode) for mode in MODES}
    samples: dict[str, list[float]] = {mode: [] for mode in MODES}
    try:
        for session in sessions.values():
            await _batch(session, url, 50)  # warm up: connection, caches
        for _ in range(repeats):
            for mode, session in sessions.items():
                samples[mode].append(await _batch(session, url, requests))
    finally:
        for session in sessions.values():
            await session.close()
    return {mode: statistics.median(values) for mode, values in samples.items()}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests")
    parser.add_argument("--json", help="write the results to this file")
    return parser


async def main(argv: list[str] | None = None) -> dict[str, float]:
    args = _parser().parse_args(argv)
    requests, repeats = (200, 3) if args.quick else (1000, 11)
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    try:
        results = await _measure(url, requests, repeats)
    finally:
        server.close()
        await asyncio.gather(*_HANDLERS)  # each ends when its session closed the connection
        await server.wait_closed()
    for mode, label in (("off", "not instrumented"), ("api", "API only"), ("sdk", "SDK")):
        extra = "" if mode == "off" else f"  (+{results[mode] - results['off']:.1f} us)"
        print(f"{label:>17}: {results[mode]:7.1f} us/request{extra}")
    return results


def cli(argv: list[str] | None = None) -> None:
    """Run the benchmark; ``--json`` writes the medians out, after the loop has ended."""
    args, _ = _parser().parse_known_args(argv)
    results = asyncio.run(main(argv))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(results, out, indent=2)


if __name__ == "__main__":
    cli()
