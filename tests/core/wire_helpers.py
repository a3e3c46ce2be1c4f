"""Helpers for the wire tests: feed bytes every way and compare outcomes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from lamella_core._wire import Body, ChunkEnd, Event, PyResponseParser, ResponseParser, WireError

try:
    from lamella_core._wire.htparser import HttptoolsResponseParser
except ImportError:  # pragma: no cover - httptools is installed in CI
    PARSERS: list[type[ResponseParser]] = [PyResponseParser]
else:
    PARSERS = [PyResponseParser, HttptoolsResponseParser]

ERROR = "WireError"
# What feeding a response produced: (events with Body merged, leftover), or ERROR.
Outcome = tuple[list[Event], bytes] | str


def merge_bodies(events: Sequence[Event]) -> list[Event]:
    """Join consecutive Body events, so that splits do not matter.

    Chunk boundaries are dropped here; tests of ``ChunkEnd`` look at raw events.
    """
    merged: list[Event] = []
    for event in events:
        if isinstance(event, ChunkEnd):
            continue
        if isinstance(event, Body) and merged and isinstance(merged[-1], Body):
            merged[-1] = Body(merged[-1].data + event.data)
        elif not (isinstance(event, Body) and not event.data):
            merged.append(event)
    return merged


def feed_chunks(
    cls: type[ResponseParser],
    chunks: Sequence[bytes],
    *,
    method: str = "GET",
    eof: bool = False,
    **limits: int,
) -> Outcome:
    parser = cls(**limits)
    parser.start(method)
    events: list[Event] = []
    try:
        for chunk in chunks:
            events += parser.feed(chunk)
        if eof:
            events += parser.feed_eof()
    except WireError:
        return ERROR
    return merge_bodies(events), parser.leftover


def splittings(data: bytes) -> Iterator[list[bytes]]:
    """Whole, every 2-way split (ends included), then byte by byte."""
    yield [data]
    for cut in range(len(data) + 1):
        yield [data[:cut], data[cut:]]
    yield [data[i : i + 1] for i in range(len(data))]


def outcome(
    cls: type[ResponseParser],
    data: bytes,
    *,
    method: str = "GET",
    eof: bool = False,
    **limits: int,
) -> Outcome:
    """Feed ``data`` every way; assert all agree; return the common outcome."""
    first = feed_chunks(cls, [data], method=method, eof=eof, **limits)
    for chunks in splittings(data):
        got = feed_chunks(cls, chunks, method=method, eof=eof, **limits)
        assert got == first, f"split {[len(c) for c in chunks]} gave {got!r}, whole gave {first!r}"
    return first


def success(
    cls: type[ResponseParser],
    data: bytes,
    *,
    method: str = "GET",
    eof: bool = False,
    **limits: int,
) -> tuple[list[Event], bytes]:
    """Like ``outcome`` but the bytes must be accepted: (events, leftover)."""
    result = outcome(cls, data, method=method, eof=eof, **limits)
    assert not isinstance(result, str), f"{data!r} was refused"
    return result
