"""What request methods return: a coroutine that is also an async context manager.

As in aiohttp, the object is a real :class:`collections.abc.Coroutine`, so
``asyncio.create_task``, ``ensure_future``, ``gather``, ``wait_for`` and
``asyncio.iscoroutine`` accept it as they accept the coroutine it wraps,
and ``async with`` releases the result at the end of the block.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Generator
from types import TracebackType
from typing import Any, TypeVar

from .response import ClientResponse

__all__ = ["AwaitableContext", "RequestContextManager", "SessionRequestContextManager"]


_T = TypeVar("_T")
_RESPONSE_AENTER = ClientResponse.__aenter__
_RESPONSE_AEXIT = ClientResponse.__aexit__


class AwaitableContext(Coroutine[Any, Any, _T]):
    """A coroutine's result that is also an async context manager.

    ``await`` it (or hand it to ``create_task``) for the result, or
    ``async with`` it to have :meth:`_exit` called on the result at the end
    of the block (siblings reuse it, e.g. for WebSockets).
    """

    __slots__ = ("_coro", "_value")

    def __init__(self, coro: Coroutine[Any, Any, _T]) -> None:
        self._coro = coro
        self._value: _T | None = None

    def __await__(self) -> Generator[Any, None, _T]:
        return self._coro.__await__()

    def send(self, arg: Any) -> Any:
        """Advance the coroutine (coroutine protocol)."""
        return self._coro.send(arg)

    def throw(self, typ: Any, val: Any = None, tb: Any = None) -> Any:
        """Raise an exception inside the coroutine (coroutine protocol)."""
        if val is None:
            return self._coro.throw(typ)
        return self._coro.throw(typ, val, tb)

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
    """Await it for the response, or ``async with`` it to release the response on exit.

    The block enters and exits the response too, so that inside it
    ``raise_for_status()`` leaves the body readable, as in aiohttp.
    """

    __slots__ = ()

    # Written out rather than through the base class's methods, and entering
    # and leaving the response without its coroutines unless a subclass
    # overrides them: two coroutines less each way of every ``async with``.
    async def __aenter__(self) -> ClientResponse:
        value = self._value = await self._coro
        if type(value).__aenter__ is _RESPONSE_AENTER:
            return value._enter()
        return await value.__aenter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        value = self._value
        assert value is not None
        if type(value).__aexit__ is _RESPONSE_AEXIT:
            value._exit()
        else:
            await value.__aexit__(exc_type, exc, tb)


async def _closing_on_failure(
    coro: Coroutine[Any, Any, ClientResponse], close_session: Callable[[], Awaitable[None]]
) -> ClientResponse:
    """Await ``coro``; close the session if it fails, since nobody else can."""
    try:
        return await coro
    except BaseException:
        await close_session()
        raise


class SessionRequestContextManager(RequestContextManager):
    """Like :class:`RequestContextManager`, and closes its own session afterwards."""

    __slots__ = ("_close",)

    def __init__(
        self,
        coro: Coroutine[Any, Any, ClientResponse],
        close_session: Callable[[], Awaitable[None]],
    ) -> None:
        super().__init__(_closing_on_failure(coro, close_session))
        self._close = close_session

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            await self._close()
