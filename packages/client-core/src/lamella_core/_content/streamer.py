"""``streamer``: aiohttp's deprecated decorator that makes a request body of
``async def f(writer, ...)``, which writes the body piece by piece.

New code passes an async generator as ``data=``; this is here so code written
for aiohttp keeps running (with aiohttp's ``DeprecationWarning``).
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from .payload_registry import PAYLOAD_REGISTRY
from .payloads import Payload

__all__ = ["StreamerPayload", "streamer"]

_Writes = Callable[..., Awaitable[None]]


class streamer:
    """Decorate ``async def f(writer, *args, **kwargs)``: ``f(*args, **kwargs)``
    (or ``f`` itself, when it takes only the writer) is then a request body.

    Deprecated, as in aiohttp: an async generator is a body as it is.
    """

    __slots__ = ("_writes",)

    def __init__(self, writes: _Writes) -> None:
        warnings.warn(
            "@streamer is deprecated, use async generators instead",
            DeprecationWarning,
            stacklevel=2,
        )
        self._writes = writes

    def __call__(self, *args: Any, **kwargs: Any) -> StreamerCall:
        return StreamerCall(self._writes, args, kwargs)


class StreamerCall:
    """The decorated function with its arguments bound, waiting for the writer."""

    __slots__ = ("_writes", "_args", "_kwargs")

    def __init__(self, writes: _Writes, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self._writes = writes
        self._args = args
        self._kwargs = kwargs

    async def __call__(self, writer: Any) -> None:
        await self._writes(writer, *self._args, **self._kwargs)


class StreamerPayload(Payload):
    """The body a ``@streamer`` function writes; sent once, with chunked
    framing unless the caller gives a Content-Length."""

    __slots__ = ()

    def __init__(self, value: streamer | StreamerCall, *args: Any, **kwargs: Any) -> None:
        super().__init__(value() if isinstance(value, streamer) else value, *args, **kwargs)

    async def write(self, writer: Any) -> None:
        await self._value(writer)


PAYLOAD_REGISTRY.register(StreamerPayload, (streamer, StreamerCall))
