"""Deprecated arguments: the warnings aiohttp 3.14 gives, and its validation.

Code that runs warning-clean on aiohttp runs warning-clean on lamella, and
code run with ``-W error`` fails at the same calls. Each check is one call
from the session, so the send path stays a ladder of short steps.
"""

from __future__ import annotations

import ssl as ssl_module
import warnings
from typing import Any

from yarl import URL

from lamella_core.exceptions import InvalidURL

from .auth import BasicAuth

__all__ = ["check_proxy", "merge_ssl", "warn_auth_arguments", "warn_chunk_size"]

_AUTH = (
    "The 'auth' parameter is deprecated and will be removed in v4;"
    " pass headers={'Authorization': lamella.encode_basic_auth(login, password)} instead"
)
_PROXY_AUTH = (
    "The 'proxy_auth' parameter is deprecated and will be removed in v4;"
    " pass proxy_headers={'Proxy-Authorization': lamella.encode_basic_auth(login, password)}"
    " instead"
)
_EXCLUSIVE = "verify_ssl, ssl_context, fingerprint and ssl parameters are mutually exclusive"


def warn_auth_arguments(auth: object, proxy_auth: object, *, stacklevel: int = 3) -> None:
    """Warn for ``auth=`` and ``proxy_auth=``, as aiohttp does for sessions and requests."""
    if auth is not None:
        warnings.warn(_AUTH, DeprecationWarning, stacklevel=stacklevel)
    if proxy_auth is not None:
        warnings.warn(_PROXY_AUTH, DeprecationWarning, stacklevel=stacklevel)


def warn_chunk_size(chunked: object) -> None:
    """Warn for ``chunked=<int>``: a chunk size has long been ignored."""
    if chunked is not None and not isinstance(chunked, bool):
        warnings.warn("Chunk size is deprecated #1615", DeprecationWarning, stacklevel=3)


def check_proxy(proxy: str | URL | None, proxy_auth: object) -> URL | None:
    """The proxy URL, with aiohttp's validation of it and of its credentials.

    An empty string means no proxy, as in aiohttp (``proxy=os.environ.get(
    "PROXY", "")`` is a common spelling of "none").

    Raises:
        InvalidURL: ``proxy`` is not a URL with a host.
        TypeError: ``proxy`` is neither a string nor a URL.
        ValueError: ``proxy_auth`` is given but is not a ``BasicAuth``.
    """
    if proxy is None:
        return None
    try:
        url = URL(proxy)
    except ValueError as exc:
        raise InvalidURL(proxy) from exc
    if not url:
        return None
    if not url.raw_host:
        raise InvalidURL(proxy, "a proxy URL needs a host")
    if proxy_auth and not isinstance(proxy_auth, BasicAuth):
        raise ValueError("proxy_auth must be None or BasicAuth() tuple")
    return url


def merge_ssl(ssl: Any, verify_ssl: bool | None, ssl_context: Any) -> Any:
    """The one TLS setting of a request, from ``ssl=`` and its deprecated spellings.

    Raises:
        ValueError: a deprecated spelling was combined with ``ssl=``.
        TypeError: ``ssl`` is not a bool, an ``SSLContext`` or a certificate
            pin (an object with a ``check`` method, such as ``Fingerprint``).
    """
    if ssl is None:
        ssl = True  # aiohttp still takes None for True here
    if verify_ssl is not None and not verify_ssl:
        warnings.warn(
            "verify_ssl is deprecated, use ssl=False instead", DeprecationWarning, stacklevel=3
        )
        if ssl is not True:
            raise ValueError(_EXCLUSIVE)
        ssl = False
    if ssl_context is not None:
        warnings.warn(
            "ssl_context is deprecated, use ssl=context instead", DeprecationWarning, stacklevel=3
        )
        if ssl is not True:
            raise ValueError(_EXCLUSIVE)
        ssl = ssl_context
    if isinstance(ssl, (bool, ssl_module.SSLContext)):
        return ssl
    if not callable(getattr(ssl, "check", None)):  # a pin such as Fingerprint
        raise TypeError(
            f"ssl should be SSLContext, bool, Fingerprint or None, got {ssl!r} instead."
        )
    return ssl
