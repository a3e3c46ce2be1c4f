"""Shared pieces of the reliability tests: parser selection, a scripted raw
server for the corpus, and leak accounting (fds, tasks, transports)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import struct
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from yarl import URL

from lamella_core._pool import parsers
from lamella_core._wire import PyResponseParser, ResponseParser

try:
    from lamella_core._wire.htparser import HttptoolsResponseParser
except ImportError:  # pragma: no cover - httptools is a test dependency
    PARSERS: list[type[ResponseParser]] = [PyResponseParser]
else:
    PARSERS = [PyResponseParser, HttptoolsResponseParser]

FOLLOW = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nfollow"


def use_parser(monkeypatch: pytest.MonkeyPatch, cls: type[ResponseParser]) -> None:
    """Make every connection opened from now on parse with ``cls``.

    ``HTTP11Connection.begin`` asks ``parsers.response_parser_class()``,
    which returns this module global: the choice made at import is
    overridden without ``LAMELLA_NO_EXTENSIONS`` or a new process.
    """
    monkeypatch.setattr(parsers, "_RESPONSE_PARSER", cls)


async def read_request(reader: asyncio.StreamReader) -> bytes:
    """Read one request head and its Content-Length or chunked body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    if b"content-length:" in lower:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        return head + await reader.readexactly(length)
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while True:
            line = await reader.readuntil(b"\r\n")
            size = int(line.strip().split(b";")[0], 16)
            body += line + await reader.readexactly(size + 2)
            if size == 0:
                return head + body
    return head


def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST instead of a FIN (SO_LINGER 0, then abort)."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass
class ScriptedServer:
    """Answers the first request as a corpus case says, every later one with FOLLOW.

    ``served`` records, per request, the number of the connection (1, 2, …)
    it came on, so a test can tell a reused connection from a new one.
    """

    data: bytes
    spec: dict[str, Any]
    url: URL = field(default_factory=lambda: URL("http://127.0.0.1/"))
    served: list[int] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    _connections: int = 0

    async def start(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = URL(f"http://127.0.0.1:{port}/")
        return self

    async def close(self) -> None:
        for writer in self._writers:
            writer.close()
        pending = [task for task in self._tasks if not task.done()]
        if pending:
            await asyncio.wait(pending, timeout=2)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._connections += 1
        number = self._connections
        try:
            while True:
                try:
                    await read_request(reader)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                first = not self.served
                self.served.append(number)
                if not first:
                    writer.write(FOLLOW)
                    await writer.drain()
                    continue
                if not await self._behave(reader, writer):
                    return
        except (ConnectionError, OSError):
            pass
        finally:
            if not writer.is_closing():
                writer.close()

    async def _behave(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Send the case; return True when the connection stays usable."""
        mode, data = self.spec["mode"], self.data
        if mode == "keep":
            writer.write(data)
            await writer.drain()
            return True
        if mode == "reset":
            writer.write(data)
            await writer.drain()
            await asyncio.sleep(0.01)
            reset(writer)
            return False
        if mode == "trickle":
            after = self.spec.get("after", 0)
            writer.write(data[:after])
            for i in range(after, len(data)):
                writer.write(data[i : i + 1])
                await writer.drain()
                await asyncio.sleep(self.spec["delay"])
            return True
        if mode in ("stall", "silent"):
            writer.write(data)
            await writer.drain()
            await reader.read()  # until the client gives up and closes
            return False
        if mode == "repeat":
            writer.write(data * self.spec["times"])
        else:  # "close"
            writer.write(data)
        await writer.drain()
        writer.close()
        return False


@contextlib.asynccontextmanager
async def scripted_server(data: bytes, spec: dict[str, Any]) -> AsyncIterator[ScriptedServer]:
    server = await ScriptedServer(data, spec).start()
    try:
        yield server
    finally:
        await server.close()


# --- leak accounting ---------------------------------------------------------------


def open_fds() -> set[int]:
    """The file descriptors this process has open (Linux: /proc/self/fd)."""
    return {int(name) for name in os.listdir("/proc/self/fd")}


def socket_fds() -> set[int]:
    """Open file descriptors that are sockets."""
    found = set()
    for fd in open_fds():
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                found.add(fd)
    return found


def live_transports() -> list[asyncio.BaseTransport]:
    """Socket transports still reachable and not closed."""
    gc.collect()
    return [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, asyncio.BaseTransport)
        and type(obj).__name__ in ("_SelectorSocketTransport", "_SSLProtocolTransport")
        and not obj.is_closing()
    ]


@contextlib.contextmanager
def no_new_tasks() -> Iterator[None]:
    """Fail if tasks created inside the block are still pending at its end."""
    before = set(asyncio.all_tasks())
    yield
    left = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert not left, f"tasks left running: {left!r}"
