"""The exception classes aiohttp's client reference names, with their fields.

``lamella_core.exceptions`` re-exports every class and draws the tree; the
``ClientLimits`` violations built on these bases live in ``_limit_errors``.
Every class presents itself under ``lamella_core.exceptions`` (in reprs,
tracebacks and pickles), the module users import it from.
"""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict, CIMultiDictProxy, MultiMapping

if TYPE_CHECKING:
    from ._client.request import ConnectionKey, RequestInfo
    from ._client.response import ClientResponse

__all__ = [
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorDeniedError",
    "ClientConnectorError",
    "ClientConnectorSSLError",
    "ClientError",
    "ClientHttpProxyError",
    "ClientOSError",
    "ClientPayloadError",
    "ClientProxyConnectionError",
    "ClientResponseError",
    "ClientSSLError",
    "ConnectionTimeoutError",
    "ContentTypeError",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "RedirectBodyConsumed",
    "RedirectClientError",
    "RequestFramingError",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "TooManyRedirects",
    "UnixClientConnectorError",
    "UploadAbortedError",
    "WSServerHandshakeError",
]


def _deprecated(message: str) -> None:
    """Warn as aiohttp does for a deprecated name, pointing at the caller's caller."""
    warnings.warn(message, DeprecationWarning, stacklevel=3)


class ClientError(Exception):
    """Base class for every error lamella raises."""

    #: False when the request certainly never reached the server (it failed
    #: while a connection was being opened, or a kept-alive connection was
    #: found closed before any byte of it was written), so even a POST may be
    #: sent again; the session and ``RetryPolicy`` read it. The connect-phase
    #: errors say False.
    request_sent: bool = True


class ClientResponseError(ClientError):
    """The server answered, but the answer cannot be used as asked.

    Raised by ``raise_for_status()`` for statuses of 400 and above, for
    malformed response heads, and by its subclasses for redirects, proxies,
    WebSocket handshakes and content types.
    """

    def __init__(
        self,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] | None = (),
        *,
        code: int | None = None,
        status: int | None = None,
        message: str = "",
        headers: MultiMapping[str] | CIMultiDictProxy[str] | None = None,
    ) -> None:
        if code is not None:
            if status is not None:
                raise ValueError(
                    "Both code and status arguments are provided; "
                    "code is deprecated, use status instead"
                )
            _deprecated("code argument is deprecated, use status instead")
            status = code
        self.request_info = request_info
        self.status = 0 if status is None else status
        self.message = message
        self.headers = headers
        # None stays None, as aiohttp keeps what it was given.
        self.history: tuple[ClientResponse, ...] | None = (
            None if history is None else tuple(history)
        )
        super().__init__(request_info, self.history)

    def __reduce__(self) -> tuple[Any, ...]:
        # By state, as the constructors differ; read-only header views travel as copies.
        state = dict(self.__dict__)
        viewed = isinstance(self.headers, CIMultiDictProxy)
        if viewed:
            state["headers"] = CIMultiDict(self.headers)
        return _rebuild_response_error, (type(self), self.args, state, viewed)

    @property
    def code(self) -> int:
        """The status code, under the name older releases used (deprecated)."""
        _deprecated("code property is deprecated, use status instead")
        return self.status

    @code.setter
    def code(self, value: int) -> None:
        _deprecated("code property is deprecated, use status instead")
        self.status = value

    def __str__(self) -> str:
        return f"{self.status}, message={self.message!r}, url={str(self.request_info.real_url)!r}"

    def __repr__(self) -> str:
        args = f"{self.request_info!r}, {self.history!r}"
        if self.status != 0:
            args += f", status={self.status!r}"
        if self.message != "":
            args += f", message={self.message!r}"
        if self.headers is not None:
            args += f", headers={self.headers!r}"
        return f"{type(self).__name__}({args})"


def _rebuild_response_error(
    cls: type[ClientResponseError], args: tuple[Any, ...], state: dict[str, Any], viewed: bool
) -> ClientResponseError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    if viewed:
        error.headers = CIMultiDictProxy(error.headers)  # type: ignore[arg-type]
    return error


class ContentTypeError(ClientResponseError):
    """``json()`` found a Content-Type other than the one asked for."""


class WSServerHandshakeError(ClientResponseError):
    """The server refused or botched the WebSocket opening handshake."""


class ClientHttpProxyError(ClientResponseError):
    """The HTTP proxy answered a CONNECT with a status other than 200."""

    request_sent = False


class TooManyRedirects(ClientResponseError):
    """More redirects than ``max_redirects`` allows."""


class ClientConnectionError(ClientError):
    """Base class for failures of the connection itself."""

    #: True when a kept-alive connection turned out to be closed by the
    #: server before any byte of the response came back: the session sends
    #: an idempotent request once more, on a new connection.
    stale_connection: bool = False


class ClientConnectionResetError(ClientConnectionError, ConnectionResetError):
    """The connection was reset or closed while a request was being written."""


class ClientOSError(ClientConnectionError, OSError):
    """A connection error that stems from an ``OSError``."""


class ClientConnectorError(ClientOSError):
    """The connector could not open a connection to the host."""

    request_sent = False

    def __init__(self, connection_key: ConnectionKey, os_error: OSError) -> None:
        self._conn_key = connection_key
        self._os_error = os_error
        super().__init__(os_error.errno, os_error.strerror)
        self.args = (connection_key, os_error)

    @property
    def os_error(self) -> OSError:
        """The ``OSError`` that stopped the connection."""
        return self._os_error

    @property
    def host(self) -> str:
        """The host that could not be reached."""
        return self._conn_key.host

    @property
    def port(self) -> int | None:
        """The port that could not be reached."""
        return self._conn_key.port

    @property
    def ssl(self) -> Any:
        """The TLS setting of the attempted connection."""
        return self._conn_key.ssl

    def __str__(self) -> str:
        ssl_text = "default" if self.ssl is True else self.ssl
        return (
            f"Cannot connect to host {self.host}:{self.port} ssl:{ssl_text} "
            f"[{self.strerror or self._os_error}]"
        )

    __reduce__ = BaseException.__reduce__


class ClientConnectorDNSError(ClientConnectorError):
    """The host name could not be resolved."""


class ClientConnectorDeniedError(ClientConnectorError):
    """Every address the host resolved to is refused by the connector's
    address policy (``TCPConnector(deny_private=True)``): no connection was tried."""


class ClientProxyConnectionError(ClientConnectorError):
    """The proxy could not be reached."""


class UnixClientConnectorError(ClientConnectorError):
    """The Unix socket could not be connected."""

    def __init__(self, path: str, connection_key: ConnectionKey, os_error: OSError) -> None:
        self._path = path
        super().__init__(connection_key, os_error)
        self.args = (path, connection_key, os_error)

    @property
    def path(self) -> str:
        """The socket path that failed."""
        return self._path

    def __str__(self) -> str:
        return f"Cannot connect to unix socket {self.path} [{self.strerror or self.os_error}]"


class ClientSSLError(ClientConnectorError):
    """TLS could not be established with the host."""


class ClientConnectorSSLError(ClientSSLError, ssl.SSLError):
    """A TLS failure other than certificate verification."""


class ClientConnectorCertificateError(ClientSSLError, ssl.CertificateError):
    """The server's certificate failed verification."""

    def __init__(self, connection_key: ConnectionKey, certificate_error: Exception) -> None:
        os_error = certificate_error if isinstance(certificate_error, OSError) else OSError()
        super().__init__(connection_key, os_error)
        self._certificate_error = certificate_error
        self.args = (connection_key, certificate_error)

    @property
    def certificate_error(self) -> Exception:
        """The verification error raised by the ``ssl`` module."""
        return self._certificate_error

    @property
    def ssl(self) -> bool:
        """Whether the connection was a TLS one (aiohttp's meaning here, not the setting)."""
        return self._conn_key.is_ssl

    def __str__(self) -> str:
        return (
            f"Cannot connect to host {self.host}:{self.port} ssl:{self.ssl} "
            f"[{self._certificate_error.__class__.__name__}: {self._certificate_error.args}]"
        )


class ServerConnectionError(ClientConnectionError):
    """The server misbehaved at the connection level."""


class ServerDisconnectedError(ServerConnectionError):
    """The server closed the connection before the response was complete."""

    def __init__(self, message: str | None = None) -> None:
        if message is None:
            message = "Server disconnected"
        self.message = message
        super().__init__(message)


class ServerTimeoutError(ServerConnectionError, asyncio.TimeoutError):
    """A connect or read timeout expired."""


class ConnectionTimeoutError(ServerTimeoutError):
    """``ClientTimeout.connect`` or ``sock_connect`` expired."""

    request_sent = False


class SocketTimeoutError(ServerTimeoutError):
    """``ClientTimeout.sock_read`` expired between two reads."""


class ServerFingerprintMismatch(ServerConnectionError):
    """The server certificate does not match the pinned fingerprint."""

    request_sent = False

    def __init__(self, expected: bytes, got: bytes, host: str, port: int) -> None:
        self.expected = expected
        self.got = got
        self.host = host
        self.port = port
        super().__init__(expected, got, host, port)

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} expected={self.expected!r} got={self.got!r} "
            f"host={self.host!r} port={self.port!r}>"
        )


class ClientPayloadError(ClientError):
    """The response body is broken: bad framing, bad compression or truncated."""


class UploadAbortedError(ClientError):
    """The request body was never sent in full (``UploadTracker.upload_complete``)."""


class RedirectClientError(ClientError):
    """A redirect could not be followed."""


class RedirectBodyConsumed(RedirectClientError, ClientPayloadError):
    """A redirect would have to send a streamed request body again; also the
    ``ClientPayloadError`` aiohttp raises there."""


class RequestFramingError(ClientError, ValueError):
    """The request's Content-Length or Transfer-Encoding disagrees with its body.

    A length that is not the body's would let the server read the rest of
    the body as another request (request smuggling), so lamella refuses it:
    before any byte is sent when the body's size is known, or as soon as a
    streamed body breaks its declared length, closing the connection.
    """


class InvalidURL(ClientError, ValueError):
    """The URL is malformed, for example it has no host."""

    def __init__(self, url: Any, description: str | None = None) -> None:
        self._url = url
        self._description = description
        if description:
            super().__init__(url, description)
        else:
            super().__init__(url)

    @property
    def url(self) -> Any:
        """The offending URL."""
        return self._url

    @property
    def description(self) -> str | None:
        """Why the URL was refused, when known."""
        return self._description

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self}>"

    def __str__(self) -> str:
        if self._description:
            return f"{self._url} - {self._description}"
        return str(self._url)


class InvalidUrlClientError(InvalidURL):
    """The URL given to a request is invalid."""


class NonHttpUrlClientError(ClientError):
    """The URL given to a request is not http(s) or ws(s)."""

    def __init__(self, url: Any, description: str | None = None) -> None:
        self.url = url
        self.description = description
        super().__init__(*((url, description) if description else (url,)))

    def __str__(self) -> str:
        return f"{self.url} - {self.description}" if self.description else str(self.url)


class InvalidUrlRedirectClientError(InvalidUrlClientError, RedirectClientError):
    """A redirect Location is not a valid URL."""


class NonHttpUrlRedirectClientError(NonHttpUrlClientError, RedirectClientError):
    """A redirect points to a URL that is not http(s)."""
