"""Tests for ``lamella_core.tracing``: aiohttp's tracing API, checked against aiohttp."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from types import SimpleNamespace
from typing import Any

import aiohttp.tracing
import attr
import pytest
from multidict import CIMultiDict
from yarl import URL

from lamella_core import tracing
from lamella_core.tracing import Signal, Trace, TraceConfig, make_traces

SESSION: Any = object()  # callbacks receive it untouched; no real session needed
URL_ = URL("http://example.com/path?q=1")
HEADERS = CIMultiDict({"Accept": "*/*"})
RESPONSE: Any = object()
PARAM_CLASSES = [getattr(tracing, name) for name in tracing.__all__ if name != "TraceConfig"]
# lamella's own signals (aiohttp neither retries nor reports the TLS handshake apart).
OWN_PARAMS = {
    "TraceRequestRetryParams",
    "TraceTlsHandshakeStartParams",
    "TraceTlsHandshakeEndParams",
}
OWN_SIGNALS = ["on_request_retry", "on_tls_handshake_end", "on_tls_handshake_start"]
AIOHTTP_PARAM_CLASSES = [cls for cls in PARAM_CLASSES if cls.__name__ not in OWN_PARAMS]
AIOHTTP_SIGNALS = sorted(n for n in dir(aiohttp.tracing.TraceConfig) if n.startswith("on_"))
SIGNAL_NAMES = sorted([*AIOHTTP_SIGNALS, *OWN_SIGNALS])


def field_values(params: Any) -> list[Any]:
    return [getattr(params, field.name) for field in dataclasses.fields(params)]


class Recorder:
    """An async callback that records what it was sent."""

    def __init__(self, log: list[tuple[Any, ...]] | None = None, tag: str = "") -> None:
        self.log: list[tuple[Any, ...]] = [] if log is None else log
        self.tag = tag

    async def __call__(self, session: Any, ctx: SimpleNamespace, params: Any) -> None:
        self.log.append((self.tag, session, ctx, params))


# --- the public names and the parameter classes -------------------------------------


def test_public_names_are_aiohttps_and_lamellas_own():
    assert sorted(set(tracing.__all__) - OWN_PARAMS) == sorted(aiohttp.tracing.__all__)
    assert set(tracing.__all__) >= OWN_PARAMS
    assert tracing.__all__ == sorted(tracing.__all__)


@pytest.mark.parametrize("cls", AIOHTTP_PARAM_CLASSES, ids=lambda cls: cls.__name__)
def test_param_fields_match_aiohttp(cls):
    ours = [field.name for field in dataclasses.fields(cls)]
    theirs = [field.name for field in attr.fields(getattr(aiohttp.tracing, cls.__name__))]
    assert ours == theirs


@pytest.mark.parametrize("cls", PARAM_CLASSES, ids=lambda cls: cls.__name__)
def test_params_are_frozen_and_slotted(cls):
    names = [field.name for field in dataclasses.fields(cls)]
    assert cls.__slots__ == tuple(names)
    values = [object() for _ in names]
    params = cls(*values)
    assert not hasattr(params, "__dict__")
    assert field_values(params) == values
    for name in [*names, "extra"]:
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(params, name, None)
        with pytest.raises(AttributeError):
            delattr(params, name)


@pytest.mark.parametrize("cls", PARAM_CLASSES, ids=lambda cls: cls.__name__)
def test_params_copy_and_pickle(cls):
    params = cls(*[f"value-{field.name}" for field in dataclasses.fields(cls)])
    for clone in (copy.copy(params), copy.deepcopy(params), pickle.loads(pickle.dumps(params))):
        assert clone == params
        assert type(clone) is cls
    assert dataclasses.asdict(params) == {
        f.name: getattr(params, f.name) for f in dataclasses.fields(cls)
    }


def test_params_positional_keyword_and_equal():
    start = tracing.TraceRequestStartParams("GET", URL_, HEADERS)
    assert start == tracing.TraceRequestStartParams(method="GET", url=URL_, headers=HEADERS)
    assert start.method == "GET"
    assert start.url is URL_
    assert start.headers is HEADERS
    hit = tracing.TraceDnsCacheHitParams("example.com")
    assert hit.host == "example.com"
    assert hash(hit) == hash(tracing.TraceDnsCacheHitParams("example.com"))
    assert tracing.TraceConnectionReuseconnParams() == tracing.TraceConnectionReuseconnParams()
    assert "example.com" in repr(hit)


# --- TraceConfig and its signals ----------------------------------------------------


def test_signals_are_aiohttps_and_lamellas_own():
    ours = sorted(name for name in dir(TraceConfig) if name.startswith("on_"))
    assert ours == SIGNAL_NAMES
    config = TraceConfig()
    for name in SIGNAL_NAMES:
        signal = getattr(config, name)
        assert isinstance(signal, Signal)
        assert getattr(config, name) is signal
        assert getattr(TraceConfig(), name) is not signal
        assert not signal.frozen
        assert len(signal) == 0
        assert getattr(TraceConfig, name).__doc__


def test_signal_attributes_are_read_only():
    config = TraceConfig()
    with pytest.raises(AttributeError):
        config.on_request_start = Signal(config)  # type: ignore[assignment]


def test_list_methods_before_freeze():
    first, second, third = Recorder(), Recorder(), Recorder()
    signal = TraceConfig().on_request_start
    signal.append(first)
    signal.extend([second])
    signal.insert(0, third)
    assert list(signal) == [third, first, second]
    assert signal[0] is third
    assert signal[1:] == [first, second]
    assert first in signal
    assert signal.index(second) == 2
    signal[0] = second
    del signal[0]
    signal.remove(first)
    assert signal.pop() is second
    signal += [first]
    assert len(signal) == 1
    signal.clear()
    assert len(signal) == 0


@pytest.mark.parametrize(
    "change",
    [
        lambda s: s.append(Recorder()),
        lambda s: s.extend([Recorder()]),
        lambda s: s.insert(0, Recorder()),
        lambda s: s.__setitem__(0, Recorder()),
        lambda s: s.__delitem__(0),
        lambda s: s.pop(),
        lambda s: s.remove(s[0]),
        lambda s: s.clear(),
        lambda s: s.__iadd__([Recorder()]),
        lambda s: s(Recorder()),
    ],
    ids=[
        "append",
        "extend",
        "insert",
        "setitem",
        "delitem",
        "pop",
        "remove",
        "clear",
        "iadd",
        "decorate",
    ],
)
def test_frozen_signal_refuses_changes(change):
    config = TraceConfig()
    callback = Recorder()
    config.on_request_start.append(callback)
    config.freeze()
    with pytest.raises(RuntimeError):
        change(config.on_request_start)
    assert list(config.on_request_start) == [callback]


def test_freeze_freezes_every_signal_and_is_idempotent():
    config = TraceConfig()
    config.freeze()
    config.freeze()
    for name in SIGNAL_NAMES:
        signal = getattr(config, name)
        assert signal.frozen
        with pytest.raises(RuntimeError):
            signal.append(Recorder())


async def test_send_requires_a_frozen_signal():
    signal = TraceConfig().on_request_end
    with pytest.raises(RuntimeError):
        await signal.send(SESSION, SimpleNamespace(), None)


async def test_send_awaits_callbacks_in_order():
    config = TraceConfig()
    log: list[tuple[Any, ...]] = []
    config.on_request_start.append(Recorder(log, "a"))

    @config.on_request_start
    async def decorated(session: Any, ctx: SimpleNamespace, params: Any) -> None:
        log.append(("b", session, ctx, params))

    config.freeze()
    ctx = SimpleNamespace()
    params = tracing.TraceRequestStartParams("GET", URL_, HEADERS)
    await config.on_request_start.send(SESSION, ctx, params)
    assert log == [("a", SESSION, ctx, params), ("b", SESSION, ctx, params)]
    assert callable(decorated)


async def test_callback_error_propagates_and_stops_the_signal():
    config = TraceConfig()
    after = Recorder()

    async def failing(session: Any, ctx: SimpleNamespace, params: Any) -> None:
        raise ValueError("boom")

    config.on_dns_cache_hit.extend([failing, after])
    config.freeze()
    with pytest.raises(ValueError, match="boom"):
        await config.on_dns_cache_hit.send(SESSION, SimpleNamespace(), None)
    assert after.log == []


def test_signal_repr():
    config = TraceConfig()
    config.on_request_end.append(Recorder())
    config.freeze()
    text = repr(config.on_request_end)
    assert text.startswith("<Signal owner=<lamella_core.tracing.TraceConfig")
    assert "frozen=True" in text
    assert "Recorder" in text


# --- the per-request context --------------------------------------------------------


def test_default_ctx_factory():
    config = TraceConfig()
    ctx = config.trace_config_ctx()
    assert type(ctx) is SimpleNamespace
    assert ctx.trace_request_ctx is None
    tagged = config.trace_config_ctx(trace_request_ctx={"tag": 1})
    assert tagged.trace_request_ctx == {"tag": 1}
    assert tagged is not config.trace_config_ctx(trace_request_ctx={"tag": 1})
    assert config.trace_config_ctx("positional").trace_request_ctx == "positional"


def test_custom_ctx_factory():
    class Ctx(SimpleNamespace):
        def __init__(self, trace_request_ctx: Any) -> None:
            super().__init__(trace_request_ctx=trace_request_ctx, started=None)

    ctx = TraceConfig(trace_config_ctx_factory=Ctx).trace_config_ctx(trace_request_ctx=7)
    assert isinstance(ctx, Ctx)
    assert (ctx.trace_request_ctx, ctx.started) == (7, None)


# --- Trace and make_traces ----------------------------------------------------------

TRACE_SENDS = [
    ("send_request_start", "on_request_start", ("GET", URL_, HEADERS)),
    ("send_request_chunk_sent", "on_request_chunk_sent", ("POST", URL_, b"chunk")),
    ("send_response_chunk_received", "on_response_chunk_received", ("GET", URL_, b"body")),
    ("send_request_end", "on_request_end", ("GET", URL_, HEADERS, RESPONSE)),
    ("send_request_exception", "on_request_exception", ("GET", URL_, HEADERS, OSError("x"))),
    ("send_request_redirect", "on_request_redirect", ("GET", URL_, HEADERS, RESPONSE)),
    ("send_request_headers", "on_request_headers_sent", ("GET", URL_, HEADERS)),
    ("send_connection_queued_start", "on_connection_queued_start", ()),
    ("send_connection_queued_end", "on_connection_queued_end", ()),
    ("send_connection_create_start", "on_connection_create_start", ()),
    ("send_connection_create_end", "on_connection_create_end", ()),
    ("send_connection_reuseconn", "on_connection_reuseconn", ()),
    ("send_dns_resolvehost_start", "on_dns_resolvehost_start", ("example.com",)),
    ("send_dns_resolvehost_end", "on_dns_resolvehost_end", ("example.com",)),
    ("send_dns_cache_hit", "on_dns_cache_hit", ("example.com",)),
    ("send_dns_cache_miss", "on_dns_cache_miss", ("example.com",)),
]


ERROR = OSError("reset")
OWN_SENDS = [
    (
        "send_request_retry",
        "on_request_retry",
        ("GET", URL_, HEADERS, 1, ERROR, 0.5),
        ["GET", URL_, HEADERS, 1, None, ERROR, 0.5],
    ),
    (
        "send_request_retry",
        "on_request_retry",
        ("GET", URL_, HEADERS, 2, RESPONSE, 0.0),
        ["GET", URL_, HEADERS, 2, RESPONSE, None, 0.0],
    ),
    (
        "send_tls_handshake_start",
        "on_tls_handshake_start",
        ("127.0.0.1", 443, "example.com"),
        ["127.0.0.1", 443, "example.com"],
    ),
    (
        "send_tls_handshake_end",
        "on_tls_handshake_end",
        ("127.0.0.1", 443, "example.com", "TLSv1.3", "h2"),
        ["127.0.0.1", 443, "example.com", "TLSv1.3", "h2"],
    ),
]


def test_trace_methods_match_aiohttps_and_lamellas_own():
    ours = sorted(name for name in dir(Trace) if name.startswith("send_"))
    theirs = sorted(name for name in dir(aiohttp.tracing.Trace) if name.startswith("send_"))
    assert theirs == sorted(method for method, _, _ in TRACE_SENDS)
    assert ours == sorted({*theirs, *(method for method, _, _, _ in OWN_SENDS)})
    assert sorted(signal for _, signal, _ in TRACE_SENDS) == AIOHTTP_SIGNALS
    assert sorted({signal for _, signal, _, _ in OWN_SENDS}) == OWN_SIGNALS


@pytest.mark.parametrize(("method", "signal_name", "args", "fields"), OWN_SENDS)
async def test_lamellas_own_sends_fire_only_their_signal(method, signal_name, args, fields):
    config = TraceConfig()
    log: list[tuple[Any, ...]] = []
    for name in SIGNAL_NAMES:
        getattr(config, name).append(Recorder(log, name))
    config.freeze()
    ctx = config.trace_config_ctx()
    await getattr(Trace(SESSION, config, ctx), method)(*args)
    [(tag, session, got_ctx, params)] = log
    assert (tag, session, got_ctx) == (signal_name, SESSION, ctx)
    assert field_values(params) == fields


@pytest.mark.parametrize(
    ("method", "signal_name", "args"), TRACE_SENDS, ids=[method for method, _, _ in TRACE_SENDS]
)
async def test_each_send_fires_only_its_signal(method, signal_name, args):
    config = TraceConfig()
    log: list[tuple[Any, ...]] = []
    for name in SIGNAL_NAMES:
        getattr(config, name).append(Recorder(log, name))
    config.freeze()
    ctx = config.trace_config_ctx(trace_request_ctx="req")
    await getattr(Trace(SESSION, config, ctx), method)(*args)

    [(tag, session, got_ctx, params)] = log
    assert (tag, session, got_ctx) == (signal_name, SESSION, ctx)

    # aiohttp's Trace, sent the same arguments, yields the same class and values.
    theirs_config = aiohttp.tracing.TraceConfig()
    theirs_log: list[tuple[Any, ...]] = []
    getattr(theirs_config, signal_name).append(Recorder(theirs_log))
    theirs_config.freeze()
    await getattr(aiohttp.tracing.Trace(SESSION, theirs_config, ctx), method)(*args)
    [(_, _, _, theirs)] = theirs_log
    assert type(params).__name__ == type(theirs).__name__
    assert type(params) is getattr(tracing, type(theirs).__name__)
    assert field_values(params) == [getattr(theirs, a.name) for a in attr.fields(type(theirs))]
    assert field_values(params) == list(args)


@pytest.mark.parametrize(
    ("method", "signal_name", "args"), TRACE_SENDS, ids=[method for method, _, _ in TRACE_SENDS]
)
async def test_send_without_callbacks_is_a_no_op(method, signal_name, args):
    config = TraceConfig()
    config.freeze()
    trace = Trace(SESSION, config, config.trace_config_ctx())
    assert await getattr(trace, method)(*args) is None


def test_trace_repr():
    config = TraceConfig()
    trace = Trace(SESSION, config, config.trace_config_ctx(trace_request_ctx="req"))
    assert repr(trace).startswith("<Trace config=<lamella_core.tracing.TraceConfig")
    assert "trace_request_ctx='req'" in repr(trace)


async def test_make_traces_one_per_config_with_fresh_contexts():
    configs = [TraceConfig(), TraceConfig()]
    log: list[tuple[Any, ...]] = []
    for index, config in enumerate(configs):
        config.on_request_start.append(Recorder(log, f"start{index}"))
        config.on_request_end.append(Recorder(log, f"end{index}"))
        config.freeze()

    traces = make_traces(SESSION, configs, {"tag": 1})
    assert len(traces) == 2
    assert all(isinstance(trace, Trace) for trace in traces)
    for trace in traces:
        await trace.send_request_start("GET", URL_, HEADERS)
    for trace in traces:
        await trace.send_request_end("GET", URL_, HEADERS, RESPONSE)

    assert [entry[0] for entry in log] == ["start0", "start1", "end0", "end1"]
    ctx0, ctx1 = log[0][2], log[1][2]
    assert ctx0 is not ctx1
    assert log[2][2] is ctx0  # one context per request and config, across signals
    assert log[3][2] is ctx1
    assert ctx0.trace_request_ctx == {"tag": 1}

    again = make_traces(SESSION, configs, None)
    await again[0].send_request_start("GET", URL_, HEADERS)
    assert log[-1][2] is not ctx0
    assert log[-1][2].trace_request_ctx is None


def test_make_traces_without_configs():
    assert make_traces(SESSION, [], None) == []
    assert make_traces(SESSION, ()) == []


def test_make_traces_passes_the_ctx_by_keyword():
    seen: list[Any] = []

    class Config(TraceConfig):
        def trace_config_ctx(self, *, trace_request_ctx: Any = None) -> SimpleNamespace:  # type: ignore[override]
            seen.append(trace_request_ctx)
            return SimpleNamespace(trace_request_ctx=trace_request_ctx)

    make_traces(SESSION, [Config()], "tag")
    assert seen == ["tag"]
