"""``ClientTimeout``: the four timeouts of a request, all optional."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_TIMEOUT", "ClientTimeout", "as_timeout"]


@dataclass(frozen=True, slots=True)
class ClientTimeout:
    """Timeouts in seconds; None or 0 disables one.

    Attributes:
        total: the whole operation, connection set-up through the last byte
            of the body.
        connect: getting a connection, from the pool or a new one.
        sock_read: the longest wait between two reads from the socket.
        sock_connect: connecting one socket to the peer.
        ceil_threshold: kept for compatibility; deadlines are not rounded.
    """

    total: float | None = None
    connect: float | None = None
    sock_read: float | None = None
    sock_connect: float | None = None
    ceil_threshold: float = 5

    def __post_init__(self) -> None:
        # 0 is stored as None, so every reader of a field sees one "no limit".
        for name in ("total", "connect", "sock_read", "sock_connect"):
            if getattr(self, name) == 0:
                object.__setattr__(self, name, None)


DEFAULT_TIMEOUT = ClientTimeout(total=5 * 60, sock_connect=30)


def as_timeout(value: ClientTimeout | float | None) -> ClientTimeout:
    """Accept what aiohttp accepts per request: a ``ClientTimeout``, or a
    number (or None) meaning that total alone."""
    if isinstance(value, ClientTimeout):
        return value
    if value is None or isinstance(value, (int, float)):
        return ClientTimeout(total=value)
    raise TypeError(f"timeout must be a ClientTimeout or a number, not {value!r}")
