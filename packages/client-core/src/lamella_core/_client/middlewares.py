"""Client middlewares: callables that wrap each hop of a request, as in aiohttp 3.12.

A middleware is ``async def mw(req, handler) -> ClientResponse``. It may
change ``req`` (headers, URL), call ``handler(req)`` zero, one or several
times, and return that response or another. The session's middlewares are a
tuple fixed in ``ClientSession.__init__``; a request's ``middlewares=``
replaces them (``()`` turns them off). Without middlewares the send path
never reaches this module, so they cost nothing.

The chain wraps one attempt of one hop: ``send.Sender._send_once`` builds it
around ``_send_single_request`` (lend, write, read the head), so a redirect
hop, a retry of the retry policy and the retry of a request whose reused
connection had died each go through every middleware again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from .request import ClientRequest
from .response import ClientResponse

__all__ = ["ClientHandlerType", "ClientMiddlewareType", "chain"]

ClientHandlerType = Callable[[ClientRequest], Awaitable[ClientResponse]]
"""What a middleware calls to send the request on: the next middleware, or the send itself."""

ClientMiddlewareType = Callable[[ClientRequest, ClientHandlerType], Awaitable[ClientResponse]]
"""A client middleware: ``async def mw(req, handler) -> ClientResponse``."""


def chain(
    send: ClientHandlerType, middlewares: tuple[ClientMiddlewareType, ...]
) -> ClientHandlerType:
    """The handler that runs ``middlewares`` in order, the first outermost, around ``send``."""
    handler = send
    for middleware in reversed(middlewares):
        handler = _wrap(middleware, handler)
    return handler


def _wrap(middleware: ClientMiddlewareType, inner: ClientHandlerType) -> ClientHandlerType:
    """``middleware`` bound to the handler it calls next."""

    async def handler(req: ClientRequest) -> ClientResponse:
        return await middleware(req, inner)

    return handler
