"""Coverage-guided fuzz target for lamella's two HTTP/1.1 response parsers.

Each input is split into a method selector, a split point and response bytes.
Both parsers are fed the same bytes (whole, then in two pieces) and must
agree: same events and leftover, or both raise ``WireError``. Any other
exception, or a disagreement, is a finding.

Run: ``hatch run fuzz:parser -- -max_total_time=600`` (see docs/reliability.md).
"""

from __future__ import annotations

import os
import re
import sys

import atheris

with atheris.instrument_imports():
    from lamella_core._wire import Body, ChunkEnd, PyResponseParser, WireError
    from lamella_core._wire.htparser import HttptoolsResponseParser

METHODS = ("GET", "HEAD", "CONNECT", "POST")

if os.environ.get("LAMELLA_FUZZ_LINEAR_FIELDS"):
    # The fuzzer's first finding was exponential backtracking in the pure-Python
    # header regex (see docs/reliability.md), since fixed in core. This swaps
    # in the fixed regex, to replay the run made before the fix shipped.
    from lamella_core._wire import pyparser

    _TCHAR = rb"!#$%&'*+\-.^_`|~0-9A-Za-z"
    _FIELD = (
        rb"([" + _TCHAR + rb"]+):[ \t]*"
        rb"((?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?)[ \t]*"
    )
    pyparser.fields_ok = re.compile(rb"(?:" + _FIELD + rb"\r\n)*").fullmatch  # type: ignore[assignment]
    pyparser.find_fields = re.compile(_FIELD + rb"\r\n").findall  # type: ignore[assignment]


def _merge(events: list[object]) -> list[object]:
    merged: list[object] = []
    for event in events:
        if isinstance(event, ChunkEnd):
            continue
        if isinstance(event, Body):
            if not event.data:
                continue
            if merged and isinstance(merged[-1], Body):
                merged[-1] = Body(merged[-1].data + event.data)
                continue
        merged.append(event)
    return merged


def _run(cls: type, method: str, pieces: list[bytes]) -> object:
    parser = cls(max_line_size=256, max_field_size=256, max_headers=32)
    parser.start(method)
    events: list[object] = []
    try:
        for piece in pieces:
            events.extend(parser.feed(piece))
        events.extend(parser.feed_eof())
    except WireError:
        return "WireError"
    return (_merge(events), parser.leftover)


def test_one_input(data: bytes) -> None:
    if len(data) < 2:
        return
    method = METHODS[data[0] % len(METHODS)]
    split = data[1]
    body = data[2:]
    cut = split % (len(body) + 1)
    whole = _run(PyResponseParser, method, [body])
    for cls in (PyResponseParser, HttptoolsResponseParser):
        for pieces in ([body], [body[:cut], body[cut:]]):
            got = _run(cls, method, pieces)
            if got != whole:
                raise AssertionError(
                    f"{cls.__name__} {method} split={cut}: {got!r} != {whole!r} for {body!r}"
                )


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
