"""lamella-core's own TCP/TLS connector, used when no plugin supplies one.

It connects with the event loop's resolver and ``create_connection``, and
verifies TLS with the system's trust store by default. Happy eyeballs, DNS
caching, proxies and fingerprint pinning come with lamella-connectors.
"""

from __future__ import annotations

import asyncio
import ssl
from functools import cache
from typing import TYPE_CHECKING, Any

from .connect_errors import mapped_connect_errors
from .connector import BaseConnector
from .http11 import HTTP11Connection

if TYPE_CHECKING:
    from lamella_core._client.request import ClientRequest
    from lamella_core._timeouts import ClientTimeout

__all__ = ["BasicTCPConnector", "ssl_context_for"]


_HTTP11_ONLY = ("http/1.1",)
_H2_FIRST = ("h2", "http/1.1")


def _default_context(alpn: tuple[str, ...]) -> ssl.SSLContext:
    # TLS 1.2 at least, set explicitly: some Python builds (Debian's 3.11) leave
    # the default context at MINIMUM_SUPPORTED.
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # Saying which protocols lamella speaks (HTTP/1.1, and h2 when asked) lets
    # servers that pick by ALPN (and TLS-terminating proxies) choose rather than guess.
    context.set_alpn_protocols(list(alpn))
    return context


@cache
def _verified_context(alpn: tuple[str, ...] = _HTTP11_ONLY) -> ssl.SSLContext:
    # Building a default context loads the trust store: do it once.
    return _default_context(alpn)


@cache
def _unverified_context(alpn: tuple[str, ...] = _HTTP11_ONLY) -> ssl.SSLContext:
    context = _default_context(alpn)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def ssl_context_for(setting: Any, *, http2: bool = False) -> ssl.SSLContext:
    """Turn a request's ``ssl`` setting into the context to connect with.

    ``True`` verifies certificates and host names, ``False`` skips both, and
    an ``SSLContext`` is used as given. With ``http2`` lamella's own contexts
    offer ``h2`` before ``http/1.1`` in ALPN; a given context keeps its own
    ALPN list.
    """
    alpn = _H2_FIRST if http2 else _HTTP11_ONLY
    if setting is True or setting is None:
        return _verified_context(alpn)
    if setting is False:
        return _unverified_context(alpn)
    if isinstance(setting, ssl.SSLContext):
        return setting
    raise TypeError(f"ssl must be True, False or an SSLContext, not {setting!r}")


class BasicTCPConnector(BaseConnector):
    """Plain TCP and TLS connections, with the pooling of ``BaseConnector``.

    Args:
        ssl: the default TLS setting for https requests: True (verify),
            False (skip verification) or an ``ssl.SSLContext``.
        local_addr: a ``(host, port)`` to bind the local end to.
        **kwargs: passed on to :class:`BaseConnector`.
    """

    def __init__(
        self, *, ssl: Any = True, local_addr: tuple[str, int] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if ssl is not True:
            ssl_context_for(ssl)  # refuse bad values now, not at the first request
        self._ssl = ssl
        self._local_addr = local_addr

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> HTTP11Connection:
        key = req.connection_key
        loop = self._get_loop()
        context: ssl.SSLContext | None = None
        server_hostname: str | None = None
        if req.is_ssl():
            setting = self._ssl if key.ssl is True or key.ssl is None else key.ssl
            context = ssl_context_for(setting)
            server_hostname = req.server_hostname or key.host.rstrip(".")
        with mapped_connect_errors(key, what=f"host {req.url}"):
            async with asyncio.timeout(timeout.sock_connect):
                _, protocol = await loop.create_connection(
                    lambda: HTTP11Connection(loop),
                    key.host,
                    key.port or (443 if context is not None else 80),
                    ssl=context,
                    server_hostname=server_hostname,
                    local_addr=self._local_addr,
                )
        return protocol
