"""Unit tests of ``ClientLimits`` and ``RetryPolicy``: pure, no I/O."""

from __future__ import annotations

import random
from dataclasses import FrozenInstanceError
from email.utils import formatdate
from types import SimpleNamespace
from typing import Any

import pytest
from multidict import CIMultiDict
from yarl import URL

from lamella_core._client.request import RequestInfo
from lamella_core._client.retry import ExponentialRetry, parse_retry_after
from lamella_core._limits import DEFAULT_LIMITS, ClientLimits
from lamella_core.exceptions import (
    BodyTooLarge,
    ClientConnectorError,
    ClientPayloadError,
    ClientResponseError,
    DecompressionLimitExceeded,
    HeadLimitSignal,
    LimitExceeded,
    RedirectLimitExceeded,
    ResponseHeadTooLarge,
    ServerDisconnectedError,
    SocketTimeoutError,
    TooManyContentCodings,
    TooManyRedirects,
    WebSocketMessageTooLarge,
)

# --- ClientLimits ------------------------------------------------------------------


def test_defaults_are_documented_values() -> None:
    assert ClientLimits() == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.max_line_size == 8190
    assert DEFAULT_LIMITS.max_field_size == 8190
    assert DEFAULT_LIMITS.max_headers == 128
    assert DEFAULT_LIMITS.max_header_bytes == 256 * 1024
    assert DEFAULT_LIMITS.max_informational == 32
    assert DEFAULT_LIMITS.max_body_size is None
    assert DEFAULT_LIMITS.max_decompressed_size is None
    assert DEFAULT_LIMITS.max_compression_ratio == 200
    assert DEFAULT_LIMITS.compression_ratio_floor == 8 * 1024 * 1024
    assert DEFAULT_LIMITS.max_content_codings == 5
    assert DEFAULT_LIMITS.max_redirects == 10
    assert DEFAULT_LIMITS.max_ws_message_size == 4 * 1024 * 1024


def test_frozen_and_replace() -> None:
    with pytest.raises(FrozenInstanceError):
        DEFAULT_LIMITS.max_headers = 1  # type: ignore[misc]
    raised = DEFAULT_LIMITS.replace(max_headers=1000)
    assert raised.max_headers == 1000
    assert DEFAULT_LIMITS.max_headers == 128
    off = DEFAULT_LIMITS.unlimited()
    assert off.max_headers is None
    assert off.max_compression_ratio is None


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("max_headers", -1, ValueError),
        ("max_compression_ratio", 0, ValueError),
        ("max_headers", "10", TypeError),
        ("max_headers", True, TypeError),
        ("compression_ratio_floor", None, TypeError),
    ],
)
def test_bad_values_are_refused(field: str, value: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match=field):
        ClientLimits(**{field: value})


def test_payload_limit_errors_say_which_limit_and_how_to_raise_it() -> None:
    limits = ClientLimits(max_content_codings=1)
    with pytest.raises(TooManyContentCodings) as info:
        limits.check_content_codings(["gzip", "br"])
    limits.check_content_codings(["gzip"])
    errors = [
        (BodyTooLarge("max_body_size", 10, 11), "max_body_size"),
        (info.value, "max_content_codings"),
        (WebSocketMessageTooLarge("max_ws_message_size", 5, 6), "max_ws_message_size"),
    ]
    for error, name in errors:
        assert isinstance(error, ClientPayloadError)
        assert isinstance(error, LimitExceeded)
        assert error.limit == name
        assert f"ClientLimits.{name}=" in str(error)
        assert "raise it with ClientSession(limits=ClientLimits(" in str(error)
    assert issubclass(DecompressionLimitExceeded, ClientPayloadError)


def test_head_limit_signals_become_client_response_errors() -> None:
    for name, value in [("max_headers", 2), ("max_header_bytes", 100), ("max_informational", 1)]:
        signal = HeadLimitSignal(name, value, value + 1)
        request_info = RequestInfo(URL("http://h/"), "GET", CIMultiDict(), URL("http://h/"))
        error = ResponseHeadTooLarge.from_signal(signal, request_info)
        assert isinstance(error, ClientResponseError)
        assert error.status == 400
        assert (error.limit, error.value, error.actual) == (name, value, value + 1)
        assert f"ClientLimits.{name}=" in error.message
        assert error.__cause__ is signal


def test_redirect_limit_is_a_too_many_redirects() -> None:
    request_info = RequestInfo(URL("http://h/"), "GET", CIMultiDict(), URL("http://h/"))
    error = RedirectLimitExceeded(request_info, (), value=10, status=302)
    assert isinstance(error, TooManyRedirects)
    assert error.limit == "max_redirects"
    assert "10 redirects reached" in error.message


def test_messages_never_use_exponent_notation() -> None:
    error = BodyTooLarge("max_body_size", 1048576, 1048577)
    assert "1048576" in str(error)
    assert "e+" not in str(error)


# --- RetryPolicy ---------------------------------------------------------------------


def _response(status: int, **headers: str) -> Any:
    return SimpleNamespace(status=status, headers=CIMultiDict(headers))


def _policy(**kwargs: Any) -> ExponentialRetry:
    return ExponentialRetry(jitter="none", base_delay=1, **kwargs)


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = _policy(attempts=10, max_delay=5)
    assert [policy.backoff(a) for a in range(1, 6)] == [1, 2, 4, 5, 5]


def test_full_jitter_is_seeded_and_bounded() -> None:
    a = ExponentialRetry(random=random.Random(7), attempts=10)
    b = ExponentialRetry(random=random.Random(7), attempts=10)
    delays = [a.backoff(n) for n in range(1, 8)]
    assert delays == [b.backoff(n) for n in range(1, 8)]
    for n, delay in enumerate(delays, 1):
        assert 0 <= delay <= min(30, 0.5 * 2 ** (n - 1))
    equal = ExponentialRetry(random=random.Random(1), jitter="equal", base_delay=4)
    assert 2 <= equal.backoff(1) <= 4


def test_retries_statuses_for_idempotent_methods_only() -> None:
    policy = _policy()
    assert policy.delay_for(1, _response(503), "GET", True) == 1
    assert policy.delay_for(2, _response(503), "get", True) == 2
    assert policy.delay_for(3, _response(503), "GET", True) is None  # attempts exhausted
    assert policy.delay_for(1, _response(500), "GET", True) is None  # not a retried status
    assert policy.delay_for(1, _response(503), "POST", True) is None
    assert policy.delay_for(1, _response(503), "PUT", False) is None  # body streamed


def test_retry_after_seconds_and_http_date() -> None:
    policy = _policy()
    assert policy.delay_for(1, _response(429, **{"Retry-After": "7"}), "GET", True) == 7
    now = 1_700_000_000.0
    date = formatdate(now + 12, usegmt=True)
    assert policy.delay_for(1, _response(503, **{"Retry-After": date}), "GET", True, now=now) == 12
    past = formatdate(now - 100, usegmt=True)
    assert policy.delay_for(1, _response(503, **{"Retry-After": past}), "GET", True, now=now) == 1
    too_long = _response(503, **{"Retry-After": "3600"})
    assert policy.delay_for(1, too_long, "GET", True) is None
    assert _policy(respect_retry_after=False).delay_for(1, too_long, "GET", True) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("120", 120.0),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("Fri, 31 Dec 1999 23:59:59", None),  # an HTTP-date is always GMT
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, now=0) == expected


def test_exceptions_retried_when_safe() -> None:
    policy = _policy()
    disconnected = ServerDisconnectedError()
    assert policy.delay_for(1, disconnected, "GET", True) == 1
    assert policy.delay_for(1, SocketTimeoutError(), "HEAD", True) == 1
    assert policy.delay_for(1, TimeoutError(), "GET", True) == 1
    assert policy.delay_for(1, disconnected, "POST", True) is None  # may have been acted on
    assert policy.delay_for(1, ClientPayloadError("cut"), "GET", True) is None
    assert policy.delay_for(1, ValueError("bad"), "GET", True) is None


def test_a_request_that_never_left_is_retried_for_any_method() -> None:
    policy = _policy()
    error = ClientConnectorError(SimpleNamespace(host="h", port=1), OSError(111, "refused"))  # type: ignore[arg-type]
    assert error.request_sent is False  # a connect error says so itself
    assert policy.delay_for(1, error, "POST", True) == 1
    assert policy.delay_for(1, error, "POST", False) is None


def test_bad_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        ExponentialRetry(attempts=0)
    with pytest.raises(ValueError):
        ExponentialRetry(factor=0.5)
    with pytest.raises(ValueError):
        ExponentialRetry(jitter="some")  # type: ignore[arg-type]
