"""Spans, propagation and metrics of lamella-opentelemetry against a real server."""

from __future__ import annotations

import socket

import pytest
from aiohttp import web
from opentelemetry import trace
from opentelemetry.propagators.textmap import DefaultSetter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from lamella_core import ClientConnectorError, ClientSession, DigestAuthMiddleware, ExponentialRetry
from lamella_opentelemetry import (
    disabled,
    instrument_session,
    is_instrumented,
    uninstrument_session,
)
from web_peers import serve


async def test_one_client_span_with_the_stable_attributes(telemetry, trace_server) -> None:
    async with ClientSession() as session:
        assert is_instrumented(session)
        async with session.get(trace_server / "traceparent") as resp:
            echoed = await resp.json()
    (span,) = telemetry.spans()
    assert span.name == "GET"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    port = trace_server.url.port
    assert dict(span.attributes) == {
        "http.request.method": "GET",
        "server.address": "127.0.0.1",
        "server.port": port,
        "url.scheme": "http",
        "url.full": str(trace_server / "traceparent"),
        "http.response.status_code": 200,
        "network.protocol.version": "1.1",
    }
    # The server saw this span as the parent of its work.
    context = span.get_span_context()
    assert echoed["trace_id"] == format(context.trace_id, "032x")
    assert echoed["span_id"] == format(context.span_id, "016x")


async def test_the_span_is_a_child_of_the_callers_span(telemetry, trace_server) -> None:
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("caller") as parent:
        async with ClientSession() as session, session.get(trace_server / "traceparent") as resp:
            echoed = await resp.json()
    client, caller = telemetry.spans()
    assert caller.name == "caller"
    assert client.parent is not None
    assert client.parent.span_id == parent.get_span_context().span_id
    assert echoed["trace_id"] == format(parent.get_span_context().trace_id, "032x")


async def test_a_span_per_redirect_hop_with_resend_count(telemetry, trace_server) -> None:
    async with ClientSession() as session, session.get(trace_server / "hop/2") as resp:
        assert resp.status == 200
        echoed = await resp.json()
    spans = telemetry.spans()
    assert [s.attributes["url.full"] for s in spans] == [
        str(trace_server / f"hop/{n}") for n in (2, 1, 0)
    ]
    assert [s.attributes.get("http.request.resend_count") for s in spans] == [None, 1, 2]
    assert [s.attributes["http.response.status_code"] for s in spans] == [302, 302, 200]
    # Each hop carried its own span as the parent, all in one trace.
    span_ids = [format(s.get_span_context().span_id, "016x") for s in spans]
    assert [value.split("-")[2] for value in trace_server.seen] == span_ids
    assert echoed["span_id"] == span_ids[-1]
    # Without a parent each hop starts a trace; each resend links to the hop before.
    assert [[link.context for link in s.links] for s in spans] == [
        [],
        [spans[0].get_span_context()],
        [spans[1].get_span_context()],
    ]


async def test_a_span_per_retry_with_resend_count(telemetry, trace_server) -> None:
    retry = ExponentialRetry(attempts=3, base_delay=0.001, jitter="none")
    async with ClientSession(retry=retry) as session:
        async with session.get(trace_server / "flaky/2") as resp:
            assert resp.status == 200
            echoed = await resp.json()
    spans = telemetry.spans()
    assert [s.attributes.get("http.request.resend_count") for s in spans] == [None, 1, 2]
    assert [s.attributes["http.response.status_code"] for s in spans] == [503, 503, 200]
    assert [s.status.status_code for s in spans] == [StatusCode.ERROR] * 2 + [StatusCode.UNSET]
    # Every attempt carried its own span as the parent.
    span_ids = [format(s.get_span_context().span_id, "016x") for s in spans]
    assert [value.split("-")[2] for value in trace_server.seen] == span_ids
    assert echoed["span_id"] == span_ids[-1]
    assert [[link.context for link in s.links] for s in spans[1:]] == [
        [spans[0].get_span_context()],
        [spans[1].get_span_context()],
    ]


async def test_a_digest_challenge_answered_is_a_resend(telemetry) -> None:
    async def protected(request: web.Request) -> web.Response:
        header = request.headers.get("Authorization", "")
        if header.startswith("Digest "):
            return web.json_response({"traceparent": request.headers["traceparent"]})
        challenge = 'Digest realm="r", nonce="abc", qop="auth", algorithm=SHA-256'
        return web.Response(status=401, headers={"WWW-Authenticate": challenge})

    app = web.Application()
    app.router.add_get("/", protected)
    async with serve(app) as url:
        middleware = DigestAuthMiddleware("user", "secret")
        async with ClientSession(middlewares=(middleware,)) as session:
            async with session.get(url) as resp:
                echoed = await resp.json()
    first, second = telemetry.spans()
    assert first.attributes["http.response.status_code"] == 401
    assert second.attributes["http.request.resend_count"] == 1
    assert second.attributes["http.response.status_code"] == 200
    assert echoed["traceparent"].split("-")[2] == format(second.get_span_context().span_id, "016x")


async def test_redirect_hops_are_siblings_under_the_callers_span(telemetry, trace_server) -> None:
    with trace.get_tracer("test").start_as_current_span("caller") as parent:
        async with ClientSession() as session, session.get(trace_server / "hop/1") as resp:
            await resp.read()
    *hops, caller = telemetry.spans()
    assert caller.name == "caller"
    assert [h.parent.span_id for h in hops] == [parent.get_span_context().span_id] * 2
    assert {h.get_span_context().trace_id for h in hops} == {parent.get_span_context().trace_id}


@pytest.mark.parametrize("code", [404, 503])
async def test_an_error_status_sets_error_type(telemetry, trace_server, code) -> None:
    async with ClientSession() as session, session.get(trace_server / f"status/{code}") as resp:
        assert resp.status == code
    (span,) = telemetry.spans()
    assert span.attributes["error.type"] == str(code)
    assert span.status.status_code is StatusCode.ERROR


async def test_a_failed_connection_records_the_exception(telemetry) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once the socket is closed
    async with ClientSession() as session:
        with pytest.raises(ClientConnectorError):
            await session.get(f"http://127.0.0.1:{port}/")
    (span,) = telemetry.spans()
    assert span.attributes["error.type"] == "ClientConnectorError"
    assert "http.response.status_code" not in span.attributes
    assert span.status.status_code is StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]


async def test_credentials_and_signatures_are_redacted(telemetry, trace_server) -> None:
    url = trace_server.url.with_user("ada").with_password("s3cret") / "traceparent"
    async with ClientSession() as session:
        async with session.get(url, params={"sig": "abc", "page": "2"}) as resp:
            await resp.read()
    (span,) = telemetry.spans()
    port = trace_server.url.port
    assert span.attributes["url.full"] == (
        f"http://REDACTED:REDACTED@127.0.0.1:{port}/traceparent?sig=REDACTED&page=2"
    )


async def test_unknown_methods_are_reported_as_other(telemetry, trace_server) -> None:
    async with ClientSession() as session:
        async with session.request("PURGE", trace_server / "traceparent") as resp:
            await resp.read()
    (span,) = telemetry.spans()
    assert span.name == "HTTP"
    assert span.attributes["http.request.method"] == "_OTHER"
    assert span.attributes["http.request.method_original"] == "PURGE"


async def test_duration_and_body_size_histograms(telemetry, trace_server) -> None:
    async with ClientSession() as session:
        for _ in range(3):
            async with session.post(trace_server / "traceparent", data=b"12345") as resp:
                await resp.read()
        async with session.get(trace_server / "status/500") as resp:
            await resp.read()
    port = trace_server.url.port
    durations = {
        (p.attributes["http.request.method"], p.attributes["http.response.status_code"]): p
        for p in telemetry.points("http.client.request.duration", port)
    }
    assert sorted(durations) == [("GET", 500), ("POST", 200)]
    assert durations["POST", 200].count == 3
    assert durations["GET", 500].attributes["error.type"] == "500"
    assert durations["POST", 200].explicit_bounds[:3] == (0.005, 0.01, 0.025)
    assert "url.full" not in durations["POST", 200].attributes  # high cardinality: spans only
    (request_sizes,) = telemetry.points("http.client.request.body.size", port)
    assert (request_sizes.count, request_sizes.sum) == (3, 15)
    response_sizes = telemetry.points("http.client.response.body.size", port)
    assert sum(p.count for p in response_sizes) == 4


async def test_sessions_created_inside_disabled_are_not_instrumented(
    telemetry, trace_server
) -> None:
    with disabled():
        session = ClientSession()
    async with session:
        assert not is_instrumented(session)
        async with session.get(trace_server / "traceparent") as resp:
            assert resp.status == 500  # no traceparent was sent
    assert telemetry.spans() == []


async def test_uninstrument_one_session(telemetry, trace_server) -> None:
    async with ClientSession() as quiet, ClientSession() as traced:
        uninstrument_session(quiet)
        async with quiet.get(trace_server / "traceparent") as resp:
            assert resp.status == 500
        async with traced.get(trace_server / "traceparent") as resp:
            assert resp.status == 200
    assert len(telemetry.spans()) == 1


async def test_the_environment_variable_turns_it_off(telemetry, trace_server, monkeypatch) -> None:
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "requests, lamella")
    async with ClientSession() as session:
        assert not is_instrumented(session)


async def test_explicit_providers_and_propagator(telemetry, trace_server) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))

    class TaggingPropagator(TraceContextTextMapPropagator):
        def inject(self, carrier, context=None, setter=DefaultSetter()):  # noqa: B008
            super().inject(carrier, context, setter)
            setter.set(carrier, "tracestate", "lamella=1")

    async with ClientSession() as session:
        instrument_session(session, tracer_provider=provider, propagator=TaggingPropagator())
        assert sum(1 for c in session.trace_configs if type(c).__name__.startswith("Open")) == 1
        async with session.get(trace_server / "traceparent") as resp:
            echoed = await resp.json()
    assert echoed["tracestate"] == "lamella=1"
    (span,) = exporter.get_finished_spans()
    assert echoed["span_id"] == format(span.get_span_context().span_id, "016x")
    assert telemetry.spans() == []  # the global provider saw nothing
