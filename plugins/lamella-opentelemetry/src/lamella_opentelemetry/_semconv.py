"""The stable OpenTelemetry HTTP client semantic conventions that lamella follows.

Attribute names and values as in the conventions (v1.26 and later, where the
HTTP ones are stable), kept here instead of importing the
``opentelemetry-semantic-conventions`` package, whose versions are pre-releases.
"""

from __future__ import annotations

from typing import Final

from yarl import URL

__all__ = [
    "DURATION_BUCKETS",
    "ERROR_TYPE",
    "HTTP_REQUEST_METHOD",
    "HTTP_REQUEST_METHOD_ORIGINAL",
    "HTTP_RESEND_COUNT",
    "HTTP_STATUS_CODE",
    "NETWORK_PROTOCOL_VERSION",
    "SCHEMA_URL",
    "SERVER_ADDRESS",
    "SERVER_PORT",
    "URL_FULL",
    "URL_SCHEME",
    "method_attributes",
    "redacted_url",
]

SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.26.0"

HTTP_REQUEST_METHOD: Final = "http.request.method"
HTTP_REQUEST_METHOD_ORIGINAL: Final = "http.request.method_original"
HTTP_RESEND_COUNT: Final = "http.request.resend_count"
HTTP_STATUS_CODE: Final = "http.response.status_code"
ERROR_TYPE: Final = "error.type"
NETWORK_PROTOCOL_VERSION: Final = "network.protocol.version"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
URL_FULL: Final = "url.full"
URL_SCHEME: Final = "url.scheme"

# The advised boundaries of http.client.request.duration, in seconds.
DURATION_BUCKETS: Final = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip

# RFC 9110's methods and PATCH (RFC 5789): any other is reported as "_OTHER".
_KNOWN_METHODS: Final = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
# Query parameters whose values the conventions ask to redact: signatures and keys.
_SENSITIVE_QUERY: Final = frozenset({"AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"})
_REDACTED: Final = "REDACTED"


def method_attributes(method: str) -> dict[str, str]:
    """``http.request.method`` (and ``_original`` for a method outside the known set)."""
    upper = method.upper()
    if upper in _KNOWN_METHODS:
        return {HTTP_REQUEST_METHOD: upper}
    return {HTTP_REQUEST_METHOD: "_OTHER", HTTP_REQUEST_METHOD_ORIGINAL: method}


def redacted_url(url: URL) -> str:
    """``url.full``: credentials and the values of signature parameters replaced by REDACTED."""
    if url.user is not None or url.password is not None:
        url = url.with_user(_REDACTED).with_password(_REDACTED)
    if url.query and not _SENSITIVE_QUERY.isdisjoint(url.query):
        url = url.with_query(
            [(k, _REDACTED if k in _SENSITIVE_QUERY else v) for k, v in url.query.items()]
        )
    return str(url.with_fragment(None))
