"""Async iterators over a :class:`~.streams.StreamReader`, as aiohttp names them.

``async for`` over lines, fixed-size pieces, whatever arrived, or
``(data, end_of_http_chunk)`` tuples; each one wraps a read method and
stops at the end-of-body marker that method returns.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from .streams import StreamReader

__all__ = ["AsyncStreamIterator", "ChunkTupleAsyncStreamIterator"]

_T = TypeVar("_T")


class AsyncStreamIterator(Generic[_T]):
    """Turns a read coroutine into an async iterator that stops on empty bytes."""

    __slots__ = ("_read",)

    def __init__(self, read: Callable[[], Awaitable[_T]]) -> None:
        self._read = read

    def __aiter__(self) -> AsyncStreamIterator[_T]:
        return self

    async def __anext__(self) -> _T:
        value = await self._read()
        if value == b"":
            raise StopAsyncIteration
        return value


class ChunkTupleAsyncStreamIterator:
    """Iterates ``readchunk()`` results until the end-of-stream marker."""

    __slots__ = ("_stream",)

    def __init__(self, stream: StreamReader) -> None:
        self._stream = stream

    def __aiter__(self) -> ChunkTupleAsyncStreamIterator:
        return self

    async def __anext__(self) -> tuple[bytes, bool]:
        value = await self._stream.readchunk()
        if value == (b"", False):
            raise StopAsyncIteration
        return value
