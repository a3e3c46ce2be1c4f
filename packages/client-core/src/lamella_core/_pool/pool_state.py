"""The pool's books and its decisions, kept apart from the event loop.

Theory of operation: ``PoolState`` keeps one record per key
(``ConnectionKey`` in practice, looked up once per decision): the idle
connections (newest last, each with the time it became idle), how many are
lent and with how many leases, the slots reserved for connections being
opened and the queue of waiting requests. Each method
is one decision: it returns at once, awaits nothing and touches no socket.
``assign`` says whether a request gets a connection now, gets a reserved
slot to open one (``OPEN``) or must wait (``WAIT``); ``release``,
``forget``, ``open_failed``, ``drop_idle`` and ``expire`` settle the books.
What must then be done is left in two outboxes, ``to_close`` (connections)
and ``to_wake`` (waiters), which ``BaseConnector`` empties with
:meth:`PoolState.effects` and carries out. So every decision is tested by
calling methods and reading the outboxes, with fake connections and no loop.

The limits count connections, not requests: ``limit`` bounds the ones lent
or being opened across keys and ``limit_per_host`` those of one key; idle
connections count against neither. A connection whose ``max_exchanges`` is
above 1 (a multiplexed protocol) stays assignable while lent, until it
carries that many leases.

A request that may share a connection (``assign(..., shareable=True)``,
HTTP/2 offered in ALPN) opens a *probe* (``PROBE``): until it is known
whether the new connection multiplexes, further shareable requests of its
key wait rather than open their own, so a first burst to a new origin
shares one connection. A multiplexed outcome wakes them to share it (up to
its capacity); a single-exchange one marks the key so that its later
requests open their own connections without waiting again.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from enum import Enum
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from lamella_core.abc import AbstractConnection

if TYPE_CHECKING:
    from .pool_stats import PoolStats

__all__ = ["OPEN", "PROBE", "WAIT", "PoolState"]

K = TypeVar("K", bound=Hashable)
W = TypeVar("W")


class _Step(Enum):
    OPEN = "open"
    PROBE = "probe"
    WAIT = "wait"


OPEN: Literal[_Step.OPEN] = _Step.OPEN
"""``assign``'s answer when a slot was reserved: open a connection, then report it."""
PROBE: Literal[_Step.PROBE] = _Step.PROBE
"""``assign``'s answer when a slot was reserved for a connection that may multiplex:
open it, then report it; shareable requests of the key wait for the outcome."""
WAIT: Literal[_Step.WAIT] = _Step.WAIT
"""``assign``'s answer when the limits are reached: queue, and ask again when woken."""


class _Books(Generic[W]):
    """What the pool holds for one key."""

    __slots__ = ("idle", "leases", "lent", "opening", "probing", "shared", "single", "waiters")

    def __init__(self) -> None:
        self.idle: list[tuple[AbstractConnection, float]] = []  # newest last
        self.lent = 0  # connections carrying at least one lease
        self.leases = 0  # leases over them
        self.opening = 0  # slots reserved for connections being opened
        self.probing = 0  # of them, those that may turn out multiplexed
        self.single = False  # a probe gave a single-exchange connection: probe no more
        self.shared: list[AbstractConnection] = []  # lent, multiplexed, below capacity
        self.waiters: deque[W] = deque()

    def empty(self) -> bool:
        return not (self.idle or self.lent or self.opening or self.waiters)


class PoolState(Generic[K, W]):
    """What a connector holds and owes, and the decisions over it; no I/O.

    Args:
        limit: connections lent or opening at once, over all keys (0: no limit).
        limit_per_host: the same, per key (0: no limit).
        keepalive_timeout: seconds a connection may stay idle (None: no limit).
        force_close: never keep a connection after its request.
    """

    __slots__ = (
        "_books",
        "_force_close",
        "_keepalive",
        "_leases",
        "_limit",
        "_limit_per_host",
        "_opening",
        "_retiring",
        "_waiting",
        "to_close",
        "to_wake",
    )

    def __init__(
        self,
        *,
        limit: int,
        limit_per_host: int,
        keepalive_timeout: float | None,
        force_close: bool = False,
    ) -> None:
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._keepalive = keepalive_timeout
        self._force_close = force_close
        self._books: dict[K, _Books[W]] = {}
        self._leases: dict[AbstractConnection, int] = {}  # per lent connection
        self._opening = 0
        self._retiring: set[AbstractConnection] = set()  # lent, never to be lent again
        self._waiting: dict[K, _Books[W]] = {}  # keys with waiters, in the order they queued
        #: Connections the connector must close, oldest decision first.
        self.to_close: list[AbstractConnection] = []
        #: Waiters the connector must wake: each may ask ``assign`` again.
        self.to_wake: list[W] = []

    def effects(self) -> tuple[list[AbstractConnection], list[W]]:
        """Take what the last decisions left to do: connections to close, waiters to wake."""
        to_close, self.to_close = self.to_close, []
        to_wake, self.to_wake = self.to_wake, []
        return to_close, to_wake

    # --- lending --------------------------------------------------------------

    def assign(
        self, key: K, now: float, *, shareable: bool = False
    ) -> AbstractConnection | Literal[_Step.OPEN, _Step.PROBE, _Step.WAIT]:
        """Decide for one request of ``key``: a connection to use, ``OPEN``, ``PROBE`` or ``WAIT``.

        A returned connection is counted as lent at once; an idle one past
        keep-alive or no longer available is put in ``to_close`` on the way.
        ``OPEN`` and ``PROBE`` reserve a slot: report the outcome with
        :meth:`opened` or :meth:`open_failed`. ``shareable`` says the request
        could share a multiplexed connection: it waits for a probe of its
        key in flight, or opens one (``PROBE``).
        """
        books = self._books.get(key)
        if books is not None:
            if books.idle:
                conn = self._take_idle(books, now)
                if conn is not None:
                    self._add_lease(books, conn)
                    return conn
            for conn in books.shared:
                if conn.is_available():
                    self._add_lease(books, conn)
                    return conn
            if shareable and books.probing and not books.single:
                if self._waiting:
                    self._wake()  # whatever woke this request may serve another
                return WAIT
        if not self._has_room(books):
            if books is not None and books.empty():
                del self._books[key]
            return WAIT
        if books is None:
            books = self._books[key] = _Books()
        books.opening += 1
        self._opening += 1
        if shareable and not books.single:
            books.probing += 1
            return PROBE
        return OPEN

    def _take_idle(self, books: _Books[W], now: float) -> AbstractConnection | None:
        idle = books.idle
        keepalive = self._keepalive
        while idle:
            conn, since = idle.pop()  # the most recently used first
            if (keepalive is None or now - since <= keepalive) and conn.is_available():
                return conn
            self.to_close.append(conn)
        return None

    def _add_lease(self, books: _Books[W], conn: AbstractConnection) -> None:
        leases = self._leases.get(conn, 0) + 1
        self._leases[conn] = leases
        books.leases += 1
        if leases == 1:
            books.lent += 1
        capacity = conn.max_exchanges
        if capacity > 1:
            if leases == 1:
                books.shared.append(conn)
            if leases >= capacity:
                _discard(books.shared, conn)

    def opened(self, key: K, conn: AbstractConnection, *, probe: bool = False) -> None:
        """The connection opened for a slot ``assign`` reserved; it is lent now.

        After a probe (``PROBE``) the waiters of ``key`` are woken: as many
        as the connection has room for when it multiplexes, all otherwise.
        """
        books = self._books[key]
        books.opening -= 1
        self._opening -= 1
        self._add_lease(books, conn)
        if probe:
            books.probing -= 1
            spare = conn.max_exchanges - 1
            if spare <= 0:
                books.single = True
                spare = len(books.waiters)
            self._wake_key(key, books, spare)

    def open_failed(self, key: K, *, probe: bool = False) -> None:
        """Opening for a reserved slot failed or was cancelled: free the slot."""
        books = self._books[key]
        books.opening -= 1
        self._opening -= 1
        if probe:
            books.probing -= 1
        if books.empty():
            del self._books[key]
        self._wake()

    # --- giving back ------------------------------------------------------------

    def release(self, key: K, conn: AbstractConnection, now: float, *, close: bool) -> bool:
        """A lease on ``conn`` ended; True when the connection is kept idle.

        With ``close`` (the request failed, or its body was left unread) the
        connection is never lent again: closed now, or once its other leases
        end. Otherwise it is kept when it is idle and still available. On a
        multiplexed connection a failed request ended only its own stream:
        ``close`` is ignored there while the connection is still available
        (a connection-level failure makes it unavailable, which retires it).
        """
        leases = self._leases.get(conn)
        books = self._books.get(key)
        if leases is None or books is None:  # not lent (any more): never pool it
            self.to_close.append(conn)
            return False
        if close and conn.max_exchanges > 1 and conn.is_available():
            close = False
        books.leases -= 1
        kept = False
        if leases > 1:  # a multiplexed connection still carries other requests
            self._leases[conn] = leases - 1
            if close:
                self._retiring.add(conn)
                _discard(books.shared, conn)
            elif conn not in self._retiring and conn not in books.shared:
                books.shared.append(conn)  # below its capacity again
        else:
            del self._leases[conn]
            books.lent -= 1
            if books.shared:
                _discard(books.shared, conn)
            if (
                close
                or self._force_close
                or (self._retiring and conn in self._retiring)
                or not (conn.is_idle() and conn.is_available())
            ):
                self._retiring.discard(conn)
                self.to_close.append(conn)
                if books.empty():
                    del self._books[key]
            else:
                books.idle.append((conn, now))
                kept = True
        if self._waiting:
            self._wake()
        return kept

    def forget(self, key: K, conn: AbstractConnection) -> None:
        """Stop counting ``conn`` (detached from the pool) without closing it.

        Only a connection that carries one request is detached, so this ends
        its only lease.
        """
        leases = self._leases.pop(conn, 0)
        books = self._books.get(key)
        if leases and books is not None:
            books.leases -= leases
            books.lent -= 1
            _discard(books.shared, conn)
            self._retiring.discard(conn)
            if books.empty():
                del self._books[key]
        if self._waiting:
            self._wake()

    # --- waiting ------------------------------------------------------------------

    def queue(self, key: K, waiter: W) -> None:
        """Queue ``waiter`` after ``assign`` said ``WAIT``; it lands in ``to_wake`` later."""
        books = self._books.get(key)
        if books is None:
            books = self._books[key] = _Books()
        if not books.waiters:
            self._waiting[key] = books
        books.waiters.append(waiter)

    def unqueue(self, key: K, waiter: W) -> bool:
        """Take back a waiter that gave up; False when it had been woken already."""
        books = self._books.get(key)
        if books is None or waiter not in books.waiters:
            return False
        books.waiters.remove(waiter)
        if not books.waiters:
            del self._waiting[key]
            if books.empty():
                del self._books[key]
        return True

    def pass_on(self) -> None:
        """A woken waiter gave up before asking again: wake another in its place."""
        self._wake()

    def _has_room(self, books: _Books[W] | None) -> bool:
        if self._limit and len(self._leases) + self._opening >= self._limit:
            return False
        return not (
            self._limit_per_host
            and books is not None
            and books.lent + books.opening >= self._limit_per_host
        )

    def _wake_key(self, key: K, books: _Books[W], count: int) -> None:
        """Wake up to ``count`` waiters of ``key``, first queued first."""
        waiters = books.waiters
        while waiters and count > 0:
            self.to_wake.append(waiters.popleft())
            count -= 1
        if not waiters and key in self._waiting:
            del self._waiting[key]

    def _wake(self) -> None:
        """Wake the first waiter (FIFO per key, keys in order) that could now proceed.

        Keys waiting for a probe's outcome are passed over: the probe wakes them.
        """
        for key, books in self._waiting.items():
            if books.idle or books.shared or (not books.probing and self._has_room(books)):
                self.to_wake.append(books.waiters.popleft())
                if not books.waiters:
                    del self._waiting[key]
                    if books.empty():
                        del self._books[key]
                return

    # --- housekeeping ---------------------------------------------------------------

    def drop_idle(self, key: K) -> None:
        """Close every idle connection of ``key``."""
        books = self._books.get(key)
        if books is None:
            return
        self.to_close.extend(conn for conn, _ in books.idle)
        books.idle = []
        if books.empty():
            del self._books[key]

    def expire(self, now: float) -> bool:
        """Close idle connections past keep-alive or expired; True when some stay idle."""
        keepalive = self._keepalive
        any_left = False
        for key, books in list(self._books.items()):
            if not books.idle:
                continue
            kept = []
            for conn, since in books.idle:
                if (keepalive is not None and now - since > keepalive) or conn.has_expired():
                    self.to_close.append(conn)
                else:
                    kept.append((conn, since))
            books.idle = kept
            any_left = any_left or bool(kept)
            if books.empty():
                del self._books[key]
        return any_left

    def connections(self) -> list[AbstractConnection]:
        """Every connection in the books, idle and lent."""
        conns = [conn for books in self._books.values() for conn, _ in books.idle]
        conns.extend(self._leases)
        return conns

    def close_all(self) -> tuple[list[AbstractConnection], list[W]]:
        """Forget every connection and waiter, and return them to close and fail.

        Reserved slots stay counted: their openers report to :meth:`opened`
        or :meth:`open_failed` when they finish.
        """
        conns = self.connections()
        conns.extend(self.to_close)
        waiters = [waiter for books in self._books.values() for waiter in books.waiters]
        waiters.extend(self.to_wake)
        self._books = {key: books for key, books in self._books.items() if books.opening}
        for books in self._books.values():
            books.idle, books.shared, books.waiters = [], [], deque()
            books.lent = books.leases = 0
        self._leases.clear()
        self._retiring.clear()
        self._waiting.clear()
        self.to_close, self.to_wake = [], []
        return conns, waiters

    def stats(self, *, closed: bool = False) -> PoolStats[K]:
        """A snapshot of the books, per key and in total."""
        from .pool_stats import PoolCounts, PoolStats  # with the first call: most never make one

        per_key = {
            key: PoolCounts(
                idle=len(books.idle),
                in_use=books.lent,
                opening=books.opening,
                waiting=len(books.waiters),
                leases=books.leases,
            )
            for key, books in self._books.items()
        }
        total = PoolCounts(
            idle=sum(counts.idle for counts in per_key.values()),
            in_use=len(self._leases),
            opening=self._opening,
            waiting=sum(counts.waiting for counts in per_key.values()),
            leases=sum(self._leases.values()),
        )
        return PoolStats(total, per_key, self._limit, self._limit_per_host, closed)


def _discard(conns: list[AbstractConnection], conn: AbstractConnection) -> None:
    if conn in conns:
        conns.remove(conn)
