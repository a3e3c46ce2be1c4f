"""Fixtures of lamella-codecs' tests: the reference compressors and a session without the plugin."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator

import brotli
import pytest
from backports import zstd

from lamella_core import plugins


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


@pytest.fixture
def without_codecs() -> Iterator[None]:
    """Sessions created inside see lamella-core as if lamella-codecs were not installed."""
    manager = plugins.get_plugin_manager()
    plugin = manager.unregister(name="codecs")
    assert plugin is not None, "lamella-codecs is not installed in the test environment"
    try:
        yield
    finally:
        manager.register(plugin, "codecs")
