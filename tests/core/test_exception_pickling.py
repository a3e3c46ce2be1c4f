"""Every public exception survives pickling, as aiohttp's do (multiprocessing,
concurrent.futures and task queues send errors between processes)."""

from __future__ import annotations

import pickle
import ssl
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from lamella_core import RequestInfo, exceptions
from lamella_core.connection import ConnectionKey

URL_ = URL("http://example.com/path")
INFO = RequestInfo(URL_, "GET", CIMultiDictProxy(CIMultiDict({"X-A": "b"})), URL_)
KEY = ConnectionKey("example.com", 80, False, True, None, None, None)
REFUSED = ConnectionRefusedError(111, "Connection refused")
HEADERS = CIMultiDictProxy(CIMultiDict({"Location": "/next"}))


def _response_error(cls: type[Any]) -> Any:
    return cls(INFO, (), status=502, message="Bad Gateway", headers=HEADERS)


def _connector_error(cls: type[Any]) -> Any:
    return cls(KEY, REFUSED)


def _limit_error(cls: type[Any]) -> Any:
    return cls("max_body_size", 10, 20)


def _plain(cls: type[Any]) -> Any:
    return cls("what went wrong")


# How to make one of each public class: by the shape of its constructor.
MAKERS: dict[str, Any] = {
    **dict.fromkeys(
        [
            "ClientResponseError",
            "ContentTypeError",
            "WSServerHandshakeError",
            "ClientHttpProxyError",
            "TooManyRedirects",
        ],
        _response_error,
    ),
    **dict.fromkeys(
        [
            "ClientConnectorError",
            "ClientConnectorDNSError",
            "ClientConnectorDeniedError",
            "ClientProxyConnectionError",
            "ClientSSLError",
        ],
        _connector_error,
    ),
    **dict.fromkeys(
        [
            "BodyTooLarge",
            "DecompressionLimitExceeded",
            "TooManyContentCodings",
            "WebSocketMessageTooLarge",
            "MultipartLimitExceeded",
        ],
        _limit_error,
    ),
    **dict.fromkeys(
        [
            "ClientError",
            "ClientConnectionError",
            "ClientConnectionResetError",
            "ClientOSError",
            "ClientPayloadError",
            "ServerConnectionError",
            "ServerTimeoutError",
            "ConnectionTimeoutError",
            "SocketTimeoutError",
            "RedirectClientError",
            "RedirectBodyConsumed",
            "RequestFramingError",
            "UploadAbortedError",
            "ServerDisconnectedError",
        ],
        _plain,
    ),
    "ClientConnectorSSLError": lambda cls: cls(KEY, ssl.SSLError(1, "handshake failed")),
    "ClientConnectorCertificateError": lambda cls: cls(
        KEY, ssl.CertificateError("hostname mismatch")
    ),
    "UnixClientConnectorError": lambda cls: cls("/run/app.sock", KEY, REFUSED),
    "ServerFingerprintMismatch": lambda cls: cls(b"\x01" * 32, b"\x02" * 32, "example.com", 443),
    "InvalidURL": lambda cls: cls("http://[::1", "bad host"),
    "InvalidUrlClientError": lambda cls: cls("http://[::1", "bad host"),
    "InvalidUrlRedirectClientError": lambda cls: cls("http://[::1", "bad redirect"),
    "NonHttpUrlClientError": lambda cls: cls("ftp://example.com/", "not http"),
    "NonHttpUrlRedirectClientError": lambda cls: cls("ftp://example.com/"),
    "ResponseHeadTooLarge": lambda cls: cls(
        INFO, (), limit="max_headers", value=128, actual=129, headers=HEADERS
    ),
    "RedirectLimitExceeded": lambda cls: cls(INFO, (), value=10, status=302, headers=HEADERS),
    "ResponseHeadTimeoutError": lambda cls: cls(30.0, 31.5),
}

PUBLIC = sorted(
    name
    for name in exceptions.__all__
    if isinstance(getattr(exceptions, name), type)
    and issubclass(getattr(exceptions, name), BaseException)
)


def test_every_public_exception_has_a_maker():
    assert sorted(MAKERS) == PUBLIC


@pytest.mark.parametrize("name", PUBLIC)
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_round_trips_through_pickle(name: str, protocol: int) -> None:
    cls = getattr(exceptions, name)
    error = MAKERS[name](cls)
    error.note = "kept"  # an attribute added after construction survives too, as in aiohttp
    clone = pickle.loads(pickle.dumps(error, protocol))
    assert type(clone) is cls
    assert str(clone) == str(error)
    assert repr(clone) == repr(error)
    assert repr(clone.args) == repr(error.args)
    assert clone.note == "kept"
    for attribute in ("status", "message", "limit", "value", "actual", "url", "os_error"):
        if hasattr(error, attribute):
            assert repr(getattr(clone, attribute)) == repr(getattr(error, attribute)), attribute
    if isinstance(error, exceptions.ClientResponseError):
        assert clone.request_info == error.request_info
        assert clone.history == error.history
        assert dict(clone.headers) == dict(error.headers)
    if isinstance(error, exceptions.ClientConnectorError):
        assert clone.host == error.host
        assert clone.port == error.port
