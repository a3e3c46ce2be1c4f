"""Merging a session's defaults into one request: the helpers of ``ClientSession._request``.

``Defaults`` is a mixin of ``ClientSession``. Its methods turn the
arguments of a request and the session's settings into what the send
ladder takes: the URL, the merged headers, the body payload, and the
``RequestOptions`` every hop shares (with the ``ClientRequest`` arguments
in them). They run once per request, before the first hop.
"""

from __future__ import annotations

import ssl as ssl_module
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict, istr
from yarl import URL

from lamella_core._content.bodies import request_body
from lamella_core._content.compression import compress_coding, compress_payload
from lamella_core._content.decoders import ContentDecoder
from lamella_core._content.payloads import JsonBytesPayload, JsonPayload, Payload
from lamella_core._http import HttpVersion
from lamella_core._limits import ClientLimits
from lamella_core._pool.http11 import ParserLimits
from lamella_core._timeouts import ClientTimeout, as_timeout
from lamella_core.abc import AbstractCookieJar
from lamella_core.exceptions import InvalidUrlClientError, NonHttpUrlClientError

from .auth import BasicAuth, NetrcCredentials
from .cookie_header import as_simple_cookie
from .deprecations import check_proxy, merge_ssl, warn_chunk_size
from .middlewares import ClientMiddlewareType
from .options import RequestOptions, merged_limits, parser_arguments
from .request import ALLOWED_SCHEMES
from .session_plugins import SessionPlugins

if TYPE_CHECKING:
    from lamella_core._pool.connector import BaseConnector
    from lamella_core.tracing import Trace

    from .retry import RetryPolicy
    from .upload import UploadTracker

__all__ = ["NOT_SET", "Defaults"]

NOT_SET: Any = object()  # an argument not given, where None means something
_NO_TRACES: list[Trace] = []  # shared and never appended to: sessions without tracing


class Defaults:
    """The per-request merging of a session's settings, mixed into ``ClientSession``."""

    __slots__ = ()

    # Set by ClientSession.__init__.
    _base_url: URL | None
    _default_headers: CIMultiDict[str]
    _skip_auto_headers: frozenset[istr]
    _default_auth: BasicAuth | None
    _json_serialize: Callable[[Any], str]
    _json_serialize_bytes: Callable[[Any], bytes] | None
    _timeout: ClientTimeout
    _auto_decompress: bool
    _trust_env: bool
    _netrc: NetrcCredentials | None
    _cookie_jar: AbstractCookieJar
    _proxy: URL | None
    _proxy_auth: BasicAuth | None
    _read_bufsize: int
    _retry: RetryPolicy | None
    _client_limits: ClientLimits
    _parser_limits: ParserLimits
    _make_decoder: Callable[[list[bytes]], ContentDecoder | None]
    _version: HttpVersion
    _trace_configs: list[Any]
    _middlewares: tuple[ClientMiddlewareType, ...]
    _force_close: bool
    _plugins: SessionPlugins
    _make_traces: Callable[[Any], list[Trace]]  # the session's: tracing is typed on it
    _request_defaults: list[dict[str, Any]]  # none or one: see _default_request_kwargs
    _urls: dict[str, URL]  # see _build_url
    _connector: BaseConnector | None

    def _options(
        self,
        *,
        cookies: Any = None,
        allow_redirects: bool = True,
        max_redirects: int | None = None,
        read_until_eof: bool = True,
        timeout: ClientTimeout | float | None = NOT_SET,
        trace_request_ctx: Any = None,
        read_bufsize: int | None = None,
        auto_decompress: bool | None = None,
        max_line_size: int | None = None,
        max_field_size: int | None = None,
        max_headers: int | None = None,
        limits: ClientLimits | None = None,
        retry: RetryPolicy | None = NOT_SET,
        middlewares: Iterable[ClientMiddlewareType] | None = None,
        upload_tracker: UploadTracker | None = None,
        **request_settings: Any,
    ) -> RequestOptions:
        """What every hop of the request shares: the session's defaults where not given.

        ``request_settings`` are the ``ClientRequest`` arguments that
        :meth:`_request_kwargs` reads.
        """
        timeout = self._timeout if timeout is NOT_SET else as_timeout(timeout)
        decompress = self._auto_decompress if auto_decompress is None else auto_decompress
        request_limits, request_parser_limits, make_decoder = self._limits_for(
            limits, max_line_size, max_field_size, max_headers
        )
        if max_redirects is None:
            max_redirects = request_limits.max_redirects
        deadline = None if timeout.total is None else self._loop_time() + timeout.total
        return RequestOptions(
            timeout=timeout,
            deadline=deadline,
            limits=request_limits,
            parser_limits=request_parser_limits,
            read_bufsize=read_bufsize or self._read_bufsize,
            read_until_eof=read_until_eof,
            make_decoder=make_decoder if decompress else None,
            request_cookies=as_simple_cookie(cookies, quote=self._cookie_jar.quote_cookie)
            if cookies
            else None,
            req_kwargs=self._request_kwargs(**request_settings)
            if request_settings
            else self._default_request_kwargs(),
            traces=self._make_traces(trace_request_ctx) if self._trace_configs else _NO_TRACES,
            retry=self._retry if retry is NOT_SET else retry,
            # None or 0: no limit, as in aiohttp
            max_redirects=(max_redirects or sys.maxsize) if allow_redirects else None,
            middlewares=self._middlewares if middlewares is None else tuple(middlewares),
            upload_tracker=upload_tracker,
        )

    def _loop_time(self) -> float:
        """The event loop's clock, which the request's total deadline is set on.

        Read from the loop the connector runs on (the running loop, bound at
        its first request): ``asyncio.get_running_loop()`` makes a
        ``getpid()`` system call on Python 3.11, once a request otherwise.
        """
        connector = self._connector
        assert connector is not None  # _check_arguments refused a closed session
        return connector._get_loop().time()

    def _plain_options(self, settings: dict[str, Any]) -> RequestOptions:
        """:meth:`_options` for a request whose ``settings`` set none but ``allow_redirects``:
        the session's settings, passed in order, without parsing sixteen keywords.
        Called before the body is opened, as :meth:`_options` is (a misspelt
        argument opens no body)."""
        allow_redirects = settings.get("allow_redirects", True)
        timeout = self._timeout
        deadline = None if timeout.total is None else self._loop_time() + timeout.total
        limits = self._client_limits
        return RequestOptions(
            timeout,
            deadline,
            limits,
            self._parser_limits,
            self._read_bufsize,
            True,
            self._make_decoder if self._auto_decompress else None,
            None,
            self._default_request_kwargs(),
            self._make_traces(None) if self._trace_configs else _NO_TRACES,
            self._retry,
            (limits.max_redirects or sys.maxsize) if allow_redirects else None,
            self._middlewares,
        )

    def _limits_for(
        self,
        limits: ClientLimits | None,
        max_line_size: int | None,
        max_field_size: int | None,
        max_headers: int | None,
    ) -> tuple[ClientLimits, ParserLimits, Callable[[list[bytes]], ContentDecoder | None]]:
        """The request's limits, the parser's share of them and the decoder factory they bound.

        A request that sets none gets the session's, worked out once.
        """
        if limits is None and max_line_size is None and max_field_size is None and not max_headers:
            return self._client_limits, self._parser_limits, self._make_decoder
        merged = merged_limits(
            limits or self._client_limits, max_line_size, max_field_size, max_headers
        )
        return merged, parser_arguments(merged), self._plugins.decoder_factory(merged)

    def _request_kwargs(
        self,
        *,
        skip_auto_headers: Iterable[str] | None = None,
        chunked: bool | None = None,
        expect100: bool = False,
        proxy: str | URL | None = None,
        proxy_auth: BasicAuth | None = None,
        verify_ssl: bool | None = None,
        ssl_context: ssl_module.SSLContext | None = None,
        ssl: Any = True,
        server_hostname: str | None = None,
        proxy_headers: Any = None,
        version: HttpVersion | None = None,
    ) -> dict[str, Any]:
        """The arguments every hop's ``ClientRequest`` gets, the session's defaults merged.

        All but ``session`` and ``deadline``, which ``_make_request`` adds: so
        a request that sets none of them gets the one dict
        :meth:`_default_request_kwargs` keeps, and that identity tells
        ``_make_request`` its request has a shape it may have built before.
        """
        warn_chunk_size(chunked)
        ssl = merge_ssl(ssl, verify_ssl, ssl_context)
        return {
            "skip_auto_headers": self._skip_auto_headers.union(
                istr(name) for name in skip_auto_headers
            )
            if skip_auto_headers
            else self._skip_auto_headers,
            "chunked": chunked,
            "expect100": expect100,
            "ssl": ssl,
            "server_hostname": server_hostname,
            "version": version or self._version,
            "accept_encoding": self._plugins.accept_encoding,
            "proxy": check_proxy(
                self._proxy if proxy is None else proxy, proxy_auth or self._proxy_auth
            ),
            "proxy_auth": proxy_auth or self._proxy_auth,
            "proxy_headers": CIMultiDict(proxy_headers) if proxy_headers else None,
            "force_close": self._force_close,
        }

    def _default_request_kwargs(self) -> dict[str, Any]:
        """:meth:`_request_kwargs` for a request that sets none of them, worked out
        on the first such request: the session's settings do not change after."""
        kept = self._request_defaults
        if not kept:  # a bad session proxy raises here, on every request, as before
            kept.append(self._request_kwargs())
        return kept[0]

    def _target(
        self, str_or_url: str | URL, params: Any, headers: Any, auth: BasicAuth | None
    ) -> tuple[URL, CIMultiDict[str], BasicAuth | None]:
        """The request's URL, its headers merged with the session's, and its credentials.

        With ``trust_env``, the netrc file has been loaded (``_netrc.load()``) first.

        Raises:
            ValueError: credentials given twice (``auth``, in the URL, an
                ``Authorization`` header).
        """
        url = self._build_url(str_or_url, params)
        if auth is not None and url.raw_user is not None:
            raise ValueError("Cannot combine AUTH argument with credentials encoded in URL")
        merged = self._merge_headers(headers)
        if auth is None and url.raw_user is None and (self._default_auth or self._trust_env):
            auth = self._implicit_auth(url, merged)
        if (auth is not None or url.raw_user is not None) and "Authorization" in merged:
            raise ValueError(
                "Cannot combine AUTHORIZATION header with AUTH argument"
                " or credentials encoded in URL"
            )
        if auth is None and url.raw_user is not None:
            # The URL's credentials go on to a redirect within its origin, as in aiohttp.
            auth = BasicAuth.from_url(url)
        return url, merged, auth

    def _implicit_auth(self, url: URL, headers: CIMultiDict[str]) -> BasicAuth | None:
        """Credentials for a request that brings none: the session's ``auth``, within
        ``base_url``'s origin only, else with ``trust_env`` the netrc entry for the host."""
        if self._default_auth is not None and (
            self._base_url is None or url.origin() == self._base_url.origin()
        ):
            return self._default_auth
        if self._netrc is not None and url.raw_host and "Authorization" not in headers:
            return self._netrc.auth_for(url.raw_host)
        return None

    def _body_for(
        self,
        data: Any,
        json: Any,
        encoding: str,
        compress: bool | str | None,
        headers: CIMultiDict[str],
    ) -> Payload | None:
        """The payload for ``data`` or ``json``, compressed when asked."""
        if json is not None:
            body: Payload = (
                JsonPayload(json, dumps=self._json_serialize)
                if self._json_serialize_bytes is None
                else JsonBytesPayload(json, dumps=self._json_serialize_bytes)
            )
        elif data is None:
            return None
        else:
            body = request_body(data, encoding=encoding)
        coding = compress_coding(compress)
        if coding:
            if "Content-Encoding" in headers:
                raise ValueError("compress can not be set if Content-Encoding header is set")
            if "Content-Length" in headers:
                raise ValueError("compress can not be set if Content-Length header is set")
            body = compress_payload(body, coding)
            headers["Content-Encoding"] = coding
        return body

    # --- helpers ---------------------------------------------------------------------

    def _build_url(self, str_or_url: str | URL, params: Any) -> URL:
        """The request's URL, joined to ``base_url`` and checked.

        A URL given as a string without ``params`` is parsed once per session
        (the same URL is requested again and again): the result is immutable,
        and the table is emptied when it holds 256.
        """
        if params is None and type(str_or_url) is str:
            url = self._urls.get(str_or_url)
            if url is None:
                url = self._parse_url(str_or_url, None)
                if len(self._urls) >= 256:
                    self._urls.clear()
                self._urls[str_or_url] = url
            return url
        return self._parse_url(str_or_url, params)

    def _parse_url(self, str_or_url: str | URL, params: Any) -> URL:
        try:
            url = URL(str_or_url)
        except (ValueError, TypeError) as exc:
            raise InvalidUrlClientError(str_or_url) from exc
        if self._base_url is not None and not url.is_absolute():
            url = self._base_url.join(url)
        if params is not None:
            url = url.extend_query(params)
        if url.scheme not in ALLOWED_SCHEMES:
            if not url.scheme:
                raise InvalidUrlClientError(url)
            raise NonHttpUrlClientError(url)
        return url

    def _merge_headers(self, headers: Any) -> CIMultiDict[str]:
        if not headers:
            return self._default_headers.copy() if self._default_headers else CIMultiDict()
        extra: CIMultiDict[str] = CIMultiDict(headers)
        if not self._default_headers:
            return extra
        merged = self._default_headers.copy()
        for name in extra:
            merged.popall(name, None)
        merged.extend(extra)
        return merged
