"""The client exception tree, shared by every lamella distribution.

Names and base classes follow aiohttp's client reference, so ``except``
clauses written for it keep working. Each leaf also inherits the stdlib
error that users already catch (``OSError``, ``asyncio.TimeoutError``,
``ValueError``, ``ssl.SSLError``)::

    ClientError
    ├── ClientConnectionError
    │   ├── ClientConnectionResetError (+ ConnectionResetError)
    │   ├── ClientOSError (+ OSError)
    │   │   └── ClientConnectorError
    │   │       ├── ClientConnectorDNSError
    │   │       ├── ClientConnectorDeniedError
    │   │       ├── ClientProxyConnectionError
    │   │       ├── UnixClientConnectorError
    │   │       └── ClientSSLError
    │   │           ├── ClientConnectorCertificateError (+ ssl.CertificateError)
    │   │           └── ClientConnectorSSLError (+ ssl.SSLError)
    │   └── ServerConnectionError
    │       ├── ServerDisconnectedError
    │       ├── ServerTimeoutError (+ asyncio.TimeoutError)
    │       │   ├── ConnectionTimeoutError
    │       │   ├── SocketTimeoutError
    │       │   └── ResponseHeadTimeoutError (a ClientLimits bound on the head)
    │       └── ServerFingerprintMismatch
    ├── ClientResponseError
    │   ├── ContentTypeError
    │   ├── WSServerHandshakeError
    │   ├── ClientHttpProxyError
    │   ├── ResponseHeadTooLarge (a ClientLimits bound on the head)
    │   └── TooManyRedirects
    │       └── RedirectLimitExceeded
    ├── UploadAbortedError
    ├── ClientPayloadError
    │   ├── BodyTooLarge, DecompressionLimitExceeded,
    │   ├── TooManyContentCodings, WebSocketMessageTooLarge
    │   └── MultipartLimitExceeded
    ├── RedirectClientError
    │   └── RedirectBodyConsumed (+ ClientPayloadError)
    ├── RequestFramingError (+ ValueError)
    ├── NonHttpUrlClientError
    │   └── NonHttpUrlRedirectClientError (+ RedirectClientError)
    └── InvalidURL (+ ValueError)
        └── InvalidUrlClientError
            └── InvalidUrlRedirectClientError (+ RedirectClientError)

Connectors, WebSockets and cookie jars raise these classes or subclasses of
them; no distribution defines a parallel root.
"""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from multidict import CIMultiDictProxy, MultiMapping

if TYPE_CHECKING:
    from ._client.request import ConnectionKey, RequestInfo
    from ._client.response import ClientResponse

__all__ = [
    "BodyTooLarge",
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
    "DecompressionLimitExceeded",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "MultipartLimitExceeded",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "RedirectBodyConsumed",
    "RedirectClientError",
    "RedirectLimitExceeded",
    "RequestFramingError",
    "ResponseHeadTimeoutError",
    "ResponseHeadTooLarge",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "TooManyContentCodings",
    "TooManyRedirects",
    "UnixClientConnectorError",
    "UploadAbortedError",
    "WSServerHandshakeError",
    "WebSocketMessageTooLarge",
]


def _deprecated(message: str) -> None:
    """Warn as aiohttp does for a deprecated name, pointing at the caller's caller."""
    warnings.warn(message, DeprecationWarning, stacklevel=3)


class ClientError(Exception):
    """Base class for every error lamella raises."""

    #: False when the request certainly never reached the server (it failed
    #: while a connection was being opened), so even a POST may be sent
    #: again; ``RetryPolicy`` reads it. The connect-phase errors say False.
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


# --- ClientLimits violations --------------------------------------------------------


def _num(value: float) -> str:
    """``8190`` for whole numbers, ``2.5`` otherwise (never ``8.19e+03``)."""
    return str(int(value)) if value == int(value) else f"{value:.4g}"


def _advice(limit: str, value: float) -> str:
    return (
        f"ClientLimits.{limit}={_num(value)} exceeded; raise it with "
        f"ClientSession(limits=ClientLimits({limit}=...)) or per request with "
        f"limits=session.limits.replace({limit}=...), or None to switch it off"
    )


class LimitExceeded:
    """Mix-in of every limit error: which limit, its value, what was seen.

    Attributes:
        limit: the ``ClientLimits`` field name, e.g. ``"max_headers"``.
        value: the limit that was in force.
        actual: what the response reached when it was stopped (a lower bound
            when the response was cut off as soon as the limit was crossed).
    """

    limit: str
    value: float
    actual: float


class _PayloadLimitError(ClientPayloadError, LimitExceeded):
    what = "the response body"

    def __init__(self, limit: str, value: float, actual: float) -> None:
        self.limit, self.value, self.actual = limit, value, actual
        super().__init__(f"{self.describe()}: {_advice(limit, value)}")

    def describe(self) -> str:
        return f"{self.what} reached {_num(self.actual)}"


class BodyTooLarge(_PayloadLimitError):
    """The body is longer than ``ClientLimits.max_body_size``."""

    def describe(self) -> str:
        return f"Response body larger than {_num(self.value)} bytes ({_num(self.actual)} received)"


class DecompressionLimitExceeded(_PayloadLimitError):
    """Undoing the content codings produced too much.

    ``limit`` is ``"max_decompressed_size"`` (bytes out) or
    ``"max_compression_ratio"`` (bytes out per byte in).
    """

    def describe(self) -> str:
        if self.limit == "max_compression_ratio":
            return (
                f"Decompressed body grows more than {_num(self.value)} times its compressed size "
                f"(ratio {self.actual:.0f}, a compression bomb?)"
            )
        return f"Decompressed body larger than {_num(self.value)} bytes"


class TooManyContentCodings(_PayloadLimitError):
    """``Content-Encoding`` lists more codings than ``max_content_codings``."""

    def describe(self) -> str:
        return f"Content-Encoding lists {_num(self.actual)} codings, more than {_num(self.value)}"


class WebSocketMessageTooLarge(_PayloadLimitError):
    """A WebSocket message is longer than ``max_ws_message_size``."""

    def describe(self) -> str:
        return f"WebSocket message larger than {_num(self.value)} bytes"


class MultipartLimitExceeded(_PayloadLimitError):
    """A multipart body read with ``MultipartReader`` crossed a limit: too many
    parts, or a part's headers too long or too many."""

    _WHAT: Final = {
        "max_multipart_parts": "Multipart body has more than {value} parts",
        "max_field_size": "Multipart part header line longer than {value} bytes",
        "max_line_size": "Multipart boundary line longer than {value} bytes",
        "max_headers": "Multipart part has more than {value} headers",
        "max_header_bytes": "Multipart part headers larger than {value} bytes",
        "max_decompressed_size": "Decoded multipart part larger than {value} bytes",
    }

    def describe(self) -> str:
        return self._WHAT.get(self.limit, "Multipart limit {value} exceeded").format(
            value=_num(self.value)
        )


class ResponseHeadTooLarge(ClientResponseError, LimitExceeded):
    """The response head crossed a size or count limit.

    Raised with ``status`` 400, like every malformed head, so code that
    catches ``ClientResponseError`` for broken heads keeps working. The
    connection has been closed.
    """

    _WHAT: Final = {
        "max_line_size": "Status line longer than {value} bytes",
        "max_field_size": "Header line longer than {value} bytes",
        "max_headers": "More than {value} header fields",
        "max_header_bytes": "Response head larger than {value} bytes",
        "max_informational": "More than {value} informational (1xx) responses",
    }

    def __init__(
        self,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] = (),
        *,
        limit: str,
        value: float,
        actual: float,
        headers: Any = None,
    ) -> None:
        self.limit, self.value, self.actual = limit, value, actual
        super().__init__(
            request_info,
            history,
            status=400,
            message=self.text(limit, value),
            headers=headers,
        )

    @classmethod
    def text(cls, limit: str, value: float) -> str:
        """The message for ``limit`` (also used before the request info is known)."""
        what = cls._WHAT.get(limit, "Limit {value} exceeded").format(value=_num(value))
        return f"{what}: {_advice(limit, value)}"

    @classmethod
    def from_signal(
        cls,
        signal: HeadLimitSignal,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] = (),
    ) -> ResponseHeadTooLarge:
        """The public error for a signal caught by the session."""
        error = cls(
            request_info,
            history,
            limit=signal.limit,
            value=signal.value,
            actual=signal.actual,
        )
        error.__cause__ = signal
        return error


class ResponseHeadTimeoutError(ServerTimeoutError, LimitExceeded):
    """The response head took longer than ``ClientLimits.max_head_time`` to arrive.

    ``sock_read`` bounds the silence between two reads only, so a server
    sending its head a byte at a time would otherwise hold the request for
    as long as it drips. The connection has been closed.
    """

    def __init__(self, value: float, actual: float) -> None:
        self.limit, self.value, self.actual = "max_head_time", value, actual
        super().__init__(
            f"Response head not complete after {_num(value)} seconds: "
            f"{_advice('max_head_time', value)}"
        )


class HeadLimitSignal(Exception):
    """Raised by checks that run without the request info (parser, connection).

    The session catches it where it already turns a broken head into
    ``ClientResponseError`` and raises :class:`ResponseHeadTooLarge` with
    the ``RequestInfo`` and history it holds.
    """

    def __init__(self, limit: str, value: float, actual: float) -> None:
        super().__init__(ResponseHeadTooLarge.text(limit, value))
        self.limit, self.value, self.actual = limit, value, actual
        self.message = str(self)


class RedirectLimitExceeded(TooManyRedirects, LimitExceeded):
    """More redirects than ``ClientLimits.max_redirects`` (a ``TooManyRedirects``)."""

    def __init__(
        self,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] = (),
        *,
        value: float,
        status: int | None = None,
        headers: Any = None,
    ) -> None:
        self.limit, self.value, self.actual = "max_redirects", value, len(history)
        super().__init__(
            request_info,
            history,
            status=status,
            message=f"{_num(value)} redirects reached: {_advice('max_redirects', value)}",
            headers=headers,
        )
