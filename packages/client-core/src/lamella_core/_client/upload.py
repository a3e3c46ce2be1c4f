"""``UploadTracker``: how much of a request body has left for the server, attempt by attempt.

Theory of operation: the writer of a body reports every piece it hands to
the connection together with the connection's count of bytes written so
far (head, framing and body). That gives a list of checkpoints, pairs of
(body bytes, wire bytes). Reading ``bytes_written`` subtracts what still
sits in the transport's buffer from the wire count and walks the
checkpoints to the body bytes that are out, interpolating inside a piece
that is only partly out. Pieces that are out are dropped from the list, so
it stays short whatever the size of the body.

A redirect or a retry sends the body again: each send is an attempt, and
only the latest one counts. ``upload_complete`` settles once the request
is over (returned or raised) and its last attempt has ended.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING

from lamella_core.exceptions import UploadAbortedError

if TYPE_CHECKING:
    from lamella_core.abc import AbstractExchange

__all__ = ["UploadTracker"]

# Checkpoints kept before the flushed ones are dropped, when nobody reads bytes_written.
_MAX_CHECKPOINTS = 256


class UploadTracker:
    """The upload progress of one request, as aiohttp's ``UploadTracker``.

    Create it inside a running event loop and pass it as the request's
    ``upload_tracker=``; read ``bytes_written``, ``attempts`` and
    ``upload_complete`` while the request runs. A tracker follows one
    request only: passing it to a second one raises ``RuntimeError``.

    Attributes:
        attempts: how many times the body was sent (redirects and retries
            send it again); 0 until the first connection is made.
        upload_complete: a future that resolves (to None) when the last
            attempt sent the whole body, or fails with the error that
            stopped it, or with ``UploadAbortedError`` when the body was
            cut short (the response was released first, or no attempt got
            as far as sending it).
    """

    def __init__(self) -> None:
        self.attempts = 0
        self.upload_complete: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._bound = False
        self._final = False
        self._finished = False
        self._error: BaseException | None = None
        self._protocol: AbstractExchange | None = None  # while an attempt writes
        self._accepted = 0
        self._flushed = 0
        self._checkpoints: deque[tuple[int, int]] = deque()

    def __repr__(self) -> str:
        state = "complete" if self.upload_complete.done() else "running"
        written = self.bytes_written
        return f"<UploadTracker {state} attempts={self.attempts} bytes_written={written}>"

    @property
    def bytes_written(self) -> int:
        """Body bytes of the latest attempt handed to the kernel.

        A ``compress=`` body is counted before compression, as aiohttp
        counts it (the share of a piece that is partly out is estimated).
        What still waits in the event loop's buffer is not counted; what
        the kernel buffers cannot be seen.
        """
        self._refresh()
        return self._flushed

    # --- called by the session and the request writer --------------------------------

    def _bind(self) -> None:
        if self._bound:
            raise RuntimeError("UploadTracker is already bound to a request")
        self._bound = True

    def _attempt_started(self) -> None:
        """A new send of the request begins (before its connection is made)."""
        self.attempts += 1
        self._protocol = None
        self._accepted = self._flushed = 0
        self._checkpoints.clear()
        self._finished = False
        self._error = None

    def _attempt_writing(self, protocol: AbstractExchange) -> None:
        """The body starts going out on ``protocol``; the wire count so far is the head."""
        self._protocol = protocol
        self._checkpoints.append((0, protocol.output_size))

    def _add(self, size: int) -> None:
        """``size`` more body bytes were handed to the connection."""
        protocol = self._protocol
        if protocol is None:
            return
        self._accepted += size
        wire = protocol.output_size
        if wire > self._checkpoints[-1][1]:
            self._checkpoints.append((self._accepted, wire))
            if len(self._checkpoints) > _MAX_CHECKPOINTS:
                self._refresh()

    def _attempt_finished(self) -> None:
        """The whole body was handed over: it goes out ahead of anything sent later."""
        self._finished = True
        self._flushed = self._accepted
        self._stop_watching()

    def _attempt_failed(self, error: BaseException | None) -> None:
        """The body was not sent whole: ``error`` stopped it, or None when it was cut short."""
        self._error = error
        self._refresh()
        self._stop_watching()

    def _finalize(self) -> None:
        """The request is over: no attempt follows. Settles unless one is still writing."""
        self._final = True
        if self._protocol is None:
            self._settle()

    # --- internals ---------------------------------------------------------------------

    def _stop_watching(self) -> None:
        self._checkpoints.clear()
        self._protocol = None
        if self._final:
            self._settle()

    def _refresh(self) -> None:
        protocol = self._protocol
        if protocol is None or not protocol.is_connected():
            return  # nothing in flight, or whatever was buffered is lost
        out = protocol.output_size - protocol.write_buffer_size()
        checkpoints = self._checkpoints
        while len(checkpoints) > 1 and checkpoints[1][1] <= out:
            checkpoints.popleft()
        flushed, wire = checkpoints[0]
        if len(checkpoints) > 1 and out > wire:
            # Inside a piece that is partly out: share its body bytes over its wire bytes.
            body_end, wire_end = checkpoints[1]
            flushed += (body_end - flushed) * (out - wire) // (wire_end - wire)
        self._flushed = flushed

    def _settle(self) -> None:
        future = self.upload_complete
        if future.done():
            return
        if self._finished:
            future.set_result(None)
            return
        error = self._error or UploadAbortedError("The request body was not fully sent")
        future.set_exception(error)
        future.exception()  # polled with done(), never awaited: not "never retrieved"
