"""The reference compressors and the responses lamella-codecs' tests send."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import brotli
from backports import zstd


def zstd_compress(data: bytes) -> bytes:
    """A Zstandard frame with a content checksum, as the zstd command writes by default."""
    return zstd.compress(data, options={zstd.CompressionParameter.checksum_flag: 1})


# coding -> the reference library's one-shot compressor
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": gzip.compress,
    "br": brotli.compress,
    "zstd": zstd_compress,
}
PLUGIN_CODINGS = ["br", "zstd"]


def response(body: bytes, coding: str, *, chunked: bool = False) -> bytes:
    """A keep-alive 200 response carrying ``body`` under ``Content-Encoding: coding``."""
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: %b\r\n" % coding.encode()
    if not chunked:
        return head + b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
    pieces = [body[i : i + 7] for i in range(0, len(body), 7)]
    chunks = b"".join(b"%x\r\n%b\r\n" % (len(piece), piece) for piece in pieces)
    return head + b"Transfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
