"""``ws_connect``: the opening handshake through a session, then the hand-over.

The handshake is an ordinary request sent with the session's public API
(``session.request``), so cookies, auth, proxies, TLS and tracing apply to it
as to any other; redirects are not followed. A valid 101 response keeps its
connection paused; its transport is taken over by a ``WebSocketConnection``
while the connection stays lent from the pool until the WebSocket is gone.
The steps: ``connect`` checks the arguments and sends the request, ``_open``
wraps the answer in a ``ClientWebSocketResponse``, and ``_take_over``
negotiates from the 101 head and takes the transport.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Iterable
from typing import Any

from yarl import URL

from lamella_core import (
    BaseConnector,
    BasicAuth,
    ClientResponse,
    ClientSession,
    WSServerHandshakeError,
)
from lamella_core.connection import AwaitableContext

from ._connection import WebSocketConnection
from ._handshake import HandshakeFailure, Negotiated, Offer, make_offer, negotiate
from ._models import DEFAULT_WS_CLIENT_TIMEOUT, ClientWSTimeout
from ._protocol import ClientProtocol
from ._response import ClientWebSocketResponse

__all__ = ["connect", "session_ws_connect", "ws_connect"]

_NOT_SET: Any = object()


async def connect(
    session: ClientSession,
    url: str | URL,
    *,
    method: str = "GET",
    protocols: Iterable[str] = (),
    timeout: ClientWSTimeout | float | None = _NOT_SET,
    receive_timeout: float | None = None,
    autoclose: bool = True,
    autoping: bool = True,
    heartbeat: float | None = None,
    auth: BasicAuth | None = None,
    origin: str | None = None,
    params: Any = None,
    headers: Any = None,
    proxy: str | URL | None = None,
    proxy_auth: BasicAuth | None = None,
    ssl: Any = True,
    server_hostname: str | None = None,
    proxy_headers: Any = None,
    compress: int = 0,
    max_msg_size: int | None = _NOT_SET,
    decode_text: bool = True,
) -> ClientWebSocketResponse:
    """Open a WebSocket over ``session``; see ``ClientSession.ws_connect``.

    Raises:
        WSServerHandshakeError: the server did not complete the handshake
            (status other than 101, wrong ``Upgrade``/``Connection``/
            ``Sec-WebSocket-Accept``, a subprotocol or extension not offered).
        ValueError: ``compress`` is neither 0 nor between 9 and 15.
    """
    ws_timeout = _ws_timeout(timeout, receive_timeout)
    if heartbeat is not None and heartbeat <= 0:
        raise ValueError("heartbeat must be a positive number of seconds")
    offer, sent = make_offer(headers, protocols=protocols, origin=origin, compress=compress)
    resp = await session.request(
        method,
        url,
        params=params,
        headers=sent,
        auth=auth,
        allow_redirects=False,
        proxy=proxy,
        proxy_auth=proxy_auth,
        proxy_headers=proxy_headers,
        ssl=_ssl_setting(ssl),
        server_hostname=server_hostname,
    )
    return _open(
        session,
        resp,
        offer,
        max_msg_size,
        decode_text=decode_text,
        timeout=ws_timeout,
        autoclose=autoclose,
        autoping=autoping,
        heartbeat=heartbeat,
    )


def _ssl_setting(ssl: Any) -> Any:
    """``ssl=``, with the deprecated None taken as True."""
    if ssl is None:
        warnings.warn(
            "ssl=None is deprecated, please use ssl=True", DeprecationWarning, stacklevel=3
        )
        return True
    return ssl


def _open(
    session: ClientSession,
    resp: ClientResponse,
    offer: Offer,
    max_msg_size: int | None,
    *,
    decode_text: bool,
    timeout: ClientWSTimeout,
    autoclose: bool,
    autoping: bool,
    heartbeat: float | None,
) -> ClientWebSocketResponse:
    """Check the handshake's answer, take its transport over and wrap it for the caller."""
    if max_msg_size is _NOT_SET:
        max_msg_size = session.limits.max_ws_message_size
    protocol = ClientProtocol(max_size=max_msg_size or None, autoping=autoping)
    glue, negotiated, transport, leftover = _take_over(resp, offer, protocol, decode_text)
    ws = (session.ws_response_class or ClientWebSocketResponse)(
        glue,
        resp,
        protocol=negotiated.protocol,
        timeout=timeout,
        autoclose=autoclose,
        autoping=autoping,
        heartbeat=heartbeat,
        compress=negotiated.compress,
        client_notakeover=negotiated.client_notakeover,
    )
    glue.attach(transport, leftover)  # the bytes after the 101 head reach ws from here
    return ws


def _take_over(
    resp: ClientResponse, offer: Offer, protocol: ClientProtocol, decode_text: bool
) -> tuple[WebSocketConnection, Negotiated, asyncio.Transport, bytes]:
    """Negotiate from the 101 answer and take its transport over, still paused.

    Returns the new connection, what was negotiated, the transport and the
    bytes that followed the head. The response is closed when the handshake
    failed.
    """
    try:
        negotiated = negotiate(offer, resp.status, resp.headers)
        conn = resp.connection
        if conn is None or conn.protocol is None:
            raise HandshakeFailure("Connection closed right after the handshake")
        protocol.extensions = negotiated.extensions
        glue = WebSocketConnection(asyncio.get_running_loop(), protocol, decode_text=decode_text)
        transport, leftover = conn.protocol.take_over(glue)
    except HandshakeFailure as exc:
        resp.close()
        raise WSServerHandshakeError(
            resp.request_info,
            resp.history,
            status=resp.status,
            message=str(exc),
            headers=resp.headers,
        ) from None
    except BaseException:
        resp.close()
        raise
    # The connection stays lent from the pool while the WebSocket lives: the
    # session's limits count it and closing the session closes it, as in
    # aiohttp. It goes back (closed) when the transport is gone.
    glue.on_lost(resp.release)
    return glue, negotiated, transport, leftover


def _ws_timeout(
    timeout: ClientWSTimeout | float | None, receive_timeout: float | None
) -> ClientWSTimeout:
    if timeout is _NOT_SET:
        result = DEFAULT_WS_CLIENT_TIMEOUT
    elif isinstance(timeout, ClientWSTimeout):
        result = timeout
    else:
        # A bare number is the close timeout, as aiohttp took it before ClientWSTimeout.
        warnings.warn(
            "parameter 'timeout' of type 'float' is deprecated, please use "
            "'timeout=ClientWSTimeout(ws_close=...)'",
            DeprecationWarning,
            stacklevel=3,
        )
        result = ClientWSTimeout(ws_receive=None, ws_close=timeout)
    if receive_timeout is not None:
        warnings.warn(
            "float parameter 'receive_timeout' is deprecated, please use parameter "
            "'timeout=ClientWSTimeout(ws_receive=...)'",
            DeprecationWarning,
            stacklevel=3,
        )
        result = ClientWSTimeout(ws_receive=receive_timeout, ws_close=result.ws_close)
    return result


class _WSRequestContextManager(AwaitableContext[ClientWebSocketResponse]):
    """What ``ws_connect`` returns: await it, or use it with ``async with``."""

    __slots__ = ()

    async def _exit(self, value: ClientWebSocketResponse) -> None:
        await value.close()


def session_ws_connect(
    session: ClientSession, url: str | URL, **kwargs: Any
) -> _WSRequestContextManager:
    """The implementation behind ``ClientSession.ws_connect`` (see ``_plugin``)."""
    return _WSRequestContextManager(connect(session, url, **kwargs))


def ws_connect(
    url: str | URL,
    *,
    connector: BaseConnector | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
    **kwargs: Any,
) -> _WSRequestContextManager:
    """Open a WebSocket with a short-lived session of its own.

    Takes the keyword arguments of ``ClientSession.ws_connect``. The session
    is closed when the WebSocket's connection is gone, or at once when the
    handshake fails.
    """
    return _WSRequestContextManager(_connect_alone(url, connector, kwargs))


async def _connect_alone(
    url: str | URL, connector: BaseConnector | None, kwargs: dict[str, Any]
) -> ClientWebSocketResponse:
    session = ClientSession(connector=connector, connector_owner=connector is None)
    try:
        ws = await connect(session, url, **kwargs)
    except BaseException:
        await session.close()
        raise
    closing: list[asyncio.Task[None]] = []  # keeps the task referenced until it ends
    ws._conn.on_lost(lambda: closing.append(asyncio.ensure_future(session.close())))
    return ws
