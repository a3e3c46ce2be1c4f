"""``ClientSession``: connection pool, defaults, and the top of the send path.

The send path is a ladder of short steps, each with one concern:
``_request`` (merge the session's defaults with the helpers of
``defaults.Defaults``; trace and check the status) -> the rungs of
``send.Sender`` (redirects, retries, one exchange).
Plugin hooks are resolved once in ``__init__``; the path makes no hook call.
"""

from __future__ import annotations

import asyncio
import functools
import json as jsonlib
import warnings
from collections.abc import Awaitable, Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict, istr
from yarl import URL

from lamella_core._cookies import DummyCookieJar
from lamella_core._http import HttpVersion, HttpVersion11
from lamella_core._limits import ClientLimits
from lamella_core._pool.connector import BaseConnector
from lamella_core._timeouts import DEFAULT_TIMEOUT, ClientTimeout
from lamella_core.abc import AbstractCookieJar

from .auth import BasicAuth, NetrcCredentials
from .contexts import RequestContextManager
from .defaults import NOT_SET, Defaults
from .deprecations import warn_auth_arguments
from .exchange import close_body
from .middlewares import ClientMiddlewareType
from .options import merged_limits, parser_arguments
from .request import ClientRequest
from .response import ClientResponse
from .send import Sender
from .session_plugins import SessionPlugins

if TYPE_CHECKING:
    from lamella_core.tracing import Trace

    from .retry import RetryPolicy

__all__ = ["ClientSession"]


def _session_timeout(timeout: object) -> ClientTimeout:
    """The session's ``timeout=``: a ``ClientTimeout`` only, as aiohttp takes it (a
    request's ``timeout=`` may also be a number, its total)."""
    if timeout is NOT_SET or timeout is None:
        return DEFAULT_TIMEOUT
    if not isinstance(timeout, ClientTimeout):
        raise ValueError(
            f"timeout parameter cannot be of {type(timeout)} type, "
            "please use 'timeout=ClientTimeout(...)'"
        )
    return timeout


def _check_same_loop(connector: BaseConnector, loop: asyncio.AbstractEventLoop | None) -> None:
    """Refuse, as aiohttp does, a connector made while another event loop was running.

    A connector made outside any loop is bound to none and goes with any session.
    """
    bound = connector._loop
    if bound is None:
        return
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
    if bound is not loop:
        raise RuntimeError("Session and connector has to use same event loop")


def _ssl_shutdown_timeout(made: BaseConnector | None, timeout: float | None) -> None:
    """aiohttp's deprecated ``ssl_shutdown_timeout=``: warn, and give it to the
    connector the session made when that connector waits for TLS shutdowns."""
    warnings.warn(
        "The ssl_shutdown_timeout parameter is deprecated, as in aiohttp",
        DeprecationWarning,
        stacklevel=3,
    )
    if made is not None and timeout is not None and hasattr(made, "TLS_SHUTDOWN_GRACE"):
        made.TLS_SHUTDOWN_GRACE = timeout


_RaiseForStatus = bool | Callable[[ClientResponse], Awaitable[None]]


class ClientSession(Defaults, Sender):
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
        json_serialize_bytes: Callable[[Any], bytes] | None = None,
        cookie_jar: AbstractCookieJar | None = None,
        connector_owner: bool = True,
        raise_for_status: _RaiseForStatus = False,
        timeout: ClientTimeout | None = NOT_SET,
        auto_decompress: bool = True,
        trust_env: bool = False,
        proxy: str | URL | None = None,
        proxy_auth: BasicAuth | None = None,
        requote_redirect_url: bool = True,
        read_bufsize: int = 2**18,
        max_line_size: int | None = None,
        max_field_size: int | None = None,
        max_headers: int | None = None,
        limits: ClientLimits | None = None,
        retry: RetryPolicy | None = None,
        version: HttpVersion = HttpVersion11,
        fallback_charset_resolver: Callable[[ClientResponse, bytes], str] | None = None,
        trace_configs: Iterable[Any] | None = None,
        middlewares: Iterable[ClientMiddlewareType] = (),
        request_class: type[ClientRequest] = ClientRequest,
        response_class: type[ClientResponse] = ClientResponse,
        ws_response_class: type[Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        ssl_shutdown_timeout: float | None = NOT_SET,
    ) -> None:
        self._connector: BaseConnector | None = None  # so __del__ is safe if we fail below
        self._timeout = _session_timeout(timeout)
        warn_auth_arguments(auth, proxy_auth)
        self._base_url = None if base_url is None else URL(base_url)
        if self._base_url is not None:
            if not self._base_url.is_absolute():
                raise ValueError("base_url must be an absolute URL")
            if not self._base_url.path.endswith("/"):
                raise ValueError("base_url must have a trailing '/'")
        self._set_classes(request_class, response_class, ws_response_class)
        plugins = SessionPlugins.resolve()
        self._plugins = plugins
        if connector is not None:
            _check_same_loop(connector, loop)
        self._connector = connector if connector is not None else plugins.new_connector()
        if ssl_shutdown_timeout is not NOT_SET:
            made = self._connector if connector is None else None
            _ssl_shutdown_timeout(made, ssl_shutdown_timeout)
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
        self._json_serialize_bytes = json_serialize_bytes
        self._raise_for_status = raise_for_status
        self._auto_decompress = auto_decompress
        self._trust_env = trust_env
        self._netrc = NetrcCredentials() if trust_env else None
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
        self._request_defaults: list[dict[str, Any]] = []
        self._urls: dict[str, URL] = {}
        self._request_shapes: dict[tuple[str, URL, tuple[tuple[str, str], ...]], ClientRequest] = {}
        self._fallback_charset_resolver = fallback_charset_resolver
        self._trace_configs = list(trace_configs or ())
        self._middlewares = tuple(middlewares)
        plugins.session_created(self)  # may append trace configs
        for trace_config in self._trace_configs:
            trace_config.freeze()

    def __init_subclass__(cls) -> None:
        warnings.warn(
            f"Inheritance class {cls.__name__} from ClientSession is discouraged",
            DeprecationWarning,
            stacklevel=2,
        )

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
        warnings.warn(
            "session.requote_redirect_url modification is deprecated #2778",
            DeprecationWarning,
            stacklevel=2,
        )
        self._requote_redirect_url = value

    @property
    def version(self) -> HttpVersion:
        """The HTTP version requests use."""
        return self._version

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The running event loop (deprecated, as in aiohttp)."""
        warnings.warn("client.loop property is deprecated", DeprecationWarning, stacklevel=2)
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
        # getattr: an __init__ that failed half way (a wrong keyword) set nothing.
        connector = getattr(self, "_connector", None)
        owner = getattr(self, "_connector_owner", False)
        if connector is not None and owner and not connector.closed:
            _warnings.warn(f"Unclosed client session {self!r}", ResourceWarning, source=self)

    @property
    def retry(self) -> RetryPolicy | None:
        """The retry policy of the session's requests (None: no retries)."""
        return self._retry

    @property
    def limits(self) -> ClientLimits:
        """The bounds every response of this session is held to."""
        return self._client_limits

    @property
    def request_class(self) -> type[ClientRequest]:
        """The class of the requests the session builds, one per hop."""
        return self._request_class

    @property
    def response_class(self) -> type[ClientResponse]:
        """The class of the responses the session returns."""
        return self._response_class

    @property
    def ws_response_class(self) -> type[Any] | None:
        """The class of the WebSockets ``ws_connect`` returns; None: the plugin's own."""
        return self._ws_response_class

    def _set_classes(
        self,
        request_class: type[ClientRequest],
        response_class: type[ClientResponse],
        ws_response_class: type[Any] | None,
    ) -> None:
        """Keep the classes requests, responses and WebSockets are made of.

        Raises:
            TypeError: a class does not derive from lamella's.
        """
        for cls, base in ((request_class, ClientRequest), (response_class, ClientResponse)):
            if not issubclass(cls, base):
                raise TypeError(f"{cls!r} is not a subclass of {base.__name__}")
        self._request_class = request_class
        self._response_class = response_class
        self._ws_response_class = ws_response_class

    def _set_limits(self, limits: ClientLimits) -> None:
        self._client_limits = limits
        self._parser_limits = parser_arguments(limits)
        self._make_decoder = self._plugins.decoder_factory(limits)

    def _make_traces(self, trace_request_ctx: Any) -> list[Trace]:
        return _trace_maker()(self, self._trace_configs, trace_request_ctx)

    @property
    def trace_configs(self) -> list[Any]:
        """The trace configs whose signals fire for this session's requests."""
        return self._trace_configs

    # --- the send path: the top rung (helpers in defaults.py, the rest in send.py) -----

    def _check_arguments(self, data: Any, json: Any, auth: Any, proxy_auth: Any) -> None:
        """Refuse a request on a closed session or with both bodies; warn of
        deprecated credentials, at the caller's line."""
        if self.closed:
            raise RuntimeError("Session is closed")
        if data is not None and json is not None:
            raise ValueError("data and json parameters can not be used at the same time")
        warn_auth_arguments(auth, proxy_auth, stacklevel=4)

    async def _request(
        self,
        method: str,
        str_or_url: str | URL,
        *,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        headers: Any = None,
        auth: BasicAuth | None = None,
        compress: bool | str | None = None,
        encoding: str = "utf-8",
        raise_for_status: _RaiseForStatus | None = None,
        **settings: Any,  # the per-request options that _options reads
    ) -> ClientResponse:
        """Merge the session's defaults into one request, send it, check its status."""
        if (tracker := settings.get("upload_tracker")) is not None:
            tracker._bind()
        try:
            self._check_arguments(data, json, auth, settings.get("proxy_auth"))
            if self._netrc is not None:
                await self._netrc.load()  # once per session, in a thread
            url, merged, auth = self._target(str_or_url, params, headers, auth)
            plain = not settings or (len(settings) == 1 and "allow_redirects" in settings)
            options = self._plain_options(settings) if plain else self._options(**settings)
            body = self._body_for(data, json, encoding, compress, merged)
        except BaseException:
            if tracker is not None:
                tracker._finalize()  # settled also when the request fails before it is sent
            raise
        check = self._raise_for_status if raise_for_status is None else raise_for_status
        resp: ClientResponse | None = None
        started: list[Trace] = []  # the traces that saw the start see how it ended
        try:
            for trace in options.traces:
                await trace.send_request_start(method, url, merged)
                started.append(trace)
            resp = await self._send_handling_redirects(
                method.upper(), url, merged, body, auth, options
            )
            if check is True:
                resp.raise_for_status()
            elif check:
                await check(resp)
            for trace in options.traces:
                # As aiohttp: the final hop's method and URL, the caller's headers.
                info = resp.request_info
                await trace.send_request_end(info.method, info.url, merged, resp)
        except BaseException as exc:
            if options.response is not None:
                options.response.close()  # never leave its connection lent out
            for trace in started:  # as aiohttp: the method and URL of the hop that failed
                await trace.send_request_exception(*(options.hop or (method, url)), merged, exc)
            raise
        finally:
            if tracker is not None:
                tracker._finalize()
            if body is not None:  # files given as data are closed, as aiohttp does
                await close_body(body, resp._upload if resp is not None else None)
        return resp


@functools.cache
def _trace_maker() -> Callable[..., list[Trace]]:
    """``lamella_core.tracing.make_traces``, imported by the first session that traces.

    Kept: the import statement it replaces ran on every request of a
    tracing session, about 6,500 instructions each time (on a plain module
    the import machinery fails a ``__path__`` lookup, which formats an
    ``AttributeError``).
    """
    from lamella_core.tracing import make_traces

    return make_traces
