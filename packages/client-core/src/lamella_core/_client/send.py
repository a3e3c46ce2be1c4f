"""The send ladder below ``ClientSession._request``: one request, hop by hop.

Each rung has one concern and hands the next a narrower job:
``_send_handling_redirects`` (one ``ClientRequest`` per hop, the 417 and
redirect decisions) -> ``_send_with_policy`` (the retry policy, when the
request has one) -> ``_send_once`` (once more on a new connection when a
reused one was found dead; the request's middlewares, when it has any, wrap
each of these attempts; ``_send_again`` is the second) ->
``_send_single_request`` (lend a connection, write the request, read the
head, build the response). A request with neither a retry policy nor
middlewares skips the middle rungs: ``_send_handling_redirects`` makes the
first attempt itself, one coroutine fewer a request. Writing the bytes is
one call, ``write_at_once`` in ``exchange`` (``send_request`` for what
cannot go at once); the connection is lent by the
connector, or taken from its idle pool without awaiting.

``Sender`` is a mixin of ``ClientSession``: the rungs read the session's
attributes directly, as methods of the session would, so the hot path pays
for no extra object or call.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, NoReturn

from multidict import CIMultiDict
from yarl import URL

from lamella_core._content.payloads import Payload
from lamella_core._http import IDEMPOTENT_METHODS
from lamella_core._pool.connector import BaseConnector
from lamella_core._pool.http11 import ResponseHeadError
from lamella_core.abc import AbstractCookieJar
from lamella_core.exceptions import (
    ClientConnectionError,
    ClientOSError,
    ClientResponseError,
    HeadLimitSignal,
    RedirectLimitExceeded,
    ResponseHeadTooLarge,
    ServerDisconnectedError,
)

from .auth import BasicAuth
from .cookie_header import cookie_header
from .exchange import send_request, write_at_once
from .middlewares import ClientMiddlewareType, chain
from .options import RequestOptions, deadline_passed
from .redirects import REDIRECT_STATUSES, next_request, redirect_target
from .request import ClientRequest
from .response import ClientResponse
from .session_plugins import SessionPlugins

if TYPE_CHECKING:
    from collections.abc import Callable

    from lamella_core._content.streams import StreamReader
    from lamella_core._pool.connector import Connection
    from lamella_core._wire import ResponseHead
    from lamella_core.abc import AbstractExchange

    from .auth import NetrcCredentials
    from .retry import RetryPolicy
    from .session import ClientSession

__all__ = ["Sender"]

_Hop = tuple[str, URL, Payload | None, CIMultiDict[str], BasicAuth | None]


class Sender:
    """The rungs of the send path, mixed into ``ClientSession``."""

    __slots__ = ()

    # Set by ClientSession.__init__.
    _connector: BaseConnector | None
    _cookie_jar: AbstractCookieJar
    _uses_cookies: bool
    _trust_env: bool
    _netrc: NetrcCredentials | None
    _requote_redirect_url: bool
    _fallback_charset_resolver: Callable[[ClientResponse, bytes], str] | None
    _proxy_connectors: dict[URL, BaseConnector]
    _plugins: SessionPlugins
    _request_class: type[ClientRequest]
    _response_class: type[ClientResponse]
    _request_defaults: list[dict[str, Any]]
    _request_shapes: dict[tuple[str, URL, tuple[tuple[str, str], ...]], ClientRequest]

    async def _send_handling_redirects(
        self,
        method: str,
        url: URL,
        headers: CIMultiDict[str],
        body: Payload | None,
        auth: BasicAuth | None,
        options: RequestOptions,
    ) -> ClientResponse:
        """Send, and follow redirects while ``options.max_redirects`` allows (None: never)."""
        history: list[ClientResponse] = []
        while True:
            req = self._make_request(method, url, headers, body, auth, options)
            if options.retry is None and not options.middlewares:
                # _send_once's first attempt inlined: one coroutine fewer a request.
                try:
                    resp = await self._send_single_request(req, options, history)
                except (ServerDisconnectedError, ClientOSError) as exc:
                    resp = await self._send_again(req, options, history, exc)
            elif options.retry is None:
                resp = await self._send_once(req, options, history)
            else:
                resp = await self._send_with_policy(req, options, history, options.retry)
            if resp.status == 417 and req.expect100 and (body is None or body.reusable):
                # RFC 9110 section 10.1.1: repeat the request without the expectation.
                resp.release()
                options.req_kwargs = {**options.req_kwargs, "expect100": False}
                continue
            if options.max_redirects is None or resp.status not in REDIRECT_STATUSES:
                return resp
            location = resp.headers.get("Location") or resp.headers.get("URI")
            if location is None:
                return resp
            for trace in options.traces:
                await trace.send_request_redirect(method, url, headers, resp)
            history.append(resp)
            method, url, body, headers, auth = self._next_hop(
                resp, location, history, options, (method, url, body, headers, auth)
            )
            options.hop = (method, url)

    def _next_hop(
        self,
        resp: ClientResponse,
        location: str,
        history: list[ClientResponse],
        options: RequestOptions,
        hop: _Hop,
    ) -> _Hop:
        """The request that follows redirect ``resp``, or RedirectLimitExceeded."""
        max_redirects = options.max_redirects
        assert max_redirects is not None
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
        method, url, body, headers, auth = hop
        new_url = redirect_target(resp.url, location, requote=self._requote_redirect_url)
        method, body, headers, auth = next_request(
            resp.status, method, body, headers, auth, url, new_url
        )
        if new_url.raw_user is not None:  # they supersede earlier credentials
            auth = BasicAuth.from_url(new_url)
        if new_url.origin() != url.origin():
            options.request_cookies = None  # the caller's cookies were for the first origin
        return method, new_url, body, headers, auth

    def _make_request(
        self,
        method: str,
        url: URL,
        headers: CIMultiDict[str],
        body: Payload | None,
        auth: BasicAuth | None,
        options: RequestOptions,
    ) -> ClientRequest:
        """The hop's ``ClientRequest``, with the jar's cookies and the proxy from the env."""
        jar = self._cookie_jar.filter_cookies(url) if self._uses_cookies else None
        if jar or options.request_cookies:
            value = cookie_header(
                headers.get("Cookie"),
                jar,
                options.request_cookies,
                url,
                self._cookie_jar.treat_as_secure_origin,
            )
            if value:
                headers = headers.copy()
                headers["Cookie"] = value
        req_kwargs = options.req_kwargs
        if req_kwargs["proxy"] is None and self._trust_env:
            assert self._connector is not None
            found = self._connector.proxy_from_env(url)
            if found is not None:
                proxy_auth = found[1]
                if proxy_auth is None and self._netrc is not None:
                    proxy_auth = self._netrc.auth_for(found[0].raw_host or "")
                req_kwargs = {**req_kwargs, "proxy": found[0], "proxy_auth": proxy_auth}
        deadline = options.deadline
        session: ClientSession = self  # type: ignore[assignment]  # mixed into it alone
        if (
            body is None
            and auth is None
            and self._request_class is ClientRequest
            and self._request_defaults
            and req_kwargs is self._request_defaults[0]
        ):
            return self._shaped_request(session, method, url, headers, deadline)
        return self._request_class(
            method,
            url,
            headers=headers,
            body=body,
            auth=auth,
            session=session,
            deadline=deadline,
            **req_kwargs,
        )

    def _shaped_request(
        self,
        session: ClientSession,
        method: str,
        url: URL,
        headers: CIMultiDict[str],
        deadline: float | None,
    ) -> ClientRequest:
        """A bodiless request with the session's settings, copied from the first of its shape.

        Everything ``ClientRequest`` works out (the URL sent, the connection
        key, the automatic headers, the framing checks) depends only on the
        method, the URL and the headers when the request sets nothing else,
        so a request repeated with the same three is built once and copied
        after (its own headers, session and deadline). The table is emptied
        when it holds 256 shapes; headers that cannot be hashed are built
        each time.
        """
        try:
            key = (method, url, tuple(headers.items()))
            shape = self._request_shapes.get(key)
        except TypeError:  # a header value that cannot be hashed
            key, shape = None, None
        if shape is None:
            # Kept without a session or deadline: see _default_request_kwargs.
            shape = ClientRequest(method, url, headers=headers, **self._request_defaults[0])
            if key is not None:
                shape._keep_head()
                if len(self._request_shapes) >= 256:
                    self._request_shapes.clear()
                self._request_shapes[key] = shape
        return shape._copy_for(session, deadline)

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
                outcome: ClientResponse | Exception = exc
            else:
                delay = policy.delay_for(attempt, resp, req.method, replayable)
                if delay is None or deadline_passed(options.deadline, loop.time() + delay):
                    return resp
                resp.release()
                outcome = resp
            for trace in options.traces:
                await trace.send_request_retry(
                    req.method, req.url, req.headers, attempt, outcome, delay
                )
            await asyncio.sleep(delay)
            attempt += 1

    async def _send_once(
        self, req: ClientRequest, options: RequestOptions, history: list[ClientResponse]
    ) -> ClientResponse:
        """Send ``req``, again on a new connection if a reused one was found dead."""
        middlewares = options.middlewares
        try:
            if not middlewares:
                return await self._send_single_request(req, options, history)
            return await self._send_through(middlewares, req, options, history)
        except (ServerDisconnectedError, ClientOSError) as exc:
            return await self._send_again(req, options, history, exc)

    async def _send_again(
        self,
        req: ClientRequest,
        options: RequestOptions,
        history: list[ClientResponse],
        exc: ServerDisconnectedError | ClientOSError,
    ) -> ClientResponse:
        """Send ``req`` once more after its first attempt failed with ``exc``,
        when that only means a reused connection was dead; else raise ``exc``."""
        if not _retryable(req, exc):
            raise exc
        # Other pooled connections to the origin may be as stale: drop them,
        # so the retry gets a new one.
        self._connector_for(req.proxy).drop_idle(req.connection_key)
        for trace in options.traces:
            await trace.send_request_retry(req.method, req.url, req.headers, 1, exc, 0.0)
        middlewares = options.middlewares
        if not middlewares:
            return await self._send_single_request(req, options, history)
        return await self._send_through(middlewares, req, options, history)

    async def _send_through(
        self,
        middlewares: tuple[ClientMiddlewareType, ...],
        req: ClientRequest,
        options: RequestOptions,
        history: list[ClientResponse],
    ) -> ClientResponse:
        """Send ``req`` through the middlewares, which may change it, resend or replace it."""

        attempts = 0
        outcome: ClientResponse | BaseException | None = None

        async def send(req: ClientRequest) -> ClientResponse:
            # A middleware calling its handler again resends the hop: say so.
            nonlocal attempts, outcome
            if outcome is not None:
                for trace in options.traces:
                    await trace.send_request_retry(
                        req.method, req.url, req.headers, attempts, outcome, 0.0
                    )
            attempts += 1
            try:
                resp = await self._send_single_request(req, options, history)
            except BaseException as exc:
                outcome = exc
                raise
            outcome = resp
            return resp

        return await chain(send, middlewares)(req)

    async def _send_single_request(
        self,
        req: ClientRequest,
        options: RequestOptions,
        history: list[ClientResponse],
    ) -> ClientResponse:
        """Lend a connection, write ``req`` on it and read the response's head."""
        connector = self._connector_for(req.proxy)
        head_bytes = req.head_bytes()  # refuses bad input before a connection is taken
        tracker = options.upload_tracker
        if tracker is not None:
            tracker._attempt_started()
        # A pooled connection comes back without awaiting, so without a timer;
        # the connector bounds waiting and opening by the connect budget.
        conn = await connector.connect(req, options.traces, options.timeout)
        protocol = conn.protocol
        assert protocol is not None
        exchange = None
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
                max_head_time=options.limits.max_head_time,
            )
            written = write_at_once(exchange, req, head_bytes, options.traces, tracker)
            if written and not exchange.writing_paused:
                # What send_request would await, awaited here: one coroutine fewer.
                head, stream = await exchange.head_future
                upload = None
            else:
                head, stream, upload = await send_request(
                    exchange,
                    req,
                    head_bytes,
                    options.deadline,
                    options.traces,
                    tracker,
                    written=written,
                )
        except BaseException as exc:
            if exchange is not None:
                exchange.close()  # on a multiplexed connection, its stream alone ends
            conn.close()
            _raise_exchange_error(exc, req, history)
        return self._new_response(req, options, history, conn, exchange, head, stream, upload)

    def _new_response(
        self,
        req: ClientRequest,
        options: RequestOptions,
        history: list[ClientResponse],
        conn: Connection,
        exchange: AbstractExchange,
        head: ResponseHead,
        stream: StreamReader,
        upload: asyncio.Task[None] | None,
    ) -> ClientResponse:
        """The response to ``req``, whose head has come; its cookies go to the jar."""
        resp = self._response_class(
            req.method,
            req.url,
            head=head,
            content=stream,
            connection=conn,
            request_info=req.request_info,
            history=history,
            fallback_charset_resolver=self._fallback_charset_resolver,
            traces=options.traces,
            upload=upload,
            exchange=exchange,
        )
        options.response = resp
        # The parser noted Set-Cookie, so a response without cookies never
        # builds its header mapping here.
        if head.set_cookie and self._uses_cookies:
            self._store_cookies(resp)
        return resp

    def _store_cookies(self, resp: ClientResponse) -> None:
        """Give the jar the response's ``Set-Cookie`` fields, each on its own
        (a ``SimpleCookie`` would keep one cookie per name)."""
        self._cookie_jar.update_cookies_from_headers(resp.headers.getall("Set-Cookie"), resp.url)

    def _connector_for(self, proxy: URL | None) -> BaseConnector:
        """The session's connector, routing ``proxy`` through a plugin's if it must.

        The plugin's connector only opens connections; the session's lends
        and counts them, so one ``limit`` governs them all.
        """
        connector = self._connector
        assert connector is not None
        if proxy is None or proxy.scheme in connector.proxy_schemes:
            return connector
        if proxy not in self._proxy_connectors:
            made = self._proxy_connectors[proxy] = self._plugins.proxy_connector(proxy)(proxy)
            connector.add_proxy_route(proxy, made)
        return connector


def _retryable(req: ClientRequest, exc: ClientConnectionError) -> bool:
    """A reused connection died before any response byte: safe to send again
    when the method is idempotent or nothing of the request was written."""
    return (
        exc.stale_connection
        and (not exc.request_sent or req.method in IDEMPOTENT_METHODS)
        and (req.body is None or req.body.reusable)
    )


def _raise_exchange_error(
    exc: BaseException, req: ClientRequest, history: list[ClientResponse]
) -> NoReturn:
    """Raise what a failed write or head read means to the caller: a head over
    the limits or malformed becomes the response error, the rest goes up as it is
    (the connection marks a stale one with ``stale_connection``)."""
    if isinstance(exc, HeadLimitSignal):
        raise ResponseHeadTooLarge.from_signal(exc, req.request_info, history) from None
    if isinstance(exc, ResponseHeadError):
        raise ClientResponseError(
            req.request_info, history, status=400, message=exc.message
        ) from exc
    raise exc
