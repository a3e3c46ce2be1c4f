"""``ClientRequest``: one request, validated and turned into bytes.

A request knows its URL, method, headers and body, and can produce the
bytes of its head; it knows nothing of responses. Everything a user can
get wrong (a non-HTTP URL, CR or LF in a header) is refused here, before a
connection is even taken from the pool.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Container, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from multidict import CIMultiDict, CIMultiDictProxy, getversion
from yarl import URL

from lamella_core._content.bodies import request_body
from lamella_core._content.payloads import OCTETS, Payload
from lamella_core._http import HttpVersion, HttpVersion10, HttpVersion11
from lamella_core._pool.connector import ConnectionKey
from lamella_core._version import __version__
from lamella_core._wire import serialize_request_head
from lamella_core.exceptions import (
    InvalidUrlClientError,
    NonHttpUrlClientError,
    RequestFramingError,
)

from .auth import BasicAuth

if TYPE_CHECKING:
    from .session import ClientSession

__all__ = ["ALLOWED_SCHEMES", "DEFAULT_USER_AGENT", "ClientRequest", "ConnectionKey", "RequestInfo"]

DEFAULT_USER_AGENT = f"Python/{sys.version_info[0]}.{sys.version_info[1]} lamella/{__version__}"
ALLOWED_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_SSL_SCHEMES = frozenset({"https", "wss"})
_HTTP_PROXY_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# Hop-by-hop fields for the proxy alone (RFC 9110 section 11.7.2; Proxy-Connection
# is the old non-standard spelling of Connection for proxies).
_PROXY_FIELDS = ("Proxy-Authorization", "Proxy-Connection")
# Framing is the request's own: a payload's copy of these is never sent.
_FRAMING = frozenset({"content-length", "transfer-encoding"})
# multidict's getversion is typed for MultiDict[object], which the request's
# CIMultiDict[str] is not to mypy (the type parameter is invariant).
_headers_version = cast("Callable[[CIMultiDict[str]], int]", getversion)


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

    def __reduce__(self) -> tuple[Any, ...]:
        # The read-only header view cannot be pickled: a copy travels instead.
        headers = self.headers
        viewed = isinstance(headers, CIMultiDictProxy)
        copied = CIMultiDict(headers) if viewed else headers
        return _rebuild_request_info, (self.url, self.method, copied, self.real_url, viewed)


def _rebuild_request_info(
    url: URL, method: str, headers: Any, real_url: URL, viewed: bool
) -> RequestInfo:
    return RequestInfo(url, method, CIMultiDictProxy(headers) if viewed else headers, real_url)


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
        session: the session sending the request, for middlewares.
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
        "_session",
        "_head_of",
        "_head_version",
    )
    proxy: URL | None
    proxy_auth: BasicAuth | None
    proxy_headers: CIMultiDict[str] | None

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
        session: ClientSession | None = None,
        deadline: float | None = None,
    ) -> None:
        host = _checked_host(url)
        self.method = method.upper()
        self.original_url = url
        auth = self._set_url(url, auth)
        self.body = body
        self.version = version
        self.chunked = _is_chunked(body, headers, chunked)
        self.expect100 = expect100
        self.ssl = ssl
        self.server_hostname = server_hostname
        is_ssl = url.scheme in _SSL_SCHEMES
        if proxy is None and proxy_auth is None and proxy_headers is None:
            self.proxy = self.proxy_auth = self.proxy_headers = None  # most requests
        else:
            headers = self._set_proxy(proxy, proxy_auth, proxy_headers, headers, is_ssl)
        # The ssl= setting secures the origin, or else an https proxy (absolute-form).
        uses_tls = is_ssl or (self.proxy is not None and self.proxy.scheme == "https")
        self.connection_key = ConnectionKey(
            host,
            url.port or _DEFAULT_PORTS[url.scheme],
            is_ssl,
            ssl if uses_tls else True,
            self.proxy,
            self.proxy_auth,
            hash(tuple(self.proxy_headers.items())) if self.proxy_headers else None,
            server_hostname if is_ssl else None,
        )
        self.headers = self._build_headers(
            headers, frozenset(skip_auto_headers), auth, accept_encoding, force_close
        )
        self.keep_alive = _keeps_alive(self.headers)
        self._request_info: RequestInfo | None = None
        self._session = session
        self.deadline = deadline
        self._head_of: tuple[str, URL, URL | None, HttpVersion, bytes] | None = None
        self._head_version = 0

    def _copy_for(self, session: ClientSession | None, deadline: float | None) -> ClientRequest:
        """A request like this bodiless one, with its own headers (and proxy
        headers), for ``session`` by ``deadline``.

        What a session sends again with the same method, URL and headers
        (see ``_shaped_request``) is copied rather than worked out again.
        """
        assert self.body is None
        new = object.__new__(ClientRequest)
        new.method = self.method
        new.url = self.url
        new.original_url = self.original_url
        new.headers = headers = self.headers.copy()
        new.body = None
        new.version = self.version
        new.chunked = self.chunked
        new.expect100 = self.expect100
        new.ssl = self.ssl
        new.server_hostname = self.server_hostname
        new.connection_key = self.connection_key
        new.proxy = self.proxy
        new.proxy_auth = self.proxy_auth
        proxy_headers = self.proxy_headers
        new.proxy_headers = None if proxy_headers is None else proxy_headers.copy()
        new.keep_alive = self.keep_alive
        new.deadline = deadline
        new._request_info = None
        new._session = session
        new._head_of = self._head_of
        new._head_version = _headers_version(headers)
        return new

    def _keep_head(self) -> None:
        """Serialise the head once for the copies of this request (see :meth:`head_bytes`).

        A head refused here is kept by none: each copy is refused when it is
        sent, after its middlewares had their chance to mend its headers.
        """
        try:
            head = self.head_bytes()
        except (ValueError, TypeError):  # TypeError: a header value that is not a string
            return
        self._head_of = (self.method, self.url, self.proxy, self.version, head)
        self._head_version = _headers_version(self.headers)

    def _set_url(self, url: URL, auth: BasicAuth | None) -> BasicAuth | None:
        """Set the URL sent (no fragment, no credentials); return the credentials to use."""
        self.url = url.with_fragment(None) if url.raw_fragment else url
        if url.raw_user is not None or url.raw_password is not None:
            if auth is None:
                auth = BasicAuth.from_url(url)
            self.url = self.url.with_user(None)
        return auth

    def _set_proxy(
        self,
        proxy: URL | None,
        proxy_auth: BasicAuth | None,
        proxy_headers: CIMultiDict[str] | None,
        headers: CIMultiDict[str] | None,
        is_ssl: bool,
    ) -> CIMultiDict[str] | None:
        """Set the proxy, its credentials taken out of its URL when not given.

        Returns the request's headers without the proxy's fields when the
        origin would see them (a tunnel or a SOCKS proxy).
        """
        if proxy is not None and proxy_auth is None and proxy.raw_user is not None:
            proxy_auth = BasicAuth.from_url(proxy)
        if proxy is not None and proxy.raw_user is not None:
            proxy = proxy.with_user(None)
        if (
            proxy is not None
            and headers is not None
            and not (proxy.scheme in _HTTP_PROXY_SCHEMES and not is_ssl)
        ):
            headers, proxy_headers = _keep_proxy_fields_off_the_origin(
                headers, proxy_headers, proxy
            )
        self.proxy = proxy
        self.proxy_auth = proxy_auth
        self.proxy_headers = proxy_headers
        return headers

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
    def session(self) -> ClientSession:
        """The session sending this request: a middleware may send other requests on it.

        Raises:
            RuntimeError: the request was built by hand, not by a session.
        """
        if self._session is None:
            raise RuntimeError("This request was not made by a ClientSession")
        return self._session

    @property
    def request_info(self) -> RequestInfo:
        """The method, URL and headers, for responses and exceptions."""
        info = self._request_info
        if info is None:
            # tuple.__new__ skips RequestInfo.__new__'s defaulting: every field is known.
            fields = (self.url, self.method, CIMultiDictProxy(self.headers), self.original_url)
            info = self._request_info = tuple.__new__(RequestInfo, fields)
        return info

    async def update_body(self, body: Any) -> None:
        """Replace the body, as a middleware may: aiohttp's method of that name.

        ``body`` is anything ``data=`` takes (a payload is used as it is), or
        None for no body. The old body is closed, and Content-Length and
        Transfer-Encoding are framed anew for the new one; a Content-Type
        already set is kept.
        """
        new = None if body is None else request_body(body)
        old, self.body = self.body, new
        if old is not None and old is not new:
            await old.close()
        for name in ("Content-Length", "Transfer-Encoding"):
            self.headers.popall(name, None)
        self.chunked = _is_chunked(new, self.headers, None)
        if new is not None:
            self._frame_body(self.headers, ())
        elif self.method in ("POST", "PUT", "PATCH"):
            self.headers["Content-Length"] = "0"

    def head_bytes(self) -> bytes:
        """The request line and headers, ready for the socket.

        Raises:
            ValueError: a header name or value holds CR, LF or NUL, or the
                method is not a token.
        """
        # A copy whose method, URL, proxy, version and headers are still
        # those of the request it was copied from sends the same head.
        head_of = self._head_of
        if (
            head_of is not None
            and head_of[0] is self.method
            and head_of[1] is self.url
            and head_of[2] is self.proxy
            and head_of[3] is self.version
            and _headers_version(self.headers) == self._head_version
        ):
            return head_of[4]
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
        if self.body is not None:
            self._frame_body(headers, skip_ci)
        elif self.method in ("POST", "PUT", "PATCH"):
            if "Content-Length" in headers:
                _check_given_length(headers, 0)
            else:
                headers["Content-Length"] = "0"
            if "Content-Type" not in headers and "content-type" not in skip_ci:
                headers["Content-Type"] = OCTETS  # as aiohttp types an empty upload
        elif "Content-Length" in headers:
            _check_given_length(headers, 0)
        if self.expect100:
            headers["Expect"] = "100-continue"
        return headers

    def _frame_body(self, headers: CIMultiDict[str], skip_ci: Container[str]) -> None:
        """Add the body's Content-Type and its framing: Transfer-Encoding or Content-Length.

        Raises:
            RequestFramingError: chunked framing asked beside a Content-Length, or
                for HTTP/1.0; a caller's Content-Length that is not the body's size.
        """
        body = self.body
        assert body is not None
        if body.content_type and "Content-Type" not in headers and "content-type" not in skip_ci:
            headers["Content-Type"] = body.content_type
        if self.chunked:
            if "Content-Length" in headers:
                raise RequestFramingError("chunked can not be set if Content-Length header is set")
            if self.version == HttpVersion10:
                # RFC 9112 section 6.1: HTTP/1.0 has no Transfer-Encoding.
                raise RequestFramingError(
                    "HTTP/1.0 requests cannot be chunked: give the body a Content-Length header"
                )
            if "Transfer-Encoding" not in headers:
                headers["Transfer-Encoding"] = "chunked"
        elif "Content-Length" not in headers:
            headers["Content-Length"] = str(body.size)
        else:
            _check_given_length(headers, body.size)
        # The payload's own headers (Content-Disposition, ...), where the
        # caller set none, as aiohttp copies them; never its framing.
        for name, value in (body._headers or {}).items():
            lower = name.lower()
            if name not in headers and lower not in skip_ci and lower not in _FRAMING:
                headers[name] = value


def _keep_proxy_fields_off_the_origin(
    headers: CIMultiDict[str], proxy_headers: CIMultiDict[str] | None, proxy: URL
) -> tuple[CIMultiDict[str], CIMultiDict[str] | None]:
    """Move the proxy's fields out of ``headers``, for a request the proxy only carries.

    Through a tunnel (https via an HTTP proxy) or a SOCKS proxy the headers
    reach the origin, which must never see the proxy's credentials: an HTTP
    proxy gets them on the CONNECT request instead; for other proxies they
    mean nothing and are dropped. Neither mapping given is changed.
    """
    if not any(name in headers for name in _PROXY_FIELDS):
        return headers, proxy_headers
    kept: CIMultiDict[str] = CIMultiDict(
        (name, value) for name, value in headers.items() if name.title() not in _PROXY_FIELDS
    )
    if proxy.scheme not in _HTTP_PROXY_SCHEMES:
        return kept, proxy_headers
    moved: CIMultiDict[str] = CIMultiDict(proxy_headers or ())
    for name in _PROXY_FIELDS:
        if name not in moved:
            moved.extend((name, value) for value in headers.getall(name, ()))
    return kept, moved


def _framed_by_caller(
    headers: CIMultiDict[str], chunked: bool | None, body: Payload | None
) -> bool:
    """Accept a Transfer-Encoding header given with a body, which then goes out chunked.

    lamella applies no transfer coding but chunked, so any other coding
    would announce bytes it never sends; and a chunked request without a
    body would leave the server waiting for chunks that the next request
    would then provide.

    Raises:
        RequestFramingError: ``chunked`` is set too, a Content-Length is given
            beside it (RFC 9112 section 6.2), there is no body, or the header
            says anything but ``chunked``.
    """
    if chunked:
        raise RequestFramingError("chunked can not be set if Transfer-Encoding header is set")
    if "Content-Length" in headers:
        raise RequestFramingError(
            "Transfer-Encoding and Content-Length headers can not both be set"
        )
    if body is None:
        raise RequestFramingError("A Transfer-Encoding header needs a body to frame")
    given = ",".join(headers.getall("Transfer-Encoding"))
    codings = [coding.strip().lower() for coding in given.split(",")]
    if codings != ["chunked"]:
        raise RequestFramingError(
            "A Transfer-Encoding header can only be chunked: lamella applies no other "
            "transfer coding (use compress= or Content-Encoding for compression)"
        )
    return True


def _checked_host(url: URL) -> str:
    """The host of ``url``, which must be an absolute URL of a supported scheme.

    Raises:
        InvalidUrlClientError: the URL is relative or has no host.
        NonHttpUrlClientError: its scheme is not http(s) or ws(s).
    """
    scheme = url.scheme
    if scheme not in ALLOWED_SCHEMES:
        if not url.is_absolute() or not scheme:
            raise InvalidUrlClientError(url)
        raise NonHttpUrlClientError(url, f"scheme {scheme!r} is not supported")
    host = url.raw_host
    if not host:
        raise InvalidUrlClientError(url, "the URL has no host")
    return host


def _is_chunked(
    body: Payload | None, headers: CIMultiDict[str] | None, chunked: bool | None
) -> bool:
    """Whether the body goes out chunked: asked, of unknown size, or framed by the caller."""
    if headers is not None and "Transfer-Encoding" in headers:
        return _framed_by_caller(headers, chunked, body)
    return bool(chunked) or (
        body is not None
        and body.size is None
        and (headers is None or "Content-Length" not in headers)
    )


def _keeps_alive(headers: CIMultiDict[str]) -> bool:
    """False when the request asks for the connection to close after its response."""
    connection = headers.get("Connection")
    return connection is None or "close" not in (
        token.strip() for token in connection.lower().split(",")
    )


def _check_given_length(headers: CIMultiDict[str], size: int | None) -> None:
    """Refuse a caller's Content-Length that is not one number, or not the body's size.

    ``size`` None (a stream) is checked as it is sent, by the writer.

    Raises:
        RequestFramingError: the header is repeated, is not a decimal number,
            or differs from ``size``.
    """
    values = headers.getall("Content-Length")
    value = values[0].strip()
    if len(values) > 1 or not value.isdigit() or not value.isascii():
        raise RequestFramingError(f"Content-Length must be one decimal number, not {values!r}")
    if size is not None and int(value) != size:
        raise RequestFramingError(
            f"Content-Length {value} given for a body of {size} bytes: leave the header "
            "out and lamella sends the right one"
        )
