"""``MockConnector``: lamella's pool, with connections to an in-memory fake server."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lamella_core import BasicTCPConnector, ClientRequest, ClientTimeout
from lamella_core.connection import AbstractConnection, BaseConnector, HTTP11Connection

from ._server import FakeServer, MemoryTransport

if TYPE_CHECKING:
    from ._router import MockRouter

__all__ = ["MockConnector"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


class MockConnector(BaseConnector):
    """Opens each connection to a fake server answering from ``router``.

    Pooling, keep-alive and limits are ``BaseConnector``'s own, so a test sees
    connections reused and closed as with a real server. Requests for the
    router's pass-through hosts are connected for real, by a
    ``BasicTCPConnector`` (or ``passthrough_connector``).

    Args:
        router: The routes to answer from.
        passthrough_connector: opens the real connections (lamella-core's
            ``BasicTCPConnector`` by default).
        **kwargs: passed on to ``BaseConnector`` (``limit``, ``force_close``, ...).
    """

    def __init__(
        self,
        router: MockRouter,
        *,
        passthrough_connector: BaseConnector | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.router = router
        self._real = passthrough_connector

    async def close(self, *, abort_ssl: bool = False) -> None:
        """Close the pooled connections, and the pass-through connector's."""
        await super().close(abort_ssl=abort_ssl)
        if self._real is not None:
            await self._real.close(abort_ssl=abort_ssl)

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> AbstractConnection:
        key = req.connection_key
        if key.host in self.router.passthrough_hosts:
            if self._real is None:
                self._real = BasicTCPConnector()
            return await self._real._create_connection(req, traces, timeout)
        scheme = "https" if req.is_ssl() else "http"
        port = key.port or _DEFAULT_PORTS[scheme]
        loop = asyncio.get_running_loop()
        protocol = HTTP11Connection(loop)
        server = FakeServer(self.router, scheme, key.host, port)
        transport = MemoryTransport(loop, protocol, server)
        protocol.connection_made(transport)
        server.attach(transport)
        return protocol
