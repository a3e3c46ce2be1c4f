"""What ``BaseConnector.stats()`` returns: snapshots of the pool's books.

Kept out of ``pool_state``, which every session imports, and imported by
the first ``stats()`` call or ``lamella_core.connection``: building these
dataclasses costs about 1.5 ms of ``import lamella``, and most programs
never ask for a snapshot.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["PoolCounts", "PoolStats"]

K = TypeVar("K", bound=Hashable)


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
