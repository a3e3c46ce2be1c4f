"""``ClientSession``: connection pool, defaults and the send path of requests.

The send path is a ladder of short steps, each with one concern:
``_request`` (merge session defaults, build the options) ->
``_send_handling_redirects`` (which also retries, once, an idempotent
request that a reused connection dropped before any byte) ->
``_send_single_request`` (lend a connection, write, read the head).
Plugin hooks are resolved once in ``__init__``; the path makes no hook call.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import ssl as ssl_module
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict, istr
from yarl import URL

from lamella_core._content.bodies import request_body
from lamella_core._content.payloads import (
    JsonPayload,
    Payload,
    compress_coding,
    compress_payload,
)
from lamella_core._cookies import DummyCookieJar
from lamella_core._http import IDEMPOTENT_METHODS, HttpVersion, HttpVersion11
from lamella_core._limits import ClientLimits
from lamella_core._pool.connector import BaseConnector
from lamella_core._pool.http11 import ResponseHeadError
from lamella_core._timeouts import DEFAULT_TIMEOUT, ClientTimeout, as_timeout
from lamella_core.abc import AbstractCookieJar
from lamella_core.exceptions import (
    ClientConnectionError,
    ClientOSError,
    ClientResponseError,
    HeadLimitSignal,
    InvalidUrlClientError,
    NonHttpUrlClientError,
    RedirectLimitExceeded,
    ResponseHeadTooLarge,
    ServerDisconnectedError,
)

from .auth import BasicAuth, netrc_auth
from .contexts import RequestContextManager
from .cookie_header import as_simple_cookie, cookie_header
from .exchange import write_request
from .options import RequestOptions, deadline_passed, merged_limits, parser_arguments
from .redirects import REDIRECT_STATUSES, next_request, redirect_target
from .request import ALLOWED_SCHEMES, ClientRequest
from .response import ClientResponse
from .session_plugins import SessionPlugins

if TYPE_CHECKING:
    from lamella_core.tracing import Trace

    from .retry import RetryPolicy

__all__ = ["ClientSession"]

_NOT_SET: Any = object()
_NO_TRACES: list[Trace] = []  # shared and never appended to: sessions without tracing
_RaiseForStatus = bool | Callable[[ClientResponse], Awaitable[None]]


class ClientSession:
    """A pool of connections, default headers, cookies and timeouts shared by requests.

    Create one per application and reuse it: connections are kept alive
    between requests. Use it with ``async with`` or call :meth:`close`.
    """

    def __init__(
        self,
        base_url: str | URL | None = None,
        *,
        connector: BaseConnector | None = None,
        cookies: Any = None,
        headers: Any = None,
        skip_auto_headers: Iterable[str] | None = None,
        auth: BasicAuth | None = None,
        json_serialize: Callable[[Any], str] = jsonlib.dumps,
        cookie_jar: AbstractCookieJar | None = None,
        connector_owner: bool = True,
        raise_for_status: _RaiseForStatus = False,
        timeout: ClientTimeout | float | None = _NOT_SET,
        auto_decompress: bool = True,
        trust_env: bool = False,
        proxy: str | URL | None = None,
        proxy_auth: BasicAuth | None = None,
        requote_redirect_url: bool = True,
        read_bufsize: int = 2**16,
        max_line_size: int | None = None,
        max_field_size: int | None = None,
        max_headers: int | None = None,
        limits: ClientLimits | None = None,
        retry: RetryPolicy | None = None,
        version: HttpVersion = HttpVersion11,
        fallback_charset_resolver: Callable[[ClientResponse, bytes], str] | None = None,
        trace_configs: Iterable[Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self._connector: BaseConnector | None = None  # so __del__ is safe if we fail below
        self._base_url = None if base_url is None else URL(base_url)
        if self._base_url is not None and not (
            self._base_url.is_absolute() and self._base_url.path.endswith("/")
        ):
            raise ValueError("base_url must be absolute and its path must end with '/'")
        plugins = SessionPlugins.resolve()
        self._plugins = plugins
        self._connector = connector if connector is not None else plugins.new_connector()
        self._connector_owner = connector_owner
        self._force_close = self._connector.force_close
        self._cookie_jar = cookie_jar if cookie_jar is not None else plugins.new_cookie_jar()
        self._uses_cookies = not isinstance(self._cookie_jar, DummyCookieJar)
        if cookies is not None:
            self._cookie_jar.update_cookies(cookies)
        self._default_headers: CIMultiDict[str] = CIMultiDict(headers or {})
        self._skip_auto_headers = frozenset(istr(name) for name in skip_auto_headers or ())
        self._default_auth = auth
        self._json_serialize = json_serialize
        self._raise_for_status = raise_for_status
        self._timeout = (
            DEFAULT_TIMEOUT if timeout is _NOT_SET or timeout is None else as_timeout(timeout)
        )
        self._auto_decompress = auto_decompress
        self._trust_env = trust_env
        self._proxy = None if proxy is None else URL(proxy)
        self._proxy_auth = proxy_auth
        self._proxy_connectors: dict[URL, BaseConnector] = {}
        self._requote_redirect_url = requote_redirect_url
        self._read_bufsize = read_bufsize
        self._retry = retry
        self._set_limits(
            merged_limits(limits or ClientLimits(), max_line_size, max_field_size, max_headers)
        )
        self._version = version
        self._fallback_charset_resolver = fallback_charset_resolver
        self._trace_configs = list(trace_configs or ())
        plugins.session_created(self)  # may append trace configs
        for trace_config in self._trace_configs:
            trace_config.freeze()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<ClientSession {state} connector={self._connector!r}>"

    # --- attributes --------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the session is closed."""
        return self._connector is None or self._connector.closed

    @property
    def connector(self) -> BaseConnector | None:
        """The connector the session lends connections from."""
        return self._connector

    @property
    def connector_owner(self) -> bool:
        """True when closing the session closes the connector."""
        return self._connector_owner

    @property
    def cookie_jar(self) -> AbstractCookieJar:
        """The session's cookie jar."""
        return self._cookie_jar

    @property
    def headers(self) -> CIMultiDict[str]:
        """Headers sent with every request."""
        return self._default_headers

    @property
    def skip_auto_headers(self) -> frozenset[istr]:
        """Automatic headers the session does not add."""
        return self._skip_auto_headers

    @property
    def auth(self) -> BasicAuth | None:
        """Credentials sent with every request."""
        return self._default_auth

    @property
    def timeout(self) -> ClientTimeout:
        """The default timeouts of requests."""
        return self._timeout

    @property
    def json_serialize(self) -> Callable[[Any], str]:
        """The function that turns ``json=`` arguments into text."""
        return self._json_serialize

    @property
    def raise_for_status(self) -> _RaiseForStatus:
        """Whether responses of 400 and above raise, or the callable that checks them."""
        return self._raise_for_status

    @property
    def auto_decompress(self) -> bool:
        """True when gzip and deflate bodies are decompressed."""
        return self._auto_decompress

    @property
    def trust_env(self) -> bool:
        """True when proxy settings are read from the environment."""
        return self._trust_env

    @property
    def requote_redirect_url(self) -> bool:
        """True when redirect locations are re-encoded; settable, for later requests."""
        return self._requote_redirect_url

    @requote_redirect_url.setter
    def requote_redirect_url(self, value: bool) -> None:
        self._requote_redirect_url = value

    @property
    def version(self) -> HttpVersion:
        """The HTTP version requests use."""
        return self._version

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The running event loop."""
        return asyncio.get_running_loop()

    # --- verbs -------------------------------------------------------------------

    def request(self, method: str, url: str | URL, **kwargs: Any) -> RequestContextManager:
        """Send a request; await it or use it with ``async with``."""
        return RequestContextManager(self._request(method, url, **kwargs))

    def get(
        self, url: str | URL, *, allow_redirects: bool = True, **kwargs: Any
    ) -> RequestContextManager:
        """Send a GET request."""
        return RequestContextManager(
            self._request("GET", url, allow_redirects=allow_redirects, **kwargs)
        )

    def options(
        self, url: str | URL, *, allow_redirects: bool = True, **kwargs: Any
    ) -> RequestContextManager:
        """Send an OPTIONS request."""
        return RequestContextManager(
            self._request("OPTIONS", url, allow_redirects=allow_redirects, **kwargs)
        )

    def head(
        self, url: str | URL, *, allow_redirects: bool = False, **kwargs: Any
    ) -> RequestContextManager:
        """Send a HEAD request; redirects are not followed unless asked."""
        return RequestContextManager(
            self._request("HEAD", url, allow_redirects=allow_redirects, **kwargs)
        )

    def post(self, url: str | URL, *, data: Any = None, **kwargs: Any) -> RequestContextManager:
        """Send a POST request."""
        return RequestContextManager(self._request("POST", url, data=data, **kwargs))

    def put(self, url: str | URL, *, data: Any = None, **kwargs: Any) -> RequestContextManager:
        """Send a PUT request."""
        return RequestContextManager(self._request("PUT", url, data=data, **kwargs))

    def patch(self, url: str | URL, *, data: Any = None, **kwargs: Any) -> RequestContextManager:
        """Send a PATCH request."""
        return RequestContextManager(self._request("PATCH", url, data=data, **kwargs))

    def delete(self, url: str | URL, **kwargs: Any) -> RequestContextManager:
        """Send a DELETE request."""
        return RequestContextManager(self._request("DELETE", url, **kwargs))

    def ws_connect(self, url: str | URL, **kwargs: Any) -> Any:
        """Open a WebSocket; needs the lamella-websocket distribution."""
        return self._plugins.ws_connect(self, url, **kwargs)

    # --- lifecycle ---------------------------------------------------------------

    async def close(self) -> None:
        """Close the session, and its connector when the session owns it."""
        connector = self._connector
        if connector is not None and not connector.closed and self._connector_owner:
            await connector.close()
        self._connector = None
        for proxy_connector in self._proxy_connectors.values():
            await proxy_connector.close()
        self._proxy_connectors.clear()

    def detach(self) -> None:
        """Forget the connector without closing it."""
        self._connector = None

    async def __aenter__(self) -> ClientSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __del__(self, _warnings: Any = warnings) -> None:
        connector = self._connector
        if connector is not None and self._connector_owner and not connector.closed:
            _warnings.warn(f"Unclosed client session {self!r}", ResourceWarning, source=self)

    @property
    def retry(self) -> RetryPolicy | None:
        """The retry policy of the session's requests (None: no retries)."""
        return self._retry

    @property
    def limits(self) -> ClientLimits:
        """The bounds every response of this session is held to."""
        return self._client_limits

    def _set_limits(self, limits: ClientLimits) -> None:
        self._client_limits = limits
        self._parser_limits = parser_arguments(limits)
        self._make_decoder = self._plugins.decoder_factory(limits)

    @property
    def trace_configs(self) -> list[Any]:
        """The trace configs whose signals fire for this session's requests."""
        return self._trace_configs

    # --- the send path -------------------------------------------------------------

    async def _request(
        self,
        method: str,
        str_or_url: str | URL,
        *,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        cookies: Any = None,
        headers: Any = None,
        skip_auto_headers: Iterable[str] | None = None,
        auth: BasicAuth | None = None,
        allow_redirects: bool = True,
        max_redirects: int | None = None,
        compress: bool | str | None = None,
        chunked: bool | None = None,
        expect100: bool = False,
        raise_for_status: _RaiseForStatus | None = None,
        read_until_eof: bool = True,
        proxy: str | URL | None = None,
        proxy_auth: BasicAuth | None = None,
        timeout: ClientTimeout | float | None = _NOT_SET,
        verify_ssl: bool | None = None,
        ssl_context: ssl_module.SSLContext | None = None,
        ssl: Any = True,
        server_hostname: str | None = None,
        proxy_headers: Any = None,
        trace_request_ctx: Any = None,
        read_bufsize: int | None = None,
        auto_decompress: bool | None = None,
        max_line_size: int | None = None,
        max_field_size: int | None = None,
        max_headers: int | None = None,
        limits: ClientLimits | None = None,
        retry: RetryPolicy | None = _NOT_SET,
        version: HttpVersion | None = None,
        encoding: str = "utf-8",
    ) -> ClientResponse:
        if self.closed:
            raise RuntimeError("Session is closed")
        if data is not None and json is not None:
            raise ValueError("data and json parameters can not be used at the same time")
        url = self._build_url(str_or_url, params)
        if auth is not None and url.raw_user is not None:
            raise ValueError("Cannot combine AUTH argument with credentials encoded in URL")
        merged = self._merge_headers(headers)
        if auth is None and url.raw_user is None and (self._default_auth or self._trust_env):
            auth = await self._implicit_auth(url, merged)
        if (auth is not None or url.raw_user is not None) and "Authorization" in merged:
            raise ValueError(
                "Cannot combine AUTHORIZATION header with AUTH argument"
                " or credentials encoded in URL"
            )
        body = self._body_for(data, json, encoding, compress, merged)
        skip = (
            self._skip_auto_headers.union(istr(name) for name in skip_auto_headers)
            if skip_auto_headers
            else self._skip_auto_headers
        )
        if verify_ssl is False:
            ssl = False
        elif ssl_context is not None:
            ssl = ssl_context
        timeout = self._timeout if timeout is _NOT_SET else as_timeout(timeout)
        decompress = self._auto_decompress if auto_decompress is None else auto_decompress
        if limits is None and max_line_size is None and max_field_size is None and not max_headers:
            request_limits = self._client_limits
            request_parser_limits, make_decoder = self._parser_limits, self._make_decoder
        else:
            request_limits = merged_limits(
                limits or self._client_limits, max_line_size, max_field_size, max_headers
            )
            request_parser_limits = parser_arguments(request_limits)
            make_decoder = self._plugins.decoder_factory(request_limits)
        if max_redirects is None:
            max_redirects = request_limits.max_redirects
        deadline = (
            None if timeout.total is None else asyncio.get_running_loop().time() + timeout.total
        )
        options = RequestOptions(
            timeout=timeout,
            deadline=deadline,
            limits=request_limits,
            parser_limits=request_parser_limits,
            read_bufsize=read_bufsize or self._read_bufsize,
            read_until_eof=read_until_eof,
            make_decoder=make_decoder if decompress else None,
            request_cookies=as_simple_cookie(cookies) if cookies else None,
            req_kwargs={
                "skip_auto_headers": skip,
                "chunked": chunked,
                "expect100": expect100,
                "ssl": ssl,
                "server_hostname": server_hostname,
                "version": version or self._version,
                "accept_encoding": self._plugins.accept_encoding,
                "proxy": self._proxy if proxy is None else URL(proxy),
                "proxy_auth": proxy_auth or self._proxy_auth,
                "proxy_headers": CIMultiDict(proxy_headers) if proxy_headers else None,
                "force_close": self._force_close,
                "deadline": deadline,
            },
            traces=self._make_traces(trace_request_ctx) if self._trace_configs else _NO_TRACES,
            retry=self._retry if retry is _NOT_SET else retry,
        )
        for trace in options.traces:
            await trace.send_request_start(method, url, merged)
        check = self._raise_for_status if raise_for_status is None else raise_for_status
        try:
            resp = await self._send_handling_redirects(
                method.upper(),
                url,
                merged,
                body,
                auth,
                options,
                (max_redirects or sys.maxsize)  # None or 0: no limit, as in aiohttp
                if allow_redirects
                else None,
            )
            if check is True:
                resp.raise_for_status()
            elif check:
                await check(resp)
        except BaseException as exc:
            for trace in options.traces:
                await trace.send_request_exception(method, url, merged, exc)
            raise
        finally:
            if body is not None:
                await body.close()  # files given as data are closed, as aiohttp does
        for trace in options.traces:
            # The final hop's request, as aiohttp reports it after redirects.
            info = resp.request_info
            await trace.send_request_end(info.method, info.url, info.headers, resp)
        return resp

    async def _implicit_auth(self, url: URL, headers: CIMultiDict[str]) -> BasicAuth | None:
        """Credentials for a request that brings none: the session's ``auth``, within
        ``base_url``'s origin only, else with ``trust_env`` the netrc entry for the host."""
        if self._default_auth is not None and (
            self._base_url is None or url.origin() == self._base_url.origin()
        ):
            return self._default_auth
        if self._trust_env and url.raw_host and "Authorization" not in headers:
            return await asyncio.to_thread(netrc_auth, url.raw_host)
        return None

    def _make_traces(self, trace_request_ctx: Any) -> list[Trace]:
        from lamella_core.tracing import make_traces  # loaded only by sessions that trace

        return make_traces(self, self._trace_configs, trace_request_ctx)

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
            body: Payload = JsonPayload(json, dumps=self._json_serialize)
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

    async def _send_handling_redirects(
        self,
        method: str,
        url: URL,
        headers: CIMultiDict[str],
        body: Payload | None,
        auth: BasicAuth | None,
        options: RequestOptions,
        max_redirects: int | None,
    ) -> ClientResponse:
        """Send, and follow redirects while ``max_redirects`` allows (None: never)."""
        history: list[ClientResponse] = []
        while True:
            req = self._make_request(method, url, headers, body, auth, options)
            if options.retry is None:
                resp = await self._send_once(req, options, history)
            else:
                resp = await self._send_with_policy(req, options, history, options.retry)
            if resp.status == 417 and req.expect100 and (body is None or body.reusable):
                # RFC 9110 section 10.1.1: repeat the request without the expectation.
                resp.release()
                options.req_kwargs = {**options.req_kwargs, "expect100": False}
                continue
            if max_redirects is None or resp.status not in REDIRECT_STATUSES:
                return resp
            location = resp.headers.get("Location") or resp.headers.get("URI")
            if location is None:
                return resp
            for trace in options.traces:
                await trace.send_request_redirect(method, url, headers, resp)
            history.append(resp)
            # aiohttp's count: the max_redirects-th redirect is refused, not followed.
            if len(history) >= max_redirects:
                resp.close()
                raise RedirectLimitExceeded(
                    history[0].request_info,
                    tuple(history),
                    value=max_redirects,
                    status=resp.status,
                    headers=resp.headers,
                )
            resp.release()
            new_url = redirect_target(resp.url, location, requote=self._requote_redirect_url)
            method, body, headers, auth = next_request(
                resp.status, method, body, headers, auth, url, new_url
            )
            if new_url.raw_user is not None:  # they supersede earlier credentials
                auth = BasicAuth.from_url(new_url)
            if new_url.origin() != url.origin():
                options.request_cookies = None  # the caller's cookies were for the first origin
            url = new_url

    def _make_request(
        self,
        method: str,
        url: URL,
        headers: CIMultiDict[str],
        body: Payload | None,
        auth: BasicAuth | None,
        options: RequestOptions,
    ) -> ClientRequest:
        jar = self._cookie_jar.filter_cookies(url) if self._uses_cookies else None
        if jar or options.request_cookies:
            headers = headers.copy()
            headers["Cookie"] = cookie_header(headers.get("Cookie"), jar, options.request_cookies)
        req_kwargs = options.req_kwargs
        if req_kwargs["proxy"] is None and self._trust_env:
            assert self._connector is not None
            found = self._connector.proxy_from_env(url)
            if found is not None:
                req_kwargs = {**req_kwargs, "proxy": found[0], "proxy_auth": found[1]}
        return ClientRequest(method, url, headers=headers, body=body, auth=auth, **req_kwargs)

    async def _send_once(
        self, req: ClientRequest, options: RequestOptions, history: list[ClientResponse]
    ) -> ClientResponse:
        """Send ``req``, again on a new connection if a reused one was found dead."""
        try:
            return await self._send_single_request(req, options, history)
        except (ServerDisconnectedError, ClientOSError) as exc:
            if not self._retryable(req, exc):
                raise
        # Other pooled connections may be as stale: retry on a new one.
        self._connector_for(req.proxy).drop_idle(req.connection_key)
        return await self._send_single_request(req, options, history)

    async def _send_with_policy(
        self,
        req: ClientRequest,
        options: RequestOptions,
        history: list[ClientResponse],
        policy: RetryPolicy,
    ) -> ClientResponse:
        """Send ``req``, and again while ``policy`` asks, within the total deadline."""
        replayable = req.body is None or req.body.reusable
        loop = asyncio.get_running_loop()
        attempt = 1
        while True:
            try:
                resp = await self._send_once(req, options, history)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = policy.delay_for(attempt, exc, req.method, replayable)
                if delay is None or deadline_passed(options.deadline, loop.time() + delay):
                    raise
            else:
                delay = policy.delay_for(attempt, resp, req.method, replayable)
                if delay is None or deadline_passed(options.deadline, loop.time() + delay):
                    return resp
                resp.release()
            await asyncio.sleep(delay)
            attempt += 1

    @staticmethod
    def _retryable(req: ClientRequest, exc: ClientConnectionError) -> bool:
        """A reused connection died before any response byte: safe to send again."""
        return (
            exc.stale_connection
            and req.method in IDEMPOTENT_METHODS
            and (req.body is None or req.body.reusable)
        )

    async def _send_single_request(
        self,
        req: ClientRequest,
        options: RequestOptions,
        history: list[ClientResponse],
    ) -> ClientResponse:
        connector = self._connector_for(req.proxy)
        head_bytes = req.head_bytes()  # refuses bad input before a connection is taken
        # A pooled connection comes back without awaiting, so without a timer;
        # the connector bounds waiting and opening by the connect budget.
        conn = await connector.connect(req, options.traces, options.timeout)
        protocol = conn.protocol
        assert protocol is not None
        try:
            exchange = protocol.begin(
                req.method,
                limits=options.parser_limits,
                read_bufsize=options.read_bufsize,
                sock_read=options.timeout.sock_read,
                deadline=options.deadline,
                make_decoder=options.make_decoder,
                expect_continue=req.expect100,
                read_until_eof=options.read_until_eof,
                max_body_size=options.limits.max_body_size,
                keep_alive=req.keep_alive,
            )
            await write_request(exchange, req, head_bytes, options.deadline, options.traces)
            head, stream = await exchange.read_head()
        except HeadLimitSignal as signal:
            conn.close()
            raise ResponseHeadTooLarge.from_signal(signal, req.request_info, history) from None
        except ResponseHeadError as exc:
            conn.close()
            raise ClientResponseError(
                req.request_info, history, status=400, message=exc.message
            ) from exc
        except BaseException:
            conn.close()
            raise
        resp = ClientResponse(
            req.method,
            req.url,
            head=head,
            content=stream,
            connection=conn,
            request_info=req.request_info,
            history=history,
            fallback_charset_resolver=self._fallback_charset_resolver,
            traces=options.traces,
        )
        # The parser noted Set-Cookie, so a response without cookies never
        # builds its header mapping here.
        if head.set_cookie and self._uses_cookies:
            # Each field on its own: a SimpleCookie would keep one cookie per name.
            self._cookie_jar.update_cookies_from_headers(
                resp.headers.getall("Set-Cookie"), resp.url
            )
        return resp

    def _connector_for(self, proxy: URL | None) -> BaseConnector:
        """The session's connector, or the one a plugin supplies for this proxy."""
        connector = self._connector
        assert connector is not None
        if proxy is None or proxy.scheme in connector.proxy_schemes:
            return connector
        made = self._proxy_connectors.get(proxy)
        if made is None:
            made = self._proxy_connectors[proxy] = self._plugins.proxy_connector(proxy)(proxy)
        return made

    # --- helpers ---------------------------------------------------------------------

    def _build_url(self, str_or_url: str | URL, params: Any) -> URL:
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
