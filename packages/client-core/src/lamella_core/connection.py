"""What connector and transport plugin authors build on: the public connection API.

lamella-connectors, lamella-websocket and lamella-socks are written on these
names only, so a third-party distribution can do everything they do:

- :class:`BaseConnector` pools connections; a subclass implements
  ``_create_connection(req, traces, timeout)`` (aiohttp's name for the
  open-a-transport step), which returns a connected :class:`AbstractConnection`.
  ``connector.stats()`` returns a :class:`PoolStats` snapshot.
- :class:`AbstractConnection` and :class:`AbstractExchange` are what the
  pool and the session drive: a connection of another protocol implements
  them (see :mod:`lamella_core.abc`).
- :class:`HTTP11Connection` implements both for HTTP/1.1; it is the asyncio
  protocol to pass to ``loop.create_connection`` (``connector._new_protocol``
  in the siblings).
- :class:`ResponseHead` is what an exchange's ``read_head`` returns (status,
  headers, framing) and :class:`ContentDecoder` what ``make_decoder`` builds:
  a protocol plugin (lamella-http2) produces and uses them.
- :class:`ConnectionKey` says which requests may share a connection.
- :func:`mapped_connect_errors` turns the stdlib errors of resolving,
  connecting and the TLS handshake into lamella's ``ClientConnector*Error``.
- :func:`ssl_context_for` turns a request's ``ssl=`` setting into a context.
- :func:`netrc_auth` reads credentials for a host from ``~/.netrc``.
- :class:`AwaitableContext` is what request-like calls return: awaitable and
  an async context manager.

Stability: these names follow lamella-core's version; within a minor series
(``0.1.x``) they change only compatibly, so a plugin depends on
``lamella-core>=0.1,<0.2``.
"""

from __future__ import annotations

from ._client.auth import netrc_auth
from ._client.contexts import AwaitableContext
from ._content.decoders import ContentDecoder
from ._pool.connect_errors import mapped_connect_errors
from ._pool.connector import BaseConnector, Connection, ConnectionKey
from ._pool.http11 import HTTP11Connection, ResponseHeadError
from ._pool.pool_stats import PoolCounts, PoolStats
from ._pool.tcp import ssl_context_for
from ._wire import ResponseHead
from .abc import AbstractConnection, AbstractExchange, HeadLimits

__all__ = [
    "AbstractConnection",
    "AbstractExchange",
    "AwaitableContext",
    "BaseConnector",
    "Connection",
    "ConnectionKey",
    "ContentDecoder",
    "HTTP11Connection",
    "HeadLimits",
    "PoolCounts",
    "PoolStats",
    "ResponseHead",
    "ResponseHeadError",
    "mapped_connect_errors",
    "netrc_auth",
    "ssl_context_for",
]
