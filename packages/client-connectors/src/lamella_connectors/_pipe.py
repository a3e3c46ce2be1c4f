"""``NamedPipeConnector``: HTTP over a Windows named pipe, with the pooling of ``BaseConnector``.

Named pipes exist only on Windows, and only asyncio's proactor event loop
(the default there) opens them; the class is importable everywhere so that
ported code imports, and constructing it elsewhere says why it cannot work.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lamella_core.connection import BaseConnector, HTTP11Connection
from lamella_core.exceptions import ClientConnectorError, ConnectionTimeoutError

if TYPE_CHECKING:
    from lamella_core import ClientRequest, ClientTimeout

__all__ = ["NamedPipeConnector"]

_UNSET: Any = object()


class NamedPipeConnector(BaseConnector):
    """Sends every request to the server listening on one named pipe (Windows).

    The URL still names the host (the ``Host`` header) and the scheme.

    Args:
        path: the pipe's name, e.g. ``r"\\\\.\\pipe\\service"``.
        keepalive_timeout: seconds an idle connection is kept (15 by default).
        force_close: close every connection after its response.
        limit: connections open at once (0: no limit).
        limit_per_host: connections open at once per host name (0: no limit).
        loop: the event loop; the running one when None.

    Raises:
        RuntimeError: the event loop is not asyncio's proactor loop (any
            system but Windows, or another loop on Windows).
    """

    def __init__(
        self,
        path: str,
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
        loop = loop or asyncio.get_running_loop()
        proactor = getattr(asyncio, "ProactorEventLoop", None)
        if proactor is None or not isinstance(loop, proactor):
            raise RuntimeError(
                "Named pipes are only available with asyncio's proactor event loop on Windows"
            )
        super().__init__(
            force_close=force_close, limit=limit, limit_per_host=limit_per_host, loop=loop, **pool
        )
        self._path = path

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]} path={self._path!r}>"

    @property
    def path(self) -> str:
        """The name of the pipe."""
        return self._path

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> HTTP11Connection:
        loop = self._get_loop()
        try:
            async with asyncio.timeout(timeout.sock_connect):
                _, protocol = await loop.create_pipe_connection(  # type: ignore[attr-defined]
                    lambda: HTTP11Connection(loop), self._path
                )
        except TimeoutError as exc:
            raise ConnectionTimeoutError(f"Connection timeout to named pipe {self._path}") from exc
        except OSError as exc:
            raise ClientConnectorError(req.connection_key, exc) from exc
        connection: HTTP11Connection = protocol
        return connection
