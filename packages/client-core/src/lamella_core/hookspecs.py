"""The hook specifications through which distributions extend lamella.

Every hook is prefixed ``lamella_`` and is synchronous: pluggy cannot await,
and ``ClientSession.__init__`` is synchronous. Hooks are called when a
session is created, never per request, and their answers are stored on the
session. Implementations register through the ``lamella`` entry-point group
(``[project.entry-points.lamella]``) and mark functions with :data:`hookimpl`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from yarl import URL

    from ._client.session import ClientSession
    from ._content.decoders import ContentDecoder
    from ._pool.connector import BaseConnector
    from .abc import AbstractConnection, AbstractCookieJar

__all__ = [
    "hookimpl",
    "hookspec",
    "lamella_content_decoders",
    "lamella_default_connector",
    "lamella_default_cookie_jar",
    "lamella_http2_connection",
    "lamella_proxy_connector",
    "lamella_session_created",
    "lamella_websocket_support",
]

hookspec = pluggy.HookspecMarker("lamella")
hookimpl = pluggy.HookimplMarker("lamella")


# --- session setup -----------------------------------------------------------


@hookspec(firstresult=True)
def lamella_default_connector(connector_kwargs: dict[str, Any]) -> BaseConnector | None:
    """Build the connector a ``ClientSession`` uses when given none.

    Args:
        connector_kwargs: keyword arguments for the connector, for example
            ``{"force_close": True}`` for the one-shot ``request()``.

    Returns:
        A new, unshared connector instance, or None to let another plugin
        answer. The first non-None answer wins.

    Called once per ``ClientSession`` created without ``connector=``.
    Implemented by lamella-connectors (``TCPConnector``); lamella-core's
    fallback, registered last, returns its plain TCP/TLS connector.
    """


@hookspec(firstresult=True)
def lamella_default_cookie_jar() -> AbstractCookieJar | None:
    """Build the cookie jar a ``ClientSession`` uses when given none.

    Returns:
        A new cookie jar, or None to let another plugin answer. The first
        non-None answer wins.

    Called once per ``ClientSession`` created without ``cookie_jar=``.
    Implemented by lamella-cookies (``CookieJar``); lamella-core's fallback
    returns a ``DummyCookieJar``, which stores nothing.
    """


@hookspec
def lamella_session_created(session: ClientSession) -> None:
    """Let a plugin adjust every new session, e.g. append trace configs.

    Args:
        session: the session being created, fully initialised.

    Returns:
        Nothing; every implementation is called.

    Called once at the end of ``ClientSession.__init__``. No sibling
    implements it; it exists for third-party instrumentation.
    """


# --- connection --------------------------------------------------------------


@hookspec(firstresult=True)
def lamella_proxy_connector(proxy_url: URL) -> Callable[..., Any] | None:
    """Claim a proxy URL scheme and supply what speaks it.

    Args:
        proxy_url: the proxy URL given to a session or request, for example
            ``socks5://127.0.0.1:1080``.

    Returns:
        A factory that builds the connector or tunnel for that proxy, or
        None when the plugin does not handle ``proxy_url.scheme``. The
        first non-None answer wins; when nobody answers the request fails
        with an error naming the scheme.

    Called once per session for each distinct proxy scheme its connector
    does not speak itself (``BaseConnector.proxy_schemes``); the session
    calls the factory once per proxy URL, ``factory(proxy_url)``, and hands
    the connector it returns to its own connector's ``add_proxy_route``:
    the returned connector only opens connections (``_create_connection``),
    after taking the session connector's settings (``_adopt_settings``),
    while the session's connector lends, pools and limits them. Implemented
    by lamella-connectors for ``http`` and ``https`` proxies and by
    lamella-socks for SOCKS.
    """


@hookspec(firstresult=True)
def lamella_http2_connection() -> Callable[..., AbstractConnection] | None:
    """Supply the connection class of HTTP/2, for connectors asked to speak it.

    Returns:
        A factory ``factory(loop, *, ping_interval=None)`` returning a new,
        unconnected HTTP/2 connection that is also the ``asyncio.Protocol``
        to connect with (``ping_interval``: seconds of idleness after which
        it sends a ``PING``, and closes itself when no answer comes within
        as long; None sends none), or None. The first non-None answer wins; with no answer
        ``TCPConnector(http2=...)`` raises an error naming lamella-http2.

    Called once per connector that is asked for HTTP/2, when it is built;
    the connector awaits the connection's ``ready()`` before lending it.
    Implemented by lamella-http2.
    """


@hookspec(firstresult=True)
def lamella_websocket_support() -> Callable[..., Any] | None:
    """Supply the implementation behind ``ClientSession.ws_connect``.

    Returns:
        A callable ``ws_connect(session, url, **kwargs)`` returning an
        awaitable async context manager that yields a
        ``ClientWebSocketResponse``, or None. The first non-None answer
        wins; with no answer ``ws_connect`` raises an error naming the
        lamella-websocket distribution.

    Called once per ``ClientSession``. Implemented by lamella-websocket.
    """


# --- content -----------------------------------------------------------------


@hookspec
def lamella_content_decoders(register: Callable[[str, Callable[[], ContentDecoder]], None]) -> None:
    """Register decoders for ``Content-Encoding`` tokens beyond gzip and deflate.

    Args:
        register: call ``register("br", factory)`` once per token; the
            factory returns a fresh incremental decoder for one response.
            Registering a token twice raises ``ValueError``.

    Returns:
        Nothing; every implementation is called.

    Called once per ``ClientSession``. Third-party plugins implement it
    (brotli, zstd); lamella-core registers gzip, x-gzip and deflate itself.
    """
