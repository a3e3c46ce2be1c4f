"""What request methods return: awaitable, and usable with ``async with``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from .response import ClientResponse

__all__ = ["AwaitableContext", "RequestContextManager", "SessionRequestContextManager"]


_T = TypeVar("_T")


class AwaitableContext(Generic[_T]):
    """A coroutine's result that is also an async context manager.

    ``await`` it for the result, or ``async with`` it to have :meth:`_exit`
    called on the result at the end of the block (siblings reuse it, e.g.
    for WebSockets).
    """

    __slots__ = ("_coro", "_value")

    def __init__(self, coro: Coroutine[Any, Any, _T]) -> None:
        self._coro = coro
        self._value: _T | None = None

    def __await__(self) -> Generator[Any, None, _T]:
        return self._coro.__await__()

    def send(self, arg: None) -> Any:
        """Advance the coroutine (coroutine protocol)."""
        return self._coro.send(arg)

    def close(self) -> None:
        """Close the coroutine without running it."""
        self._coro.close()

    async def __aenter__(self) -> _T:
        self._value = await self._coro
        return self._value

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._value is not None
        await self._exit(self._value)

    async def _exit(self, value: _T) -> None:
        """What leaving the ``async with`` block does with the result."""
        raise NotImplementedError


class RequestContextManager(AwaitableContext["ClientResponse"]):
    """Await it for the response, or ``async with`` it to release the response on exit."""

    __slots__ = ()

    async def _exit(self, value: ClientResponse) -> None:
        value.release()


class SessionRequestContextManager:
    """Like :class:`RequestContextManager`, and closes its own session afterwards."""

    __slots__ = ("_coro", "_resp", "_close")

    def __init__(
        self,
        coro: Coroutine[Any, Any, ClientResponse],
        close_session: Callable[[], Awaitable[None]],
    ) -> None:
        self._coro = coro
        self._close = close_session
        self._resp: ClientResponse | None = None

    def __await__(self) -> Generator[Any, None, ClientResponse]:
        return self._await().__await__()

    async def _await(self) -> ClientResponse:
        try:
            return await self._coro
        except BaseException:
            await self._close()
            raise

    async def __aenter__(self) -> ClientResponse:
        self._resp = await self._await()
        return self._resp

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._resp is not None
        self._resp.release()
        await self._close()
