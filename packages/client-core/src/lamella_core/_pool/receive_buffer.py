"""The receive buffer that HTTP/1.1 connections read the socket into.

One buffer per thread is shared by every connection of that thread's loop,
so an idle pooled connection holds no read buffer of its own.
"""

from __future__ import annotations

import threading

__all__ = ["HINTED_READ_SIZE", "READ_BUFFER_SIZE", "receive_buffer"]

READ_BUFFER_SIZE = 256 * 1024
# A loop that hints a read size gets that much, up to 64 KiB: uvloop hints libuv's 64 KiB
# and reads up to 32 times per wake-up before the reader runs, and 256 KiB pieces buffered
# and freed together crossed glibc's heap-trim threshold, so the heap shrank and grew every
# wake-up: a page fault per 4 KiB downloaded (docs/benchmarks.md, "Where the time goes").
# asyncio's loop hints -1 and reads once per wake-up: it gets 256 KiB. The body stream
# pauses reading above two reads' worth, so at most a few pieces are buffered at a time.
HINTED_READ_SIZE = 64 * 1024
_local = threading.local()


def receive_buffer() -> memoryview:
    """The receive buffer shared by every connection of this thread's loop.

    Sharing is safe because the loop fills it and calls ``buffer_updated``
    synchronously, and the parser copies whatever it keeps; an idle pooled
    connection then costs no buffer of its own.
    """
    buffer: memoryview | None = getattr(_local, "buffer", None)
    if buffer is None:
        buffer = _local.buffer = memoryview(bytearray(READ_BUFFER_SIZE))
    return buffer
