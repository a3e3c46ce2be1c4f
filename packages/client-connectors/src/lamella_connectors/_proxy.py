"""HTTP(S) proxies: the CONNECT handshake that opens a tunnel to an origin.

Plain-http requests need nothing from here: they go to the proxy itself,
with an absolute-form target and ``Proxy-Authorization`` written by
``ClientRequest``. An https request needs a tunnel (RFC 9110 section 9.3.6):
the connector sends ``CONNECT host:port`` with the proxy headers and
credentials, and a 2xx answer turns the connection into a byte pipe to the
origin, over which the connector then starts TLS. Any other answer is the
proxy refusing, raised as ``ClientHttpProxyError`` with its status.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict
from yarl import URL

from lamella_core import ClientRequest
from lamella_core.connection import ConnectionKey, ResponseHeadError
from lamella_core.exceptions import ClientHttpProxyError

if TYPE_CHECKING:
    from lamella_core import ClientTimeout
    from lamella_core.connection import HTTP11Connection

__all__ = ["connect_request", "open_tunnel", "proxy_key", "proxy_tls_setting"]

_DEFAULT_PROXY_PORTS = {"http": 80, "https": 443}


def proxy_key(proxy: URL) -> ConnectionKey:
    """The connection key naming the proxy itself (for connecting and errors)."""
    host = proxy.raw_host
    if not host:
        raise ValueError(f"proxy URL {proxy} has no host")
    port = proxy.port or _DEFAULT_PROXY_PORTS.get(proxy.scheme, 80)
    return ConnectionKey(host, port, proxy.scheme == "https", True, None, None, None)


def proxy_tls_setting(request_ssl: Any, connector_ssl: Any) -> Any:
    """The TLS setting for an https proxy: the request's, else the connector's.

    A fingerprint pins the origin's certificate, not the proxy's, so it is
    skipped here and the proxy is verified normally.
    """
    for setting in (request_ssl, connector_ssl):
        if setting is not True and isinstance(setting, (bool, ssl.SSLContext)):
            return setting
    return True


def connect_request(req: ClientRequest) -> ClientRequest:
    """The ``CONNECT host:port`` request that opens a tunnel for ``req``."""
    key = req.connection_key
    headers: CIMultiDict[str] = CIMultiDict(req.proxy_headers or {})
    if req.proxy_auth is not None and "Proxy-Authorization" not in headers:
        headers["Proxy-Authorization"] = req.proxy_auth.encode()
    # "http" so that port 443 shows in the authority; "https" for port 80.
    scheme = "https" if key.port == 80 else "http"
    target = URL.build(scheme=scheme, host=key.host, port=key.port)
    return ClientRequest(
        "CONNECT",
        target,
        headers=headers,
        skip_auto_headers=("Accept", "Accept-Encoding"),
        version=req.version,
    )


async def open_tunnel(
    protocol: HTTP11Connection, req: ClientRequest, timeout: ClientTimeout
) -> None:
    """Ask the proxy on ``protocol`` to open a tunnel to ``req``'s origin.

    Raises:
        ClientHttpProxyError: the proxy answered with a status other than 2xx,
            or with a head that is not HTTP.
        ServerDisconnectedError: the proxy closed the connection first.
    """
    connect = connect_request(req)
    protocol.begin("CONNECT", sock_read=timeout.sock_read)
    protocol.write(connect.head_bytes())
    try:
        head, _ = await protocol.read_head()
    except ResponseHeadError as exc:
        raise ClientHttpProxyError(
            connect.request_info, (), status=400, message=exc.message
        ) from exc
    if not 200 <= head.status < 300:
        from multidict import CIMultiDictProxy

        headers: CIMultiDict[str] = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in head.headers
        )
        raise ClientHttpProxyError(
            connect.request_info,
            (),
            status=head.status,
            message=head.reason,
            headers=CIMultiDictProxy(headers),
        )
