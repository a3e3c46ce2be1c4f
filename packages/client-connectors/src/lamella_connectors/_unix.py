"""``UnixConnector``: HTTP over a Unix domain socket, with the pooling of ``BaseConnector``."""

from __future__ import annotations

import asyncio
import os
import ssl
from typing import TYPE_CHECKING, Any

from lamella_core.connection import BaseConnector, HTTP11Connection, ssl_context_for
from lamella_core.exceptions import (
    ClientConnectorCertificateError,
    ClientConnectorSSLError,
    ConnectionTimeoutError,
    UnixClientConnectorError,
)

if TYPE_CHECKING:
    from lamella_core import ClientRequest, ClientTimeout

__all__ = ["UnixConnector"]

_UNSET: Any = object()


class UnixConnector(BaseConnector):
    """Sends every request to the server listening on one Unix socket.

    The URL still names the host (it becomes the ``Host`` header) and the
    scheme: ``https://`` URLs speak TLS over the socket.

    Args:
        path: the file system path of the socket.
        keepalive_timeout: seconds an idle connection is kept (15 by default).
        force_close: close every connection after its response.
        limit: connections open at once (0: no limit).
        limit_per_host: connections open at once per host name (0: no limit).
        loop: accepted for compatibility; the running loop is used.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        keepalive_timeout: float | None = _UNSET,
        force_close: bool = False,
        limit: int = 100,
        limit_per_host: int = 0,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        pool: dict[str, Any] = {}
        if keepalive_timeout is not _UNSET:
            pool["keepalive_timeout"] = keepalive_timeout
        super().__init__(
            force_close=force_close, limit=limit, limit_per_host=limit_per_host, loop=loop, **pool
        )
        self._path = os.fspath(path)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]} path={self._path!r}>"

    @property
    def path(self) -> str:
        """The path of the Unix socket."""
        return self._path

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> HTTP11Connection:
        key = req.connection_key
        loop = self._get_loop()
        context: ssl.SSLContext | None = None
        server_hostname: str | None = None
        if req.is_ssl():
            context = ssl_context_for(key.ssl)
            server_hostname = req.server_hostname or key.host.rstrip(".")
        try:
            async with asyncio.timeout(timeout.sock_connect):
                _, protocol = await loop.create_unix_connection(
                    lambda: HTTP11Connection(loop),
                    self._path,
                    ssl=context,
                    server_hostname=server_hostname,
                )
        except TimeoutError as exc:
            raise ConnectionTimeoutError(f"Connection timeout to unix socket {self._path}") from exc
        except ssl.SSLCertVerificationError as exc:
            raise ClientConnectorCertificateError(key, exc) from exc
        except ssl.SSLError as exc:
            raise ClientConnectorSSLError(key, exc) from exc
        except OSError as exc:
            raise UnixClientConnectorError(self._path, key, exc) from exc
        return protocol
