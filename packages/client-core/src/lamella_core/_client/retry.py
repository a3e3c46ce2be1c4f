"""``RetryPolicy``: opt-in, documented retries, decided without I/O.

Theory of operation: the session asks the policy one question after each
failed attempt, synchronously::

    delay = policy.delay_for(attempt, outcome, method, body_replayable)

``attempt`` counts from 1 (the attempt that just ended), ``outcome`` is the
``ClientResponse`` it produced or the exception it raised. ``None`` means
"do not retry: return the response or raise the exception"; a float is the
number of seconds to wait before the next attempt. The policy never
sleeps, sends or reads: the session does that, so the decisions are unit
tested without a loop or a socket.

What is retried:

* only idempotent methods (RFC 9110 section 9.2.2: GET, HEAD, OPTIONS,
  TRACE, PUT, DELETE) unless ``methods`` says otherwise, and only when the
  body can be sent again (none, bytes, a seekable file) — a streamed body
  is gone once sent;
* responses whose status is in ``statuses`` (429, 502, 503, 504 by
  default), honouring their ``Retry-After`` (seconds or an HTTP-date,
  RFC 9110 section 10.2.3) up to ``max_retry_after``;
* exceptions of the classes in ``exceptions`` (connection failures and
  timeouts by default). An exception whose ``request_sent`` attribute is
  False (the request never left) may be retried for any method: the
  server cannot have acted on it.

Backoff is exponential with "full jitter" by default
(``uniform(0, min(max_delay, base * factor ** (attempt - 1)))``), the
scheme that spreads retrying clients best; ``jitter="equal"`` keeps half
the delay fixed, ``jitter="none"`` is deterministic. Pass ``random`` (a
``random.Random``) to make the jitter reproducible in tests.

This is separate from the transparent retry the session always does once,
for an idempotent request whose reused keep-alive connection was closed
before any byte of the answer; that one needs no policy.
"""

from __future__ import annotations

import asyncio
import random as random_module
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, Protocol

from lamella_core._http import IDEMPOTENT_METHODS
from lamella_core.exceptions import ClientConnectionError, ClientPayloadError

__all__ = [
    "DEFAULT_RETRY_EXCEPTIONS",
    "DEFAULT_RETRY_STATUSES",
    "ExponentialRetry",
    "RetryPolicy",
    "parse_retry_after",
]

DEFAULT_RETRY_STATUSES: Final = frozenset({429, 502, 503, 504})
DEFAULT_RETRY_EXCEPTIONS: Final[tuple[type[BaseException], ...]] = (
    ClientConnectionError,  # resets, disconnects, connect and read timeouts
    asyncio.TimeoutError,
)


class _Response(Protocol):
    """What the policy reads of a response (``ClientResponse`` has it)."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class RetryPolicy(Protocol):
    """The interface the session calls; implement it for a custom policy."""

    @property
    def attempts(self) -> int:
        """Most attempts in total, the first included."""

    def delay_for(
        self,
        attempt: int,
        outcome: _Response | BaseException,
        method: str,
        body_replayable: bool,
        *,
        now: float | None = None,
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to stop."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` value asks to wait (RFC 9110 section 10.2.3).

    Args:
        value: ``delay-seconds`` (``"120"``) or an HTTP-date
            (``"Fri, 31 Dec 1999 23:59:59 GMT"``).
        now: the current POSIX time, for dates (default: ``time.time()``).

    Returns:
        The delay, 0 for a date in the past, None when absent or invalid.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    if not value:
        return None
    from email.utils import parsedate_to_datetime  # only for a date, not delay-seconds

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None  # HTTP-dates are GMT; a date without a zone is not one
    if now is None:
        import time

        now = time.time()
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExponentialRetry:
    """Retry with exponential backoff and jitter; pass it as ``retry=``.

    Attributes:
        attempts: most attempts in total, the first included (3: two retries).
        base_delay: the delay before the first retry, before jitter.
        factor: how much each further delay grows.
        max_delay: the cap on a computed delay.
        jitter: "full" (uniform in 0..delay), "equal" (delay/2 + uniform
            in 0..delay/2) or "none".
        statuses: response statuses that are retried.
        exceptions: exception classes that are retried.
        methods: methods retried after the request may have reached the
            server (idempotent ones by default).
        respect_retry_after: wait what ``Retry-After`` asks on a retried
            status, instead of the backoff, when it asks for more.
        max_retry_after: a longer ``Retry-After`` stops retrying instead.
        random: the source of jitter (a seeded ``random.Random`` in tests).
    """

    attempts: int = 3
    base_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    jitter: Literal["full", "equal", "none"] = "full"
    statuses: Collection[int] = DEFAULT_RETRY_STATUSES
    exceptions: tuple[type[BaseException], ...] = DEFAULT_RETRY_EXCEPTIONS
    methods: Collection[str] = IDEMPOTENT_METHODS
    respect_retry_after: bool = True
    max_retry_after: float = 120.0
    random: Any = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("ExponentialRetry.attempts counts the first attempt: at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.factor < 1:
            raise ValueError("delays must be >= 0 and factor >= 1")
        if self.jitter not in ("full", "equal", "none"):
            raise ValueError(f"unknown jitter {self.jitter!r}: full, equal or none")

    def backoff(self, attempt: int) -> float:
        """The delay after attempt ``attempt`` (1-based), jitter applied."""
        delay = min(self.max_delay, self.base_delay * self.factor ** (attempt - 1))
        if self.jitter == "none":
            return delay
        rng = self.random if self.random is not None else random_module
        if self.jitter == "full":
            return float(rng.uniform(0, delay))
        return delay / 2 + float(rng.uniform(0, delay / 2))

    def delay_for(
        self,
        attempt: int,
        outcome: _Response | BaseException,
        method: str,
        body_replayable: bool,
        *,
        now: float | None = None,
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None to stop.

        Args:
            attempt: the attempt that just ended, from 1.
            outcome: its response, or the exception it raised.
            method: the request method (any case).
            body_replayable: the body can be sent again (no body, bytes, a
                seekable file); False for a streamed body.
            now: POSIX time for ``Retry-After`` dates (default: now).
        """
        if attempt >= self.attempts or not body_replayable:
            return None
        method = method.upper()
        if isinstance(outcome, BaseException):
            if isinstance(outcome, ClientPayloadError) or not isinstance(outcome, self.exceptions):
                return None
            # A request that never left may be sent again whatever its method.
            if getattr(outcome, "request_sent", True) and method not in self.methods:
                return None
            return self.backoff(attempt)
        if outcome.status not in self.statuses or method not in self.methods:
            return None
        delay = self.backoff(attempt)
        if self.respect_retry_after:
            asked = parse_retry_after(outcome.headers.get("Retry-After"), now=now)
            if asked is not None:
                if asked > self.max_retry_after:
                    return None
                delay = max(delay, asked)
        return delay
