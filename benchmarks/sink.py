"""The upload workload's server: reads each request body into one reused buffer and answers.

nginx cannot be the sink for a 64 MiB upload: answering before the body is
in makes aiohttp stop sending, and buffering it allocates and fills 64 MiB
per request, which caps every client (the sendfile floor included) near
1.1 GB/s. This sink receives into one 1 MiB buffer it reuses, counts the
``Content-Length`` body, and answers ``200 ok`` once the last byte is in,
so the row measures the clients, not the server.

    python benchmarks/sink.py PORT     # prints "ready" once listening
"""

from __future__ import annotations

import asyncio
import sys

_ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class Sink(asyncio.BufferedProtocol):
    """One connection: heads are parsed for Content-Length, bodies only counted."""

    def __init__(self) -> None:
        self.view = memoryview(bytearray(1 << 20))
        self.head = bytearray()
        self.left = -1  # body bytes still expected; -1 while reading a head
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def get_buffer(self, sizehint: int) -> memoryview:
        return self.view

    def buffer_updated(self, nbytes: int) -> None:
        data = self.view[:nbytes]
        while data:
            if self.left < 0:
                self.head += data
                end = self.head.find(b"\r\n\r\n")
                if end < 0:
                    return
                data = memoryview(bytes(self.head[end + 4 :]))
                self.left = _content_length(bytes(self.head[:end]))
                self.head.clear()
            taken = min(self.left, len(data))
            self.left -= taken
            data = data[taken:]
            if self.left == 0:
                self.left = -1
                assert self.transport is not None
                self.transport.write(_ANSWER)


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def main(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Sink, "127.0.0.1", port)
    print("ready", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
