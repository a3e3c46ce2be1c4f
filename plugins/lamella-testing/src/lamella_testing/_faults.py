"""The faults a fake server can inject, per route or drawn at random with a seed."""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Fault", "RandomFaults"]


class Fault(enum.Enum):
    """How the fake server misbehaves while answering a request.

    What lamella then raises is what it raises for a real server doing the same.
    """

    RESET_BEFORE_HEAD = "reset_before_head"
    """The connection is reset before any response byte (``ClientOSError``)."""
    RESET_AFTER_HEAD = "reset_after_head"
    """The head arrives, then the connection is reset (``ClientPayloadError`` on reading)."""
    TRUNCATED_BODY = "truncated_body"
    """Half the body arrives, then the connection closes (``ClientPayloadError``)."""
    SLOW_DRIP = "slow_drip"
    """The whole response arrives a few bytes at a time (``sock_read`` timeouts)."""
    STALL = "stall"
    """The head arrives, then nothing, until the client gives up (a timeout)."""
    MALFORMED_HEAD = "malformed_head"
    """The head is not valid HTTP/1.1 (``ClientResponseError`` with status 400)."""


@dataclass
class RandomFaults:
    """Inject a fault into a share of the requests, reproducibly.

    Args:
        rate: The probability that a request gets a fault (0 to 1).
        seed: Seed of the generator, so a failing run can be replayed.
        kinds: The faults to draw from (all of them by default).
    """

    rate: float = 0.1
    seed: int | None = 0
    kinds: Iterable[Fault] = tuple(Fault)
    _random: random.Random = field(init=False, repr=False)
    _kinds: tuple[Fault, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0 <= self.rate <= 1:
            raise ValueError(f"rate must be between 0 and 1, not {self.rate!r}")
        self._random = random.Random(self.seed)
        self._kinds = tuple(self.kinds)
        if not self._kinds:
            raise ValueError("kinds must name at least one Fault")

    def draw(self) -> Fault | None:
        """The fault for the next request, or None for a clean answer."""
        if self._random.random() >= self.rate:
            return None
        return self._random.choice(self._kinds)
