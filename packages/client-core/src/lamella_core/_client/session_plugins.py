"""What a new session takes from the plugins, resolved once per session.

``ClientSession.__init__`` calls the hooks here and keeps the answers, so
the request path never dispatches to plugins: it calls plain methods of
this object (``make_decoder``) or reads its attributes
(``accept_encoding``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from yarl import URL

from lamella_core._content.decoders import (
    ContentDecoder,
    DecoderRegistry,
    UnsupportedContentEncoding,
    builtin_decoders,
    limited,
    parse_content_codings,
)
from lamella_core.exceptions import ClientPayloadError

if TYPE_CHECKING:
    import pluggy

    from lamella_core._limits import ClientLimits
    from lamella_core._pool.connector import BaseConnector
    from lamella_core.abc import AbstractCookieJar

    from .session import ClientSession

__all__ = ["SessionPlugins"]

_WS_MISSING = (
    "WebSocket support needs the lamella-websocket distribution: "
    "pip install lamella-websocket (or the lamella meta-package)"
)


class SessionPlugins:
    """The plugin answers one session uses: connector, jar, decoders, WebSockets."""

    __slots__ = ("_hook", "_decoders", "_ws_connect", "_proxy_factories", "accept_encoding")

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self._hook = manager.hook
        decoders = builtin_decoders()
        self._hook.lamella_content_decoders(register=decoders.register)
        self._decoders: DecoderRegistry = decoders
        extra = sorted(decoders.tokens - {"gzip", "x-gzip", "deflate"})
        self.accept_encoding = ", ".join(["gzip", "deflate", *extra])
        self._ws_connect: Callable[..., Any] | None = self._hook.lamella_websocket_support()
        self._proxy_factories: dict[str, Callable[..., Any]] = {}

    @classmethod
    def resolve(cls) -> SessionPlugins:
        """Ask the installed plugins, once, for this session."""
        from lamella_core.plugins import get_plugin_manager  # pluggy loads with the first session

        return cls(get_plugin_manager())

    def new_connector(self, **connector_kwargs: Any) -> BaseConnector:
        """The default connector, built with ``connector_kwargs``."""
        connector: BaseConnector = self._hook.lamella_default_connector(
            connector_kwargs=connector_kwargs
        )
        return connector

    def new_cookie_jar(self) -> AbstractCookieJar:
        """The default cookie jar."""
        jar: AbstractCookieJar = self._hook.lamella_default_cookie_jar()
        return jar

    def session_created(self, session: ClientSession) -> None:
        """Let plugins adjust the new session."""
        self._hook.lamella_session_created(session=session)

    def ws_connect(self, session: ClientSession, url: str | URL, **kwargs: Any) -> Any:
        """Open a WebSocket through the plugin that supports it."""
        if self._ws_connect is None:
            raise RuntimeError(_WS_MISSING)
        return self._ws_connect(session, url, **kwargs)

    def proxy_connector(self, proxy_url: URL) -> Callable[..., Any]:
        """The factory of the plugin that speaks ``proxy_url``'s scheme.

        Plugins are asked once per scheme and session; the answer is kept.
        """
        known = self._proxy_factories.get(proxy_url.scheme)
        if known is not None:
            return known
        factory: Callable[..., Any] | None = self._hook.lamella_proxy_connector(proxy_url=proxy_url)
        if factory is None:
            raise ValueError(
                f"No installed lamella plugin handles {proxy_url.scheme!r} proxies: "
                "install a distribution that registers one through the lamella entry "
                "points (http and https proxies come with lamella-connectors, SOCKS "
                "with lamella-socks)"
            )
        self._proxy_factories[proxy_url.scheme] = factory
        return factory

    def decoder_factory(
        self, limits: ClientLimits
    ) -> Callable[[list[bytes]], ContentDecoder | None]:
        """The function that builds a response's decoder under ``limits``.

        It returns None to pass the body through: unknown codings leave the
        body as received, as aiohttp does. A coding that a lamella
        distribution would decode (``br``, ``zstd``) raises
        ``ClientPayloadError`` naming it; too many codings raise
        ``TooManyContentCodings``. The decoder it builds stops a bomb at
        ``max_decompressed_size`` or ``max_compression_ratio``.
        """
        decoders = self._decoders

        def make_decoder(codings: list[bytes]) -> ContentDecoder | None:
            limits.check_content_codings(parse_content_codings(codings))
            try:
                decoder = decoders.decoder_for(codings)
            except UnsupportedContentEncoding as exc:
                if exc.distribution is None:
                    return None
                raise ClientPayloadError(str(exc)) from exc
            if decoder is None:
                return None
            return limited(
                decoder,
                max_size=limits.max_decompressed_size,
                max_ratio=limits.max_compression_ratio,
                ratio_floor=limits.compression_ratio_floor,
            )

        return make_decoder
