"""The exception tree matches aiohttp's names and stdlib mix-ins."""

from __future__ import annotations

import asyncio
import pickle
import ssl

import aiohttp
import aiohttp.client_exceptions
import pytest
from yarl import URL

from lamella_core import RequestInfo, exceptions
from lamella_core._pool.connector import ConnectionKey

STDLIB = (
    OSError,
    ConnectionResetError,
    asyncio.TimeoutError,
    ValueError,
    TypeError,
    ssl.SSLError,
    ssl.CertificateError,
)


# lamella's own: the ClientLimits violations, the refused request framing and
# the address guard's refusal, which aiohttp does not have.
LAMELLA_ONLY = {
    "BodyTooLarge",
    "ClientConnectorDeniedError",
    "RequestFramingError",
    "DecompressionLimitExceeded",
    "RedirectLimitExceeded",
    "RedirectBodyConsumed",
    "ResponseHeadTooLarge",
    "ResponseHeadTimeoutError",
    "TooManyContentCodings",
    "WebSocketMessageTooLarge",
    "MultipartLimitExceeded",
}


@pytest.mark.parametrize("name", sorted(set(exceptions.__all__) - LAMELLA_ONLY))
def test_same_lineage_as_aiohttp(name):
    ours = getattr(exceptions, name)
    theirs = getattr(aiohttp, name, None) or getattr(aiohttp.client_exceptions, name)
    ours_names = {cls.__name__ for cls in ours.__mro__ if cls.__module__ == exceptions.__name__}
    theirs_names = {cls.__name__ for cls in theirs.__mro__ if cls.__module__.startswith("aiohttp")}
    assert ours_names == theirs_names
    for base in STDLIB:
        assert issubclass(ours, base) == issubclass(theirs, base), base


def test_tree_is_drawn_in_the_docstring():
    for name in exceptions.__all__:
        assert name in exceptions.__doc__


def _info() -> RequestInfo:
    url = URL("http://127.0.0.1/x")
    from multidict import CIMultiDict, CIMultiDictProxy

    return RequestInfo(url, "GET", CIMultiDictProxy(CIMultiDict()), url)


def test_client_response_error_fields():
    exc = exceptions.ClientResponseError(_info(), (), status=404, message="Not Found", headers=None)
    with pytest.warns(DeprecationWarning, match="code property is deprecated"):
        assert exc.status == exc.code == 404
    assert str(exc) == "404, message='Not Found', url='http://127.0.0.1/x'"
    assert "status=404" in repr(exc)
    assert exc.history == ()


def test_client_response_error_args_and_request_info_defaults():
    info = _info()
    exc = exceptions.ClientResponseError(info, [], status=500)
    assert exc.args == (info, ())
    bare = RequestInfo(info.url, "POST", info.headers)
    assert bare.real_url == info.url
    assert bare == (info.url, "POST", info.headers, info.url)
    assert bare._replace(method="GET") == info


def test_connector_error_fields():
    key = ConnectionKey("127.0.0.1", 1, False, True, None, None, None)
    exc = exceptions.ClientConnectorError(key, ConnectionRefusedError(111, "Connection refused"))
    assert exc.host == "127.0.0.1"
    assert exc.port == 1
    assert exc.errno == 111
    assert "Cannot connect to host 127.0.0.1:1" in str(exc)


def test_invalid_url_and_disconnect_messages():
    assert str(exceptions.InvalidURL("x", "no host")) == "x - no host"
    assert exceptions.InvalidURL("x").url == "x"
    assert exceptions.ServerDisconnectedError().message == "Server disconnected"


def test_every_class_is_shown_under_the_public_module():
    # They are defined in private modules; reprs, tracebacks and pickles name this one.
    for name in [*exceptions.__all__, "LimitExceeded", "HeadLimitSignal"]:
        assert getattr(exceptions, name).__module__ == "lamella_core.exceptions", name
    assert repr(exceptions.ClientError) == "<class 'lamella_core.exceptions.ClientError'>"


@pytest.mark.parametrize(
    "error",
    [
        exceptions.BodyTooLarge("max_body_size", 10, 20),
        exceptions.DecompressionLimitExceeded("max_compression_ratio", 100, 300.0),
        exceptions.TooManyContentCodings("max_content_codings", 2, 3),
        exceptions.WebSocketMessageTooLarge("max_ws_message_size", 4, 5),
        exceptions.MultipartLimitExceeded("max_multipart_parts", 3, 4),
        exceptions.ResponseHeadTimeoutError(1.0, 2.5),
        exceptions.HeadLimitSignal("max_headers", 5, 6),
        exceptions.ServerDisconnectedError("gone"),
        exceptions.InvalidURL("x", "no host"),
        exceptions.ClientConnectorError(
            ConnectionKey("127.0.0.1", 1, False, True, None, None, None),
            ConnectionRefusedError(111, "Connection refused"),
        ),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_survive_pickling(error):
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is type(error)
    assert str(clone) == str(error)
    assert repr(clone) == repr(error)
    if isinstance(error, exceptions.LimitExceeded):
        assert (clone.limit, clone.value, clone.actual) == (error.limit, error.value, error.actual)
