"""``SocksConnector``: a ``TCPConnector`` that reaches every origin through a SOCKS proxy.

It overrides one step of ``TCPConnector``, ``_connect``: instead of
resolving the origin and connecting to it, it asks python-socks to connect
to the proxy and run the SOCKS handshake, which leaves a socket connected
to the origin. lamella-core writes requests through a SOCKS proxy as it
writes direct ones (origin form, no proxy credentials). The rest is
``TCPConnector``'s: the TLS handshake with the
origin (inside the SOCKS tunnel), fingerprint pinning, pooling and the
error translation.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from python_socks import ProxyConnectionError, ProxyError, ProxyTimeoutError, ProxyType
from python_socks.async_.asyncio import Proxy
from yarl import URL

from lamella_connectors import TCPConnector
from lamella_core import BasicAuth
from lamella_core.exceptions import ClientProxyConnectionError, ConnectionTimeoutError

from ._schemes import SCHEMES

if TYPE_CHECKING:
    from lamella_connectors import TLSSettings
    from lamella_core import ClientRequest, ClientTimeout
    from lamella_core.connection import AbstractConnection, ConnectionKey

__all__ = ["SocksConnector"]

# scheme -> (protocol, does the proxy resolve the origin's name?)
_PROTOCOLS = {
    "socks4": (ProxyType.SOCKS4, False),
    "socks4a": (ProxyType.SOCKS4, True),
    "socks5": (ProxyType.SOCKS5, False),
    "socks5h": (ProxyType.SOCKS5, True),
}


class SocksConnector(TCPConnector):
    """Connects to every origin through one SOCKS proxy.

    Args:
        proxy_url: ``socks4://``, ``socks4a://``, ``socks5://`` or
            ``socks5h://`` URL of the proxy, credentials included if any.
        proxy_auth: credentials, when not in the URL.
        **kwargs: passed on to ``TCPConnector`` (``ssl``, ``limit``, ...).

    Raises:
        ValueError: the URL's scheme is not a SOCKS one.
    """

    # It speaks its own proxy for every request; other proxy URLs given to a
    # session using it go to whichever plugin claims them.
    proxy_schemes: frozenset[str] = frozenset()

    def __init__(
        self, proxy_url: str | URL, *, proxy_auth: BasicAuth | None = None, **kwargs: Any
    ) -> None:
        url = URL(proxy_url)
        if url.scheme not in SCHEMES:
            raise ValueError(f"not a SOCKS proxy URL: {url}")
        if not url.raw_host:
            raise ValueError(f"the SOCKS proxy URL {url} has no host")
        super().__init__(**kwargs)
        if proxy_auth is None and url.raw_user is not None:
            proxy_auth = BasicAuth.from_url(url)
        self._proxy_url = url.with_user(None)
        self._proxy_auth = proxy_auth

    @classmethod
    def from_url(cls, url: str | URL, **kwargs: Any) -> SocksConnector:
        """Build a connector for the proxy at ``url`` (aiohttp-socks' spelling)."""
        return cls(url, **kwargs)

    def __repr__(self) -> str:
        return f"{super().__repr__()[:-1]} proxy={str(self._proxy_url)!r}>"

    @property
    def proxy_url(self) -> URL:
        """The proxy, without credentials."""
        return self._proxy_url

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: ClientTimeout
    ) -> AbstractConnection:
        # Whatever req.proxy says, this connector's route is its SOCKS proxy.
        return await self._create_direct_connection(req, timeout, traces)

    async def _connect(
        self,
        key: ConnectionKey,
        tls: TLSSettings,
        timeout: ClientTimeout,
        traces: Sequence[Any] = (),
    ) -> AbstractConnection:
        proxy_url = self._proxy_url
        proxy_type, remote_dns = _PROTOCOLS[proxy_url.scheme]
        auth = key.proxy_auth if isinstance(key.proxy_auth, BasicAuth) else self._proxy_auth
        host = key.host
        if not remote_dns:
            ipv4_only = proxy_type is ProxyType.SOCKS4
            host = await self._local_address(key, traces, ipv4_only=ipv4_only)
        assert proxy_url.raw_host is not None
        assert key.port is not None
        proxy = Proxy(
            proxy_type,
            proxy_url.raw_host,
            proxy_url.port or 1080,
            username=None if auth is None else auth.login,
            password=None if auth is None else auth.password,
            rdns=remote_dns,
            loop=asyncio.get_running_loop(),
        )
        proxy_key = key._replace(
            host=proxy_url.raw_host, port=proxy_url.port or 1080, is_ssl=False, ssl=True
        )
        try:
            # python-socks applies the timeout itself (60 s when None).
            sock = await proxy.connect(host, key.port, timeout=timeout.sock_connect)
        except ProxyTimeoutError as exc:
            raise ConnectionTimeoutError(f"Connection timeout to proxy {proxy_url}") from exc
        except ProxyConnectionError as exc:
            raise ClientProxyConnectionError(proxy_key, exc) from exc
        except ProxyError as exc:
            refusal = OSError(exc.error_code, f"SOCKS proxy {proxy_url} refused: {exc}")
            raise ClientProxyConnectionError(proxy_key, refusal) from exc
        async with asyncio.timeout(timeout.sock_connect):
            return await self._wrap_socket(sock, key, tls, traces)

    async def _local_address(
        self, key: ConnectionKey, traces: Sequence[Any], *, ipv4_only: bool
    ) -> str:
        """Resolve the origin here (socks4://, socks5://), through the DNS cache."""
        addrs = await self._resolve(key, traces)
        if ipv4_only:
            addrs = [addr for addr in addrs if addr["family"] == socket.AF_INET]
            if not addrs:
                from lamella_core.exceptions import ClientConnectorDNSError

                raise ClientConnectorDNSError(
                    key, OSError(None, f"SOCKS4 needs an IPv4 address for {key.host}")
                )
        return addrs[0]["host"]
