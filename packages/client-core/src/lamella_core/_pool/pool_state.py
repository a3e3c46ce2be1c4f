"""The pool's books and its decisions, kept apart from the event loop.

Theory of operation: ``PoolState`` records, per key (``ConnectionKey`` in
practice), the idle connections (newest last, each with the time it became
idle), the lent ones with how many leases each carries, the slots reserved
for connections being opened and the queue of waiting requests. Each method
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
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Generic, Literal, TypeVar

from lamella_core.abc import AbstractConnection

__all__ = ["OPEN", "WAIT", "PoolCounts", "PoolState", "PoolStats"]

K = TypeVar("K", bound=Hashable)
W = TypeVar("W")


class _Step(Enum):
    OPEN = "open"
    WAIT = "wait"


OPEN: Literal[_Step.OPEN] = _Step.OPEN
"""``assign``'s answer when a slot was reserved: open a connection, then report it."""
WAIT: Literal[_Step.WAIT] = _Step.WAIT
"""``assign``'s answer when the limits are reached: queue, and ask again when woken."""


@dataclass(frozen=True, slots=True)
class PoolCounts:
    """How many connections of a pool (or of one of its keys) are in each state.

    Attributes:
        idle: kept alive, ready for the next request.
        in_use: lent to at least one request.
        opening: being opened for a request (they count against the limits).
        waiting: requests queued until a limit allows them a connection.
        leases: requests holding a connection; above ``in_use`` only on
            multiplexed connections.
    """

    idle: int = 0
    in_use: int = 0
    opening: int = 0
    waiting: int = 0
    leases: int = 0


@dataclass(frozen=True, slots=True)
class PoolStats(Generic[K]):
    """A snapshot of a connector's pool, from ``BaseConnector.stats()``.

    Attributes:
        total: the counts over every key.
        per_key: the counts of each key that has any connection or waiter.
        limit: the connector's ``limit`` (0: none).
        limit_per_host: its ``limit_per_host`` (0: none).
        closed: True once the connector was closed.
    """

    total: PoolCounts
    per_key: Mapping[K, PoolCounts]
    limit: int
    limit_per_host: int
    closed: bool


class PoolState(Generic[K, W]):
    """What a connector holds and owes, and the decisions over it; no I/O.

    Args:
        limit: connections lent or opening at once, over all keys (0: no limit).
        limit_per_host: the same, per key (0: no limit).
        keepalive_timeout: seconds a connection may stay idle (None: no pooling).
        force_close: never keep a connection after its request.
    """

    __slots__ = (
        "_force_close",
        "_idle",
        "_keepalive",
        "_leases",
        "_leases_per_key",
        "_limit",
        "_limit_per_host",
        "_lent_per_key",
        "_opening",
        "_opening_per_key",
        "_retiring",
        "_shared",
        "_waiters",
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
        self._idle: dict[K, list[tuple[AbstractConnection, float]]] = {}
        self._leases: dict[AbstractConnection, int] = {}
        self._lent_per_key: dict[K, int] = {}
        self._leases_per_key: dict[K, int] = {}
        self._shared: dict[K, list[AbstractConnection]] = {}
        self._retiring: set[AbstractConnection] = set()
        self._opening = 0
        self._opening_per_key: dict[K, int] = {}
        self._waiters: dict[K, deque[W]] = {}
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
        self, key: K, now: float, *, reuse: bool = True
    ) -> AbstractConnection | Literal[_Step.OPEN, _Step.WAIT]:
        """Decide for one request of ``key``: a connection to use, ``OPEN`` or ``WAIT``.

        A returned connection is counted as lent at once; an idle one past
        keep-alive or no longer available is put in ``to_close`` on the way.
        With ``reuse=False`` no pooled connection is offered. ``OPEN``
        reserves a slot: report the outcome with :meth:`opened` or
        :meth:`open_failed`.
        """
        if reuse:
            conn = self._take_idle(key, now) if key in self._idle else None
            if conn is None and key in self._shared:
                conn = self._take_shared(key)
            if conn is not None:
                self._add_lease(key, conn)
                return conn
        if not self._has_room(key):
            return WAIT
        self._opening += 1
        self._opening_per_key[key] = self._opening_per_key.get(key, 0) + 1
        return OPEN

    def _take_idle(self, key: K, now: float) -> AbstractConnection | None:
        idle = self._idle[key]
        keepalive = self._keepalive
        found = None
        while idle:
            conn, since = idle.pop()  # the most recently used first
            if (keepalive is None or now - since <= keepalive) and conn.is_available():
                found = conn
                break
            self.to_close.append(conn)
        if not idle:
            del self._idle[key]
        return found

    def _take_shared(self, key: K) -> AbstractConnection | None:
        for conn in self._shared[key]:
            if conn.is_available():
                return conn
        return None

    def _add_lease(self, key: K, conn: AbstractConnection) -> None:
        leases = self._leases.get(conn, 0) + 1
        self._leases[conn] = leases
        self._leases_per_key[key] = self._leases_per_key.get(key, 0) + 1
        if leases == 1:
            self._lent_per_key[key] = self._lent_per_key.get(key, 0) + 1
        capacity = conn.max_exchanges
        if capacity > 1:
            shared = self._shared.setdefault(key, [])
            if leases == 1:
                shared.append(conn)
            if leases >= capacity:
                self._unshare(key, conn)

    def opened(self, key: K, conn: AbstractConnection) -> None:
        """The connection opened for a slot ``assign`` reserved; it is lent now."""
        self._drop_opening(key)
        self._add_lease(key, conn)

    def open_failed(self, key: K) -> None:
        """Opening for a reserved slot failed or was cancelled: free the slot."""
        self._drop_opening(key)
        self._wake()

    def _drop_opening(self, key: K) -> None:
        self._opening -= 1
        left = self._opening_per_key[key] - 1
        if left:
            self._opening_per_key[key] = left
        else:
            del self._opening_per_key[key]

    # --- giving back ------------------------------------------------------------

    def release(self, key: K, conn: AbstractConnection, now: float, *, close: bool) -> bool:
        """A lease on ``conn`` ended; True when the connection is kept idle.

        With ``close`` (the request failed, or its body was left unread) the
        connection is never lent again: closed now, or once its other leases
        end. Otherwise it is kept when it is idle and still available.
        """
        if conn not in self._leases:  # not lent (any more): never pool it
            self.to_close.append(conn)
            return False
        leases = self._end_lease(key, conn)
        kept = False
        if leases:  # a multiplexed connection still carries other requests
            if close:
                self._retiring.add(conn)
                self._unshare(key, conn)
            elif conn not in self._retiring and conn not in self._shared.get(key, ()):
                self._shared.setdefault(key, []).append(conn)  # below its capacity again
        elif (
            close
            or self._force_close
            or conn in self._retiring
            or not (conn.is_idle() and conn.is_available())
        ):
            self._retiring.discard(conn)
            self.to_close.append(conn)
        else:
            idle = self._idle.get(key)
            if idle is None:
                self._idle[key] = [(conn, now)]
            else:
                idle.append((conn, now))
            kept = True
        if self._waiters:
            self._wake()
        return kept

    def forget(self, key: K, conn: AbstractConnection) -> None:
        """Stop counting ``conn`` (detached from the pool) without closing it."""
        while self._end_lease(key, conn):
            pass  # a detached connection carries no other request of the pool
        self._retiring.discard(conn)
        if self._waiters:
            self._wake()

    def _end_lease(self, key: K, conn: AbstractConnection) -> int:
        if conn not in self._leases:
            return 0  # released twice, or after close_all
        left_on_key = self._leases_per_key[key] - 1
        if left_on_key:
            self._leases_per_key[key] = left_on_key
        else:
            del self._leases_per_key[key]
        leases = self._leases.pop(conn) - 1
        if leases > 0:
            self._leases[conn] = leases
            return leases
        left = self._lent_per_key[key] - 1
        if left:
            self._lent_per_key[key] = left
        else:
            del self._lent_per_key[key]
        self._unshare(key, conn)
        return 0

    def _unshare(self, key: K, conn: AbstractConnection) -> None:
        shared = self._shared.get(key)
        if shared is not None and conn in shared:
            shared.remove(conn)
            if not shared:
                del self._shared[key]

    # --- waiting ------------------------------------------------------------------

    def queue(self, key: K, waiter: W) -> None:
        """Queue ``waiter`` after ``assign`` said ``WAIT``; it lands in ``to_wake`` later."""
        waiters = self._waiters.get(key)
        if waiters is None:
            self._waiters[key] = deque((waiter,))
        else:
            waiters.append(waiter)

    def unqueue(self, key: K, waiter: W) -> bool:
        """Take back a waiter that gave up; False when it had been woken already."""
        waiters = self._waiters.get(key)
        if waiters is None or waiter not in waiters:
            return False
        waiters.remove(waiter)
        if not waiters:
            del self._waiters[key]
        return True

    def pass_on(self) -> None:
        """A woken waiter gave up before asking again: wake another in its place."""
        self._wake()

    def _has_room(self, key: K) -> bool:
        if self._limit and len(self._leases) + self._opening >= self._limit:
            return False
        return not (
            self._limit_per_host
            and self._lent_per_key.get(key, 0) + self._opening_per_key.get(key, 0)
            >= self._limit_per_host
        )

    def _wake(self) -> None:
        """Wake the first waiter (FIFO per key, keys in order) that could now proceed."""
        for key, waiters in self._waiters.items():
            if key in self._idle or key in self._shared or self._has_room(key):
                self.to_wake.append(waiters.popleft())
                if not waiters:
                    del self._waiters[key]
                return

    # --- housekeeping ---------------------------------------------------------------

    def drop_idle(self, key: K) -> None:
        """Close every idle connection of ``key``."""
        for conn, _ in self._idle.pop(key, ()):
            self.to_close.append(conn)

    def expire(self, now: float) -> bool:
        """Close idle connections past keep-alive or expired; True when some stay idle."""
        keepalive = self._keepalive
        for key in list(self._idle):
            kept = []
            for conn, since in self._idle[key]:
                if (keepalive is not None and now - since > keepalive) or conn.has_expired():
                    self.to_close.append(conn)
                else:
                    kept.append((conn, since))
            if kept:
                self._idle[key] = kept
            else:
                del self._idle[key]
        return bool(self._idle)

    def connections(self) -> list[AbstractConnection]:
        """Every connection in the books, idle and lent."""
        conns = [conn for idle in self._idle.values() for conn, _ in idle]
        conns.extend(self._leases)
        return conns

    def close_all(self) -> tuple[list[AbstractConnection], list[W]]:
        """Forget everything: the connections to close (idle and lent) and the waiters."""
        conns = self.connections()
        conns.extend(self.to_close)
        waiters = [waiter for queued in self._waiters.values() for waiter in queued]
        waiters.extend(self.to_wake)
        for books in (
            self._idle,
            self._leases,
            self._lent_per_key,
            self._leases_per_key,
            self._shared,
            self._waiters,
        ):
            books.clear()
        self._retiring.clear()
        self.to_close, self.to_wake = [], []
        return conns, waiters

    def stats(self, *, closed: bool = False) -> PoolStats[K]:
        """A snapshot of the books, per key and in total."""
        keys = {*self._idle, *self._lent_per_key, *self._opening_per_key, *self._waiters}
        per_key = {
            key: PoolCounts(
                idle=len(self._idle.get(key, ())),
                in_use=self._lent_per_key.get(key, 0),
                opening=self._opening_per_key.get(key, 0),
                waiting=len(self._waiters.get(key, ())),
                leases=self._leases_per_key.get(key, 0),
            )
            for key in keys
        }
        total = PoolCounts(
            idle=sum(c.idle for c in per_key.values()),
            in_use=len(self._leases),
            opening=self._opening,
            waiting=sum(c.waiting for c in per_key.values()),
            leases=sum(self._leases.values()),
        )
        return PoolStats(total, per_key, self._limit, self._limit_per_host, closed)
