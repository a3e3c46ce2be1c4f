"""``ClientRequest``: one request, validated and turned into bytes.

A request knows its URL, method, headers and body, and can produce the
bytes of its head; it knows nothing of responses. Everything a user can
get wrong (a non-HTTP URL, CR or LF in a header) is refused here, before a
connection is even taken from the pool.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, NamedTuple

from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from lamella_core._content.payloads import Payload
from lamella_core._http import HttpVersion, HttpVersion10, HttpVersion11
from lamella_core._pool.connector import ConnectionKey
from lamella_core._version import __version__
from lamella_core._wire import serialize_request_head
from lamella_core.exceptions import InvalidUrlClientError, NonHttpUrlClientError

from .auth import BasicAuth

__all__ = ["ALLOWED_SCHEMES", "DEFAULT_USER_AGENT", "ClientRequest", "ConnectionKey", "RequestInfo"]

DEFAULT_USER_AGENT = f"Python/{sys.version_info[0]}.{sys.version_info[1]} lamella/{__version__}"
ALLOWED_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_SSL_SCHEMES = frozenset({"https", "wss"})
_HTTP_PROXY_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class _RequestFields(NamedTuple):
    url: URL
    method: str
    headers: CIMultiDictProxy[str]
    real_url: URL


class RequestInfo(_RequestFields):
    """What was asked: available as ``ClientResponse.request_info``.

    ``real_url`` keeps the fragment that ``url`` drops; it is ``url`` when
    not given, as when building one for an exception by hand.
    """

    __slots__ = ()

    def __new__(
        cls,
        url: URL,
        method: str,
        headers: CIMultiDictProxy[str],
        real_url: URL | None = None,
    ) -> RequestInfo:
        return super().__new__(cls, url, method, headers, url if real_url is None else real_url)


class ClientRequest:
    """One request to send: method, URL, headers and an optional body.

    Args:
        method: the HTTP method, upper-cased.
        url: an absolute http(s) URL (ws(s) for WebSocket upgrades).
        headers: the headers to send, already merged with the session's.
        skip_auto_headers: names of automatic headers not to add.
        body: the payload, or None.
        auth: credentials for ``Authorization: Basic``.
        version: ``HttpVersion11`` or ``HttpVersion10``.
        chunked: force chunked framing of the body; a body of unknown size
            is chunked unless ``headers`` give its Content-Length.
        expect100: send ``Expect: 100-continue`` and wait before the body.
        ssl: the TLS setting for https (True, False or an ``SSLContext``).
        server_hostname: the name to send in SNI and check the certificate for.
        accept_encoding: the ``Accept-Encoding`` value to advertise.
        proxy: the proxy to go through, or None.
        proxy_auth: credentials for the proxy (``Proxy-Authorization``).
        proxy_headers: headers for the proxy: sent with the request itself
            for plain http, with the CONNECT request for a tunnel.
        force_close: the connection closes after this exchange, so an
            HTTP/1.1 request says ``Connection: close`` (RFC 9112 section 9.6).
        deadline: the loop time by which the whole request must be done
            (its total timeout), or None; connectors bound their waits by it.
    """

    __slots__ = (
        "method",
        "url",
        "original_url",
        "headers",
        "body",
        "version",
        "chunked",
        "expect100",
        "ssl",
        "server_hostname",
        "connection_key",
        "proxy",
        "proxy_auth",
        "proxy_headers",
        "keep_alive",
        "deadline",
        "_request_info",
    )

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        headers: CIMultiDict[str] | None = None,
        skip_auto_headers: Iterable[str] = (),
        body: Payload | None = None,
        auth: BasicAuth | None = None,
        version: HttpVersion = HttpVersion11,
        chunked: bool | None = None,
        expect100: bool = False,
        ssl: Any = True,
        server_hostname: str | None = None,
        accept_encoding: str = "gzip, deflate",
        proxy: URL | None = None,
        proxy_auth: BasicAuth | None = None,
        proxy_headers: CIMultiDict[str] | None = None,
        force_close: bool = False,
        deadline: float | None = None,
    ) -> None:
        scheme = url.scheme
        if scheme not in ALLOWED_SCHEMES:
            if not url.is_absolute() or not scheme:
                raise InvalidUrlClientError(url)
            raise NonHttpUrlClientError(url, f"scheme {scheme!r} is not supported")
        host = url.raw_host
        if not host:
            raise InvalidUrlClientError(url, "the URL has no host")
        self.method = method = method.upper()
        self.original_url = url
        self.url = url.with_fragment(None) if url.raw_fragment else url
        if url.raw_user is not None or url.raw_password is not None:
            if auth is None:
                auth = BasicAuth.from_url(url)
            self.url = self.url.with_user(None)
        self.body = body
        self.version = version
        self.chunked = bool(chunked) or (
            body is not None
            and body.size is None
            and (headers is None or "Content-Length" not in headers)
        )
        if body is not None and headers is not None and "Transfer-Encoding" in headers:
            self.chunked = _framed_by_caller(headers, chunked)
        self.expect100 = expect100
        self.ssl = ssl
        self.server_hostname = server_hostname
        is_ssl = scheme in _SSL_SCHEMES
        if proxy is not None and proxy_auth is None and proxy.raw_user is not None:
            proxy_auth = BasicAuth.from_url(proxy)
        if proxy is not None and proxy.raw_user is not None:
            proxy = proxy.with_user(None)
        self.proxy = proxy
        self.proxy_auth = proxy_auth
        self.proxy_headers = proxy_headers
        self.connection_key = ConnectionKey(
            host,
            url.port or _DEFAULT_PORTS[scheme],
            is_ssl,
            ssl if is_ssl else True,
            proxy,
            proxy_auth,
            hash(tuple(proxy_headers.items())) if proxy_headers else None,
        )
        self.headers = self._build_headers(
            headers, frozenset(skip_auto_headers), auth, accept_encoding, force_close
        )
        connection = self.headers.get("Connection")
        # False when this request asks for the connection to close after its response.
        self.keep_alive = connection is None or "close" not in (
            token.strip() for token in connection.lower().split(",")
        )
        self._request_info: RequestInfo | None = None
        self.deadline = deadline

    def __repr__(self) -> str:
        return f"<ClientRequest({self.method} {self.url})>"

    def is_ssl(self) -> bool:
        """True when the request goes over TLS."""
        return self.connection_key.is_ssl

    @property
    def host(self) -> str:
        """The host the request is for."""
        return self.connection_key.host

    @property
    def port(self) -> int | None:
        """The port the request is for."""
        return self.connection_key.port

    @property
    def request_info(self) -> RequestInfo:
        """The method, URL and headers, for responses and exceptions."""
        info = self._request_info
        if info is None:
            # tuple.__new__ skips RequestInfo.__new__'s defaulting: every field is known.
            fields = (self.url, self.method, CIMultiDictProxy(self.headers), self.original_url)
            info = self._request_info = tuple.__new__(RequestInfo, fields)
        return info

    def head_bytes(self) -> bytes:
        """The request line and headers, ready for the socket.

        Raises:
            ValueError: a header name or value holds CR, LF or NUL, or the
                method is not a token.
        """
        if self.method == "CONNECT":
            target = self.url.host_port_subcomponent or ""
        elif self._via_http_proxy():
            target = str(self.url)  # absolute-form through a plain HTTP proxy
        else:
            target = self.url.raw_path_qs or "/"
        return serialize_request_head(
            self.method, target, self.headers.items(), (self.version.major, self.version.minor)
        )

    def _via_http_proxy(self) -> bool:
        """Plain http sent to an HTTP proxy, which reads the request itself.

        Other proxies (SOCKS, tunnels) carry the bytes to the origin, which
        must never see the proxy's credentials or an absolute-form target.
        """
        proxy = self.proxy
        return (
            proxy is not None
            and proxy.scheme in _HTTP_PROXY_SCHEMES
            and not self.connection_key.is_ssl
        )

    def _build_headers(
        self,
        user: CIMultiDict[str] | None,
        skip: frozenset[str],
        auth: BasicAuth | None,
        accept_encoding: str,
        force_close: bool,
    ) -> CIMultiDict[str]:
        headers: CIMultiDict[str] = CIMultiDict()
        skip_ci = {name.lower() for name in skip} if skip else ()
        if (user is None or "Host" not in user) and "host" not in skip_ci:
            headers["Host"] = self.url.host_port_subcomponent or ""
        if user:
            headers.extend(user)
        if "Accept" not in headers and "accept" not in skip_ci:
            headers["Accept"] = "*/*"
        if "Accept-Encoding" not in headers and "accept-encoding" not in skip_ci:
            headers["Accept-Encoding"] = accept_encoding
        if "User-Agent" not in headers and "user-agent" not in skip_ci:
            headers["User-Agent"] = DEFAULT_USER_AGENT
        if auth is not None and "Authorization" not in headers:
            headers["Authorization"] = auth.encode()
        if self._via_http_proxy():
            # Plain HTTP through an HTTP proxy: the proxy reads these from the request.
            if self.proxy_headers:
                headers.extend(self.proxy_headers)
            if self.proxy_auth is not None and "Proxy-Authorization" not in headers:
                headers["Proxy-Authorization"] = self.proxy_auth.encode()
        if "Connection" not in headers:
            if force_close:
                if self.version == HttpVersion11:
                    headers["Connection"] = "close"  # HTTP/1.0 closes without being told
            elif self.version == HttpVersion10:
                headers["Connection"] = "keep-alive"
        body = self.body
        if body is not None:
            if (
                body.content_type
                and "Content-Type" not in headers
                and "content-type" not in skip_ci
            ):
                headers["Content-Type"] = body.content_type
            if self.chunked:
                if "Content-Length" in headers:
                    raise ValueError("chunked can not be set if Content-Length header is set")
                if self.version == HttpVersion10:
                    # RFC 9112 section 6.1: HTTP/1.0 has no Transfer-Encoding.
                    raise ValueError(
                        "HTTP/1.0 requests cannot be chunked: give the body a Content-Length header"
                    )
                if "Transfer-Encoding" not in headers:
                    headers["Transfer-Encoding"] = "chunked"
            elif "Content-Length" not in headers:
                headers["Content-Length"] = str(body.size)
        elif self.method in ("POST", "PUT", "PATCH") and "Content-Length" not in headers:
            headers["Content-Length"] = "0"
        if self.expect100:
            headers["Expect"] = "100-continue"
        return headers


def _framed_by_caller(headers: CIMultiDict[str], chunked: bool | None) -> bool:
    """Accept a Transfer-Encoding header given with a body, which then goes out chunked.

    Raises:
        ValueError: ``chunked`` is set too, a Content-Length is given beside it
            (RFC 9112 section 6.2), or its last coding is not chunked (section 6.1).
    """
    if chunked:
        raise ValueError("chunked can not be set if Transfer-Encoding header is set")
    if "Content-Length" in headers:
        raise ValueError("Transfer-Encoding and Content-Length headers can not both be set")
    codings = ",".join(headers.getall("Transfer-Encoding")).split(",")
    if codings[-1].strip().lower() != "chunked":
        raise ValueError("A Transfer-Encoding header must end with chunked")
    return True
