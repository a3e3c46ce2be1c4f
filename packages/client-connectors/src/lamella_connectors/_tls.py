"""How a TCP connection is secured, and which HTTP version it speaks.

``TLSSettings`` is what ``TCPConnector._connect`` is told for one
connection: the ``SSLContext``, the server name, a pinned ``Fingerprint``
and, when HTTP/2 may be spoken, the connection factory that the
``lamella_http2_connection`` hook supplies (lamella-http2; this distribution
never imports it). On TLS the version is chosen by ALPN once the handshake
is done (``ALPNChooser``); on plain TCP ``http2="prior-knowledge"`` speaks
HTTP/2 at once (h2c).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Callable, Sequence
from typing import Any, Literal, NamedTuple, cast

from lamella_core.connection import (
    AbstractConnection,
    ConnectionKey,
    HTTP11Connection,
    ssl_context_for,
)
from lamella_core.plugins import get_plugin_manager

from ._fingerprint import Fingerprint

__all__ = [
    "H2_IN_TUNNEL",
    "H2_UNWANTED",
    "PLAIN",
    "ALPNChooser",
    "HTTP2Setting",
    "TLSSettings",
    "alpn",
    "check_ssl",
    "http2_factory",
]

#: What ``http2=`` accepts: off, offered in ALPN on TLS, or h2c spoken at once on plain http.
HTTP2Setting = bool | Literal["prior-knowledge"]

_HTTP2_MISSING = (
    "HTTP/2 needs the lamella-http2 distribution: "
    "pip install lamella-http2 (or the lamella meta-package)"
)


class TLSSettings(NamedTuple):
    """How to secure one connection: all None for plain TCP.

    ``h2`` is the HTTP/2 connection factory when the connection may speak
    it: chosen by ALPN on TLS, spoken at once (h2c) on plain TCP.
    """

    context: ssl.SSLContext | None
    server_hostname: str | None
    fingerprint: Fingerprint | None
    h2: Callable[[asyncio.AbstractEventLoop], AbstractConnection] | None = None

    @classmethod
    def from_setting(
        cls,
        setting: Any,
        server_hostname: str,
        h2: Callable[[asyncio.AbstractEventLoop], AbstractConnection] | None = None,
    ) -> TLSSettings:
        """Settings for an ``ssl=`` value: True, False, an ``SSLContext`` or a ``Fingerprint``."""
        http2 = h2 is not None
        if isinstance(setting, Fingerprint):
            # Pinning replaces chain and host-name verification, as in aiohttp.
            return cls(ssl_context_for(False, http2=http2), server_hostname, setting, h2)
        return cls(ssl_context_for(setting, http2=http2), server_hostname, None, h2)


PLAIN = TLSSettings(None, None, None)


def check_ssl(value: Any) -> Any:
    """An ``ssl=`` value as the connector keeps it (None is True), or TypeError."""
    if value is None:
        return True
    if isinstance(value, (bool, ssl.SSLContext, Fingerprint)):
        return value
    raise TypeError(f"ssl should be SSLContext, Fingerprint, or bool, got {value!r} instead.")


def http2_factory(
    setting: HTTP2Setting, ping_interval: float | None = None
) -> Callable[[asyncio.AbstractEventLoop], AbstractConnection] | None:
    """The HTTP/2 connection factory an ``http2=`` setting needs, from the plugins,
    with the connector's ``http2_ping_interval`` bound.

    Raises:
        ValueError: ``setting`` is not one of the accepted values.
        RuntimeError: HTTP/2 is asked for and no plugin supplies it.
    """
    if setting is False:
        return None
    if setting is not True and setting != "prior-knowledge":
        raise ValueError(f"http2 must be True, False or 'prior-knowledge', not {setting!r}")
    factory: Callable[..., AbstractConnection] | None = (
        get_plugin_manager().hook.lamella_http2_connection()
    )
    if factory is None:
        raise RuntimeError(_HTTP2_MISSING)
    if ping_interval is None:
        return factory
    return functools.partial(factory, ping_interval=ping_interval)


H2_IN_TUNNEL = (
    "the server chose h2 in ALPN inside the proxy's tunnel, where lamella speaks "
    "HTTP/1.1: leave h2 out of the SSLContext's ALPN protocols for proxied requests"
)
H2_UNWANTED = (
    "the server chose h2 in ALPN, which this connection does not speak: "
    "use http2=True, or leave h2 out of the SSLContext's ALPN protocols"
)


def alpn(transport: asyncio.BaseTransport) -> str | None:
    """The protocol ALPN chose on ``transport`` (None on plain TCP or without ALPN)."""
    ssl_object = transport.get_extra_info("ssl_object")
    return ssl_object.selected_alpn_protocol() if ssl_object is not None else None


async def trace_tls(
    traces: Sequence[Any],
    key: ConnectionKey,
    tls: TLSSettings,
    transport: asyncio.BaseTransport | None = None,
) -> None:
    """Fire the TLS handshake's start signal, or its end one once ``transport`` is secured."""
    port = key.port or 443
    name = tls.server_hostname or key.host
    for trace in traces:
        if transport is None:
            await trace.send_tls_handshake_start(key.host, port, name)
        else:
            ssl_object = transport.get_extra_info("ssl_object")
            version = ssl_object.version() if ssl_object is not None else None
            await trace.send_tls_handshake_end(key.host, port, name, version, alpn(transport))


class ALPNChooser(asyncio.Protocol):
    """The protocol of a TLS connection until the handshake says which ALPN won.

    asyncio calls ``connection_made`` once the handshake is done and before
    any byte is read, so the real connection (HTTP/2 when the server picked
    ``h2``, else HTTP/1.1) takes the transport over without missing data.
    """

    def __init__(
        self,
        h2: Callable[[asyncio.AbstractEventLoop], AbstractConnection],
        http11: Callable[[], HTTP11Connection],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._h2, self._http11, self._loop = h2, http11, loop
        self.chosen: AbstractConnection | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        h2 = alpn(transport) == "h2"
        chosen = self.chosen = self._h2(self._loop) if h2 else self._http11()
        protocol = cast("asyncio.BaseProtocol", chosen)
        transport.set_protocol(protocol)
        protocol.connection_made(transport)
