"""A seeded fault-injecting HTTP/1.1 server for the load and cancellation tests.

Every request for ``/item/<n>`` has one right answer, ``expected_body(n)``,
sent plainly, chunked or gzip-compressed depending on ``n``. For each
request the server draws, from its own ``random.Random(seed)``, either a
clean answer or one fault:

=================  ============================================================
``reset``          RST instead of an answer
``truncate``       the head and part of the body, then FIN
``stall``          no answer at all until the client gives up
``close_idle``     a clean answer, then FIN shortly after (an idle keep-alive
                   connection closed by the server)
``close_unanswered`` FIN instead of an answer on a connection that already
                   served a request (what makes a client retry)
``slow``           a clean answer in small pieces with pauses
=================  ============================================================

It records what it did so a test can check the client's side of each fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from reliability_helpers import read_request, reset
from yarl import URL

FAULTS = ("reset", "truncate", "stall", "close_idle", "close_unanswered", "slow")


def expected_body(n: int) -> bytes:
    """The one right body for ``/item/<n>``: 0 to about 20 KB, unique per n."""
    seed = hashlib.sha256(b"%d" % n).digest()
    return (seed * (1 + (n * 7919) % 640))[: (n * 7919) % 20000]


def encode_answer(n: int) -> bytes:
    body = expected_body(n)
    headers = [b"HTTP/1.1 200 OK", b"X-Item: %d" % n]
    if n % 3 == 0:
        body = gzip.compress(body, mtime=0)
        headers.append(b"Content-Encoding: gzip")
    if n % 5 == 0:
        headers.append(b"Transfer-Encoding: chunked")
        pieces = [body[i : i + 4096] for i in range(0, len(body), 4096)]
        body = b"".join(b"%x\r\n%b\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    else:
        headers.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


@dataclass
class FaultServer:
    seed: int
    fault_rate: float = 0.3
    url: URL = field(default_factory=lambda: URL("http://127.0.0.1/"))
    done: Counter[str] = field(default_factory=Counter)
    unanswered: list[int] = field(default_factory=list)  # items closed without answer
    requests: Counter[int] = field(default_factory=Counter)  # item -> times requested
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    async def start(self) -> FaultServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
        port = self._server.sockets[0].getsockname()[1]
        self.url = URL(f"http://127.0.0.1:{port}/")
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=5)
        if self._server is not None:
            await self._server.wait_closed()

    def _draw(self, served_before: int) -> str:
        if self._random.random() >= self.fault_rate:
            return "ok"
        fault = self._random.choice(FAULTS)
        if fault == "close_unanswered" and not served_before:
            return "ok"
        return fault

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        served = 0
        try:
            while True:
                try:
                    head = await read_request(reader)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                n = int(head.split(b" ", 2)[1].rsplit(b"/", 1)[1])
                self.requests[n] += 1
                fault = self._draw(served)
                self.done[fault] += 1
                served += 1
                if not await self._answer(fault, n, reader, writer):
                    return
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            if not writer.is_closing():
                writer.close()

    async def _answer(
        self, fault: str, n: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        if fault == "reset":
            reset(writer)
            return False
        if fault == "close_unanswered":
            self.unanswered.append(n)
            writer.close()
            return False
        if fault == "stall":
            await reader.read()
            return False
        answer = encode_answer(n)
        if fault == "truncate":
            cut = (
                answer.index(b"\r\n\r\n")
                + 4
                + max(0, (len(answer) - answer.index(b"\r\n\r\n") - 5) // 2)
            )
            writer.write(answer[:cut])
            await writer.drain()
            writer.close()
            return False
        if fault == "slow":
            step = max(1, len(answer) // 4)
            for i in range(0, len(answer), step):
                writer.write(answer[i : i + step])
                await writer.drain()
                await asyncio.sleep(0.005)
            return True
        writer.write(answer)
        await writer.drain()
        if fault == "close_idle":
            await asyncio.sleep(self._random.random() * 0.005)
            with contextlib.suppress(OSError):
                writer.close()
            return False
        return True
