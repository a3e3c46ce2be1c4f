"""Coverage-guided fuzz target for lamella's content decoders.

Arbitrary bytes go through gzip, deflate and two-coding chains, fed in
pieces, with and without output bounds. The only acceptable failure is
``ClientPayloadError`` (which the limit errors subclass); output must never
exceed the bound it was given.

Run: ``hatch run fuzz:decoders -- -max_total_time=600`` (see docs/reliability.md).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from lamella_core._content.decoders import ZlibDecoder, chain, limited
    from lamella_core.exceptions import ClientPayloadError

CODINGS = (("gzip",), ("deflate",), ("x-gzip",), ("gzip", "deflate"), ("deflate", "gzip"))
BOUND = 1 << 16


def test_one_input(data: bytes) -> None:
    if len(data) < 3:
        return
    codings = CODINGS[data[0] % len(CODINGS)]
    piece = 1 + data[1] * 4
    bounded = data[2] & 1
    payload = data[3:]
    decoder = chain([ZlibDecoder(token) for token in codings])
    if bounded:
        decoder = limited(decoder, max_size=BOUND, max_ratio=50.0, ratio_floor=1024)
    total = 0
    try:
        for start in range(0, len(payload), piece):
            total += len(decoder.decompress(payload[start : start + piece]))
        total += len(decoder.flush())
    except ClientPayloadError:
        return
    if bounded and total > BOUND:
        raise AssertionError(f"{total} bytes out of a decoder bounded to {BOUND}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
