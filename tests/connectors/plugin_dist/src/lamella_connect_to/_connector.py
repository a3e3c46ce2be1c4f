"""``ConnectToConnector``: lamella's pooling, with the socket opened where a table says."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from lamella_core import ClientRequest, ClientTimeout
from lamella_core.connection import (
    BaseConnector,
    HTTP11Connection,
    mapped_connect_errors,
    ssl_context_for,
)

__all__ = ["ConnectToConnector"]

Address = tuple[str, int]


class ConnectToConnector(BaseConnector):
    """Open connections for a ``(host, port)`` at another address.

    The request keeps its URL, ``Host`` header and TLS server name, so a
    certificate is verified for the host that was asked for, not for the
    address connected to.

    Args:
        routes: ``(host, port)`` as in the URL -> ``(host, port)`` to connect to.
        default: where to connect for every origin the routes do not name;
            None connects to the origin itself.
        ssl: the TLS setting for https origins (True verifies).
        **kwargs: passed on to ``BaseConnector`` (``limit``, ``force_close``, ...).
    """

    def __init__(
        self,
        routes: Mapping[Address, Address] | None = None,
        *,
        default: Address | None = None,
        ssl: Any = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._routes = dict(routes or {})
        self._default = default
        self._ssl = ssl

    def route(self, host: str, port: int) -> Address:
        """The address a connection for ``host:port`` is opened at."""
        return self._routes.get((host, port), self._default or (host, port))

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> HTTP11Connection:
        key = req.connection_key
        context = ssl_context_for(self._ssl if key.ssl in (True, None) else key.ssl)
        tls = context if req.is_ssl() else None
        host, port = self.route(key.host, key.port or (443 if tls else 80))
        loop = asyncio.get_running_loop()
        with mapped_connect_errors(key, what=f"{host}:{port} (for {req.url.host})"):
            async with asyncio.timeout(timeout.sock_connect):
                _, protocol = await loop.create_connection(
                    lambda: HTTP11Connection(loop),
                    host,
                    port,
                    ssl=tls,
                    server_hostname=(req.server_hostname or key.host) if tls else None,
                )
        return protocol
