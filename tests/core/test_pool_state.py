"""The pool's decisions, made by PoolState without a loop or a socket."""

from __future__ import annotations

import asyncio

import pytest
from yarl import URL

from lamella_core import ClientRequest, ClientTimeout
from lamella_core._pool.pool_state import OPEN, PROBE, WAIT, PoolState
from lamella_core.abc import AbstractConnection, AbstractExchange
from lamella_core.connection import BaseConnector, PoolCounts


class FakeConnection(AbstractConnection):
    """A connection as the pool sees it: answers the pool's questions from fields."""

    def __init__(self, name: str, *, max_exchanges: int = 1) -> None:
        self.name = name
        self.transport = None
        self.capacity = max_exchanges
        self.available = True
        self.idle = True
        self.closed = False

    def __repr__(self) -> str:
        return f"<Fake {self.name}>"

    @property
    def max_exchanges(self) -> int:
        return self.capacity

    def is_available(self) -> bool:
        return self.available and not self.closed

    def is_idle(self) -> bool:
        return self.idle

    def has_expired(self) -> bool:
        return self.closed

    def begin(self, method: str, **options: object) -> AbstractExchange:  # type: ignore[override]
        raise AssertionError("the pool never begins an exchange")

    def take_over(self, protocol: asyncio.BaseProtocol) -> tuple[asyncio.Transport, bytes]:
        raise AssertionError("the pool never takes a transport over")

    def close(self) -> None:
        self.closed = True


def pool(**kwargs: object) -> PoolState[str, str]:
    settings: dict[str, object] = {"limit": 0, "limit_per_host": 0, "keepalive_timeout": 15.0}
    settings.update(kwargs)
    return PoolState(**settings)  # type: ignore[arg-type]


def lend_new(state: PoolState[str, str], key: str, conn: FakeConnection) -> None:
    """Open ``conn`` for ``key`` as the connector would: ``assign`` says OPEN, then ``opened``."""
    assert state.assign(key, 0.0) is OPEN
    state.opened(key, conn)


def kept_idle(state: PoolState[str, str], key: str, name: str, since: float) -> FakeConnection:
    """A new connection for ``key``, lent and given back at ``since``: idle now."""
    conn = FakeConnection(name)
    lend_new(state, key, conn)
    assert state.release(key, conn, since, close=False) is True
    return conn


def test_an_empty_pool_says_open_and_counts_the_slot():
    state = pool()
    assert state.assign("a", 0.0) is OPEN
    assert state.stats().total == PoolCounts(opening=1)
    conn = FakeConnection("1")
    state.opened("a", conn)
    assert state.stats().per_key == {"a": PoolCounts(in_use=1, leases=1)}


def test_a_released_connection_is_kept_and_lent_again():
    state = pool()
    conn = FakeConnection("1")
    lend_new(state, "a", conn)
    assert state.release("a", conn, 1.0, close=False) is True
    assert state.stats().total == PoolCounts(idle=1)
    assert state.assign("a", 2.0) is conn
    assert state.effects() == ([], [])
    assert state.assign("b", 2.0) is OPEN  # another key never gets it


def test_the_most_recently_used_idle_connection_goes_first():
    state = pool()
    older, newer = FakeConnection("older"), FakeConnection("newer")
    lend_new(state, "a", older)
    lend_new(state, "a", newer)  # both lent at once, given back one after the other
    state.release("a", older, 1.0, close=False)
    state.release("a", newer, 2.0, close=False)
    assert state.assign("a", 3.0) is newer
    assert state.assign("a", 3.0) is older


def test_an_idle_connection_past_keep_alive_is_closed_not_lent():
    state = pool(keepalive_timeout=10.0)
    conn = kept_idle(state, "a", "1", 0.0)
    assert state.assign("a", 10.5) is OPEN
    assert state.effects() == ([conn], [])
    assert state.stats().total == PoolCounts(opening=1)


def test_without_keep_alive_timeout_idle_connections_never_time_out():
    state = pool(keepalive_timeout=None)
    conn = kept_idle(state, "a", "1", 0.0)
    assert state.expire(1e9) is True
    assert state.assign("a", 1e9) is conn


def test_an_idle_connection_the_server_closed_is_skipped_and_closed():
    state = pool()
    dead, alive = FakeConnection("dead"), FakeConnection("alive")
    lend_new(state, "a", alive)
    lend_new(state, "a", dead)
    state.release("a", alive, 0.0, close=False)
    state.release("a", dead, 1.0, close=False)
    dead.available = False
    assert state.assign("a", 2.0) is alive
    assert state.effects() == ([dead], [])


@pytest.mark.parametrize("why", ["close", "body left unread", "not reusable", "force_close"])
def test_a_connection_that_may_not_be_reused_is_closed_on_release(why):
    state = pool(force_close=why == "force_close")
    conn = FakeConnection("1")
    lend_new(state, "a", conn)
    conn.idle = why != "body left unread"
    conn.available = why != "not reusable"
    assert state.release("a", conn, 0.0, close=why == "close") is False
    assert state.effects() == ([conn], [])
    assert state.stats().total == PoolCounts()


def test_a_connection_released_twice_is_counted_once():
    state = pool()
    conn = FakeConnection("1")
    lend_new(state, "a", conn)
    state.release("a", conn, 0.0, close=True)
    state.effects()
    state.release("a", conn, 0.0, close=False)  # not lent any more: never pooled
    assert state.effects() == ([conn], [])
    assert state.stats().total == PoolCounts()


def test_the_limit_makes_requests_wait_and_a_freed_slot_wakes_one():
    state = pool(limit=1)
    conn = FakeConnection("1")
    lend_new(state, "a", conn)
    assert state.assign("a", 0.0) is WAIT
    assert state.assign("b", 0.0) is WAIT  # the limit is over all keys
    state.queue("a", "first")
    state.queue("a", "second")
    assert state.stats().per_key["a"] == PoolCounts(in_use=1, waiting=2, leases=1)
    state.release("a", conn, 1.0, close=True)
    assert state.effects() == ([conn], ["first"])
    assert state.assign("a", 1.0) is OPEN


def test_idle_connections_do_not_count_against_the_limit():
    state = pool(limit=1)
    kept_idle(state, "a", "1", 0.0)
    assert state.assign("b", 0.0) is OPEN


def test_a_waiter_whose_key_is_full_does_not_hold_up_another_key():
    state = pool(limit=2, limit_per_host=1)
    on_a, on_b = FakeConnection("a"), FakeConnection("b")
    lend_new(state, "a", on_a)
    lend_new(state, "b", on_b)
    state.queue("a", "wants a")
    state.queue("b", "wants b")
    state.release("b", on_b, 0.0, close=False)
    # Key "a" still has its one connection lent; "b" now has an idle one.
    assert state.effects() == ([], ["wants b"])
    assert state.assign("b", 0.0) is on_b


def test_a_failed_open_gives_its_slot_to_the_next_waiter():
    state = pool(limit_per_host=1)
    assert state.assign("a", 0.0) is OPEN
    assert state.assign("a", 0.0) is WAIT
    state.queue("a", "next")
    state.open_failed("a")
    assert state.effects() == ([], ["next"])
    assert state.stats().total == PoolCounts(waiting=0)


def test_a_waiter_that_gives_up_leaves_the_queue():
    state = pool(limit=1)
    lend_new(state, "a", FakeConnection("1"))
    state.queue("a", "impatient")
    state.queue("a", "patient")
    assert state.unqueue("a", "impatient") is True
    assert state.unqueue("a", "impatient") is False
    assert state.stats().total.waiting == 1


def test_a_woken_waiter_that_gives_up_passes_the_wake_up_on():
    state = pool(limit=1)
    conn = FakeConnection("1")
    lend_new(state, "a", conn)
    state.queue("a", "woken")
    state.queue("a", "next")
    state.release("a", conn, 0.0, close=True)
    assert state.effects()[1] == ["woken"]
    assert state.unqueue("a", "woken") is False  # it was woken: no longer queued
    state.pass_on()
    assert state.effects() == ([], ["next"])


def test_a_detached_connection_frees_its_slot_and_is_not_closed():
    state = pool(limit=1)
    conn = FakeConnection("1")
    lend_new(state, "a", conn)
    state.queue("a", "waiter")
    state.forget("a", conn)
    assert state.effects() == ([], ["waiter"])
    assert not conn.closed
    assert state.stats().total == PoolCounts()


def test_a_multiplexed_connection_is_shared_up_to_its_capacity():
    state = pool(limit=1)
    conn = FakeConnection("h2", max_exchanges=3)
    lend_new(state, "a", conn)
    assert state.assign("a", 0.0) is conn
    assert state.assign("a", 0.0) is conn
    assert state.assign("a", 0.0) is WAIT  # three streams, and the limit allows no second
    assert state.stats().per_key["a"] == PoolCounts(in_use=1, leases=3)
    state.queue("a", "fourth")
    assert state.release("a", conn, 0.0, close=False) is False  # two leases remain
    assert state.effects() == ([], ["fourth"])
    assert state.assign("a", 0.0) is conn


def test_a_multiplexed_connection_that_refuses_new_streams_is_not_shared():
    state = pool()
    conn = FakeConnection("h2", max_exchanges=10)
    lend_new(state, "a", conn)
    conn.available = False  # e.g. the server announced it is going away
    assert state.assign("a", 0.0) is OPEN


def test_a_failed_stream_keeps_a_multiplexed_connection_that_is_still_available():
    state = pool()
    conn = FakeConnection("h2", max_exchanges=10)
    lend_new(state, "a", conn)
    assert state.assign("a", 0.0) is conn
    state.release("a", conn, 0.0, close=True)  # one stream failed, the connection did not
    assert state.assign("a", 0.0) is conn
    state.release("a", conn, 0.0, close=False)
    assert state.release("a", conn, 0.0, close=True) is True
    assert state.effects() == ([], [])


def test_a_failed_connection_retires_a_multiplexed_connection_once_the_others_end():
    state = pool()
    conn = FakeConnection("h2", max_exchanges=10)
    lend_new(state, "a", conn)
    assert state.assign("a", 0.0) is conn
    conn.available = False  # e.g. a GOAWAY, a protocol error
    state.release("a", conn, 0.0, close=True)
    assert state.effects() == ([], [])  # the other stream still runs on it
    assert state.assign("a", 0.0) is OPEN  # but no new one starts there
    state.release("a", conn, 0.0, close=False)
    assert state.effects() == ([conn], [])


def test_a_multiplexed_connection_becomes_idle_when_its_last_lease_ends():
    state = pool()
    conn = FakeConnection("h2", max_exchanges=10)
    lend_new(state, "a", conn)
    assert state.assign("a", 0.0) is conn
    assert state.release("a", conn, 0.0, close=False) is False
    assert state.release("a", conn, 0.0, close=False) is True
    assert state.stats().total == PoolCounts(idle=1)


def test_shareable_requests_wait_for_a_probe_and_share_its_multiplexed_connection():
    state = pool()
    assert state.assign("a", 0.0, shareable=True) is PROBE
    assert state.assign("a", 0.0, shareable=True) is WAIT
    state.queue("a", "second")
    state.queue("a", "third")
    assert state.assign("b", 0.0, shareable=True) is PROBE  # other keys are not held up
    assert state.assign("a", 0.0) is OPEN  # nor a request that could not share
    conn = FakeConnection("h2", max_exchanges=2)
    state.opened("a", conn, probe=True)
    assert state.effects() == ([], ["second"])  # one stream to spare after the opener's
    assert state.assign("a", 0.0, shareable=True) is conn
    assert state.assign("a", 0.0, shareable=True) is PROBE  # full: probe another


def test_a_single_exchange_probe_lets_its_waiters_open_their_own():
    state = pool()
    assert state.assign("a", 0.0, shareable=True) is PROBE
    state.queue("a", "second")
    state.queue("a", "third")
    state.opened("a", FakeConnection("h1"), probe=True)
    assert state.effects() == ([], ["second", "third"])
    assert state.assign("a", 0.0, shareable=True) is OPEN  # no more probing for this key
    assert state.assign("a", 0.0, shareable=True) is OPEN


def test_a_failed_probe_hands_the_probing_on_to_one_waiter():
    state = pool()
    assert state.assign("a", 0.0, shareable=True) is PROBE
    state.queue("a", "second")
    state.queue("a", "third")
    state.open_failed("a", probe=True)
    assert state.effects() == ([], ["second"])
    assert state.assign("a", 0.0, shareable=True) is PROBE


def test_a_key_waiting_for_its_probe_does_not_swallow_another_keys_wake_up():
    state = pool(limit=2)
    lend_new(state, "c", FakeConnection("c"))
    assert state.assign("a", 0.0, shareable=True) is PROBE
    assert state.assign("a", 0.0, shareable=True) is WAIT
    state.queue("a", "a-waiter")
    assert state.assign("b", 0.0) is WAIT
    state.queue("b", "b-waiter")
    state.release("c", state.connections()[0], 0.0, close=True)
    assert state.effects()[1] == ["b-waiter"]


def test_expire_closes_old_and_dead_idle_connections_and_keeps_the_rest():
    state = pool(keepalive_timeout=10.0)
    old, dead, fresh = FakeConnection("old"), FakeConnection("dead"), FakeConnection("fresh")
    for conn in (old, dead, fresh):
        lend_new(state, "a", conn)
    state.release("a", old, 0.0, close=False)
    state.release("a", dead, 5.0, close=False)
    state.release("a", fresh, 5.0, close=False)
    dead.closed = True
    assert state.expire(12.0) is True
    assert state.effects() == ([old, dead], [])
    assert state.expire(20.0) is False
    assert state.effects() == ([fresh], [])


def test_drop_idle_closes_the_idle_connections_of_one_key():
    state = pool()
    on_a = kept_idle(state, "a", "a", 0.0)
    kept_idle(state, "b", "b", 0.0)
    state.drop_idle("a")
    assert state.effects() == ([on_a], [])
    assert state.stats().per_key == {"b": PoolCounts(idle=1)}


def test_close_all_returns_every_connection_and_waiter():
    state = pool(limit=2)
    idle, lent = FakeConnection("idle"), FakeConnection("lent")
    lend_new(state, "a", idle)
    lend_new(state, "a", lent)
    state.release("a", idle, 0.0, close=False)
    lend_new(state, "b", FakeConnection("b"))
    state.forget("b", state.connections()[-1])
    state.queue("a", "waiter")
    conns, waiters = state.close_all()
    assert conns == [idle, lent]
    assert waiters == ["waiter"]
    assert state.stats().total == PoolCounts()


def test_stats_carry_the_limits_and_the_closed_flag():
    stats = pool(limit=7, limit_per_host=3).stats(closed=True)
    assert (stats.limit, stats.limit_per_host, stats.closed) == (7, 3, True)
    assert stats.per_key == {}


class _MultiplexingConnector(BaseConnector):
    """Opens fake connections that carry two requests each, without a socket."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[FakeConnection] = []

    async def _create_connection(self, req, traces, timeout) -> AbstractConnection:
        conn = FakeConnection(f"mux{len(self.opened)}", max_exchanges=2)
        self.opened.append(conn)
        return conn


async def test_the_connector_lends_a_multiplexed_connection_to_several_requests():
    connector = _MultiplexingConnector()
    req = ClientRequest("GET", URL("http://mux.test/"))
    first = await connector.connect(req, [], ClientTimeout())
    second = await connector.connect(req, [], ClientTimeout())
    third = await connector.connect(req, [], ClientTimeout())
    assert first.protocol is second.protocol is connector.opened[0]
    assert third.protocol is connector.opened[1]
    assert connector.stats().total == PoolCounts(in_use=2, leases=3)
    with pytest.raises(RuntimeError, match="multiplexed"):
        first.detach()
    for lease in (first, second, third):
        lease.release()
    assert connector.stats().total == PoolCounts(idle=2)
    await connector.close()
    assert all(conn.closed for conn in connector.opened)
