"""Routes, the requests they saw, and the router that holds them for one test."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any

from yarl import URL

from . import _plugin
from ._faults import Fault, RandomFaults
from ._requests import RecordedRequest, UnmatchedRequestError
from ._wire import Reply

if TYPE_CHECKING:
    from ._connector import MockConnector

__all__ = ["MockRouter", "Route"]

URLPattern = str | URL | re.Pattern[str] | Callable[[URL], bool]
Callback = Callable[[RecordedRequest], Reply | Awaitable[Reply]]


@dataclass(eq=False)
class Route:
    """One registered answer: what it matches, what it replies, the calls it got.

    Attributes:
        calls: Every request this route answered, in order.
    """

    method: str
    url: URLPattern
    reply: Reply | None = None
    callback: Callback | None = None
    exception: BaseException | None = None
    delay: float | None = None
    fault: Fault | None = None
    match: Callable[[RecordedRequest], bool] | None = None
    match_headers: Mapping[str, str] | None = None
    times: int | None = None
    calls: list[RecordedRequest] = field(default_factory=list)

    @property
    def called(self) -> bool:
        """True once the route has answered a request."""
        return bool(self.calls)

    @property
    def call_count(self) -> int:
        """How many requests the route answered."""
        return len(self.calls)

    def matches(self, request: RecordedRequest) -> bool:
        """True when the route answers ``request`` (and has answers left)."""
        if self.times is not None and len(self.calls) >= self.times:
            return False
        if self.method != "*" and self.method != request.method:
            return False
        if not _url_matches(self.url, request.url):
            return False
        if self.match_headers is not None and any(
            request.headers.get(name) != value for name, value in self.match_headers.items()
        ):
            return False
        return self.match is None or self.match(request)

    async def answer(self, request: RecordedRequest) -> Reply:
        """The reply for ``request``: the callback's, or the fixed one."""
        if self.callback is None:
            return self.reply or Reply()
        result = self.callback(request)
        if inspect.isawaitable(result):
            result = await result
        if not isinstance(result, Reply):
            raise TypeError(f"a route callback must return a Reply, not {result!r}")
        return result


def _url_matches(pattern: URLPattern, url: URL) -> bool:
    if isinstance(pattern, re.Pattern):
        return pattern.fullmatch(str(url)) is not None
    if callable(pattern):
        return pattern(url)
    expected = URL(pattern)
    if expected.with_query(None).with_fragment(None) != url.with_query(None):
        return False
    # A pattern without a query matches any; with one, the same fields in any order.
    return not expected.query or sorted(expected.query.items()) == sorted(url.query.items())


class MockRouter:
    """Answers the requests of lamella sessions without a network, for tests.

    While started (``with router:``, ``async with router:`` or ``start()``),
    every ``ClientSession`` created without ``connector=`` gets a
    :class:`MockConnector` of this router; ``router.connector()`` builds one
    for a session that is given its connector explicitly. lamella above the
    socket runs as in production: the connector feeds real HTTP/1.1 bytes
    through an in-memory transport.

    Args:
        assert_all_called: fail on ``stop()`` when a route never answered.
        assert_all_matched: fail on ``stop()`` when a request matched no route.
        passthrough: hosts whose requests go to the real network.
        random_faults: inject faults into a share of the requests (see
            :class:`RandomFaults`); a route's own ``fault`` takes precedence.
        drip_size: bytes per write of the ``SLOW_DRIP`` fault.
        drip_delay: seconds between those writes.

    Attributes:
        routes: The registered routes, in the order they are tried.
        requests: Every request that reached the router, matched or not.
        unmatched: The requests no route matched.
        errors: What route callbacks and streams raised (each also reset its connection).
    """

    def __init__(
        self,
        *,
        assert_all_called: bool = True,
        assert_all_matched: bool = True,
        passthrough: Iterable[str] = (),
        random_faults: RandomFaults | None = None,
        drip_size: int = 1,
        drip_delay: float = 0.01,
    ) -> None:
        self.assert_all_called = assert_all_called
        self.assert_all_matched = assert_all_matched
        self.passthrough_hosts = set(passthrough)
        self.random_faults = random_faults
        self.drip_size = drip_size
        self.drip_delay = drip_delay
        self.routes: list[Route] = []
        self.requests: list[RecordedRequest] = []
        self.unmatched: list[RecordedRequest] = []
        self.errors: list[Exception] = []

    def __repr__(self) -> str:
        return f"<MockRouter routes={len(self.routes)} requests={len(self.requests)}>"

    # --- registering ------------------------------------------------------------------

    def add(
        self,
        method: str,
        url: URLPattern,
        *,
        status: int = 200,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        body: bytes | str | None = None,
        json: Any = None,
        stream: Any = None,
        reason: str | None = None,
        callback: Callback | None = None,
        exception: BaseException | None = None,
        delay: float | None = None,
        fault: Fault | None = None,
        match: Callable[[RecordedRequest], bool] | None = None,
        match_headers: Mapping[str, str] | None = None,
        times: int | None = None,
    ) -> Route:
        """Register a route and return it; routes are tried in registration order.

        Args:
            method: The method to match (``"*"`` for any).
            url: A URL string (a query in it must match, in any order; without
                one any query matches), a compiled regex matched against the
                whole URL, or a callable taking the URL.
            status: the fixed reply's status (see :class:`Reply`).
            headers: its header fields.
            body: its body, as bytes or text.
            json: its body, as a JSON document.
            stream: its body, as pieces sent one after another.
            reason: its reason phrase.
            callback: builds the reply from the :class:`RecordedRequest`
                instead (plain or async function returning a ``Reply``).
            exception: raised to the caller instead of replying.
            delay: seconds to wait before the reply's first byte.
            fault: a :class:`Fault` to inject into every answer.
            match: a further test of the request (headers, body, ...).
            match_headers: header fields the request must carry, with these values.
            times: answer at most this many requests (None: any number).
        """
        reply = Reply(
            status=status,
            headers=dict(headers) if isinstance(headers, Mapping) else headers,
            body=body,
            json=json,
            stream=stream,
            reason=reason,
        )
        route = Route(
            method=method.upper(),
            url=url,
            reply=reply,
            callback=callback,
            exception=exception,
            delay=delay,
            fault=fault,
            match=match,
            match_headers=match_headers,
            times=times,
        )
        self.routes.append(route)
        return route

    def get(self, url: URLPattern, **kwargs: Any) -> Route:
        """Register a ``GET`` route (see :meth:`add`)."""
        return self.add("GET", url, **kwargs)

    def post(self, url: URLPattern, **kwargs: Any) -> Route:
        """Register a ``POST`` route (see :meth:`add`)."""
        return self.add("POST", url, **kwargs)

    def put(self, url: URLPattern, **kwargs: Any) -> Route:
        """Register a ``PUT`` route (see :meth:`add`)."""
        return self.add("PUT", url, **kwargs)

    def patch(self, url: URLPattern, **kwargs: Any) -> Route:
        """Register a ``PATCH`` route (see :meth:`add`)."""
        return self.add("PATCH", url, **kwargs)

    def delete(self, url: URLPattern, **kwargs: Any) -> Route:
        """Register a ``DELETE`` route (see :meth:`add`)."""
        return self.add("DELETE", url, **kwargs)

    def head(self, url: URLPattern, **kwargs: Any) -> Route:
        """Register a ``HEAD`` route (see :meth:`add`)."""
        return self.add("HEAD", url, **kwargs)

    def passthrough(self, *hosts: str) -> None:
        """Send requests for ``hosts`` to the real network."""
        self.passthrough_hosts.update(hosts)

    # --- answering (called by the fake server) -------------------------------------------

    def resolve(self, request: RecordedRequest) -> Route:
        """Record ``request`` and return the first route that matches it.

        Raises:
            UnmatchedRequestError: No route matches.
        """
        self.requests.append(request)
        for route in self.routes:
            if route.matches(request):
                route.calls.append(request)
                return route
        self.unmatched.append(request)
        raise UnmatchedRequestError(request)

    def fault_for(self, route: Route) -> Fault | None:
        """The fault to inject into the answer of ``route``, if any."""
        if route.fault is not None:
            return route.fault
        return self.random_faults.draw() if self.random_faults is not None else None

    # --- lifecycle ----------------------------------------------------------------------

    def connector(self, **kwargs: Any) -> MockConnector:
        """A connector that answers from this router (``BaseConnector`` keyword arguments)."""
        from ._connector import MockConnector

        return MockConnector(self, **kwargs)

    def start(self) -> MockRouter:
        """Make new sessions without ``connector=`` use this router."""
        _plugin.activate(self)
        return self

    def stop(self, *, check: bool = True) -> None:
        """Stop answering new sessions; with ``check``, run :meth:`assert_expectations`."""
        _plugin.deactivate(self)
        if check:
            self.assert_expectations()

    def assert_expectations(self) -> None:
        """Fail for route errors, unmatched requests and never-called routes (as configured).

        Raises:
            AssertionError: listing what went wrong.
        """
        problems = [f"a route raised {exc!r}" for exc in self.errors]
        if self.assert_all_matched:
            problems += [f"no route matched {r.method} {r.url}" for r in self.unmatched]
        if self.assert_all_called:
            problems += [
                f"route never called: {r.method} {r.url}" for r in self.routes if not r.calls
            ]
        if problems:
            raise AssertionError("lamella-testing: " + "; ".join(problems))

    def assert_called(self, method: str, url: URLPattern, *, times: int | None = None) -> None:
        """Assert that a request matching ``method`` and ``url`` was made (``times`` times).

        Raises:
            AssertionError: It was not (or not that many times).
        """
        probe = Route(method=method.upper(), url=url)
        seen = sum(1 for request in self.requests if probe.matches(request))
        if (seen == 0 and times is None) or (times is not None and seen != times):
            wanted = "at least once" if times is None else f"{times} times"
            raise AssertionError(f"expected {method} {url} {wanted}, got {seen}")

    def __enter__(self) -> MockRouter:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(check=exc_type is None)

    async def __aenter__(self) -> MockRouter:
        return self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop(check=exc_type is None)
