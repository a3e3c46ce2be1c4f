"""The clocks of an HTTP/1.1 exchange: ``sock_read``, the total deadline, the head.

Theory of operation: each clock is one ``loop.call_at`` handle, not a task.
Handles outlive exchanges: one already due no later than needed is kept and
re-armed when it fires early, so a keep-alive request pays no ``call_at``
and no cancel. When a clock runs out during an exchange it fails the
exchange through the connection's ``_fail``, with ``SocketTimeoutError``,
``TimeoutError`` or ``ResponseHeadTimeoutError``; when it finds no exchange
(or a later due time) it does nothing or re-arms. The wait for
``100 Continue`` is bounded here too.

``HTTP11Timers`` is a mixin of ``HTTP11Connection``: the clocks read the
connection's phase and loop directly, so the per-read path pays for no
extra object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Final

from lamella_core.exceptions import ResponseHeadTimeoutError, SocketTimeoutError

__all__ = ["IDLE", "READING_BODY", "WAITING_HEAD", "HTTP11Timers"]

# The phases of an exchange, which the clocks read. Plain ints: they are
# compared on every read.
IDLE: Final = 0
WAITING_HEAD: Final = 1
READING_BODY: Final = 2

# RFC 9110 section 10.1.1: a client should not wait indefinitely for 100
# (Continue), which an HTTP/1.0 server or intermediary never sends.
_CONTINUE_WAIT: Final = 1.0


class HTTP11Timers:
    """The ``sock_read``, deadline and head clocks, mixed into ``HTTP11Connection``."""

    # Provided by HTTP11Connection, which also maps the failures (_fail).
    _loop: asyncio.AbstractEventLoop
    _state: int
    _head_waiter: asyncio.Future[Any] | None
    _continue_waiter: asyncio.Future[bool] | None
    _fail: Callable[[BaseException], None]

    def _init_timers(self) -> None:
        self._sock_read: float | None = None
        self._read_timer_on = False
        self._last_read = 0.0
        self._read_handle: asyncio.TimerHandle | None = None
        self._deadline: float | None = None
        self._deadline_handle: asyncio.TimerHandle | None = None
        self._head_time: float | None = None
        self._head_due: float | None = None
        self._head_handle: asyncio.TimerHandle | None = None

    def _arm_timers(
        self, sock_read: float | None, deadline: float | None, max_head_time: float | None
    ) -> None:
        """Set the clocks for a new exchange; the read clock starts at once."""
        self._sock_read = sock_read
        self._deadline = deadline
        self._head_time = max_head_time
        self._head_due = None
        if deadline is not None:
            handle = self._deadline_handle
            if handle is None or handle.when() > deadline:
                if handle is not None:
                    handle.cancel()
                self._deadline_handle = self._loop.call_at(deadline, self._deadline_expired)
        self._read_timer_on = False
        self.start_read_timer()

    def pause_read_timer(self) -> None:
        """Hold the ``sock_read`` timer while a request body is being written.

        A slow upload is not a silent server: the timer runs again from
        :meth:`start_read_timer`, called once the body has been written, or
        when the response head arrives first.
        """
        self._read_timer_on = False

    def start_read_timer(self) -> None:
        """Start the ``sock_read`` timer from now (a no-op when it already runs)."""
        sock_read = self._sock_read
        if sock_read is None or self._read_timer_on:
            return
        self._read_timer_on = True
        self._last_read = now = self._loop.time()
        handle = self._read_handle
        if handle is None or handle.when() > now + sock_read:
            if handle is not None:
                handle.cancel()
            self._read_handle = self._loop.call_at(now + sock_read, self._check_read_timeout)

    async def wait_continue(self) -> bool:
        """Wait for ``100 Continue`` (True) or a final response (False).

        After ``_CONTINUE_WAIT`` seconds without either the body goes anyway (True).
        """
        waiter = self._continue_waiter
        assert waiter is not None
        head_waiter = self._head_waiter
        assert head_waiter is not None
        if not waiter.done() and not head_waiter.done():
            await asyncio.wait(
                (waiter, head_waiter), timeout=_CONTINUE_WAIT, return_when=asyncio.FIRST_COMPLETED
            )
            if not waiter.done() and not head_waiter.done():
                waiter.set_result(True)
        return waiter.done() and not waiter.cancelled() and waiter.result()

    def _start_head_clock(self) -> None:
        """Bound the time left for the head, once a read did not complete it.

        A head that arrives in one read (nearly all of them) costs no timer.
        """
        limit = self._head_time
        if limit is None:
            return
        due = self._head_due = self._loop.time() + limit
        handle = self._head_handle
        if handle is None or handle.when() > due:
            if handle is not None:
                handle.cancel()
            self._head_handle = self._loop.call_at(due, self._head_time_expired)

    def _head_time_expired(self) -> None:
        self._head_handle = None
        due = self._head_due
        if due is None or self._state != WAITING_HEAD:
            return
        now = self._loop.time()
        if now < due:
            self._head_handle = self._loop.call_at(due, self._head_time_expired)
            return
        assert self._head_time is not None
        self._fail(ResponseHeadTimeoutError(self._head_time, now - due + self._head_time))

    def _check_read_timeout(self) -> None:
        self._read_handle = None
        timeout = self._sock_read
        if timeout is None or self._state == IDLE or not self._read_timer_on:
            return
        due = self._last_read + timeout
        if self._loop.time() < due:
            self._read_handle = self._loop.call_at(due, self._check_read_timeout)
            return
        self._fail(SocketTimeoutError("Timeout on reading data from socket"))

    def _deadline_expired(self) -> None:
        self._deadline_handle = None
        deadline = self._deadline
        if deadline is None or self._state == IDLE:
            return
        if self._loop.time() < deadline:
            self._deadline_handle = self._loop.call_at(deadline, self._deadline_expired)
            return
        self._fail(TimeoutError())

    def _cancel_timers(self) -> None:
        for handle in (self._read_handle, self._deadline_handle, self._head_handle):
            if handle is not None:
                handle.cancel()
        self._read_handle = self._deadline_handle = self._head_handle = None
