"""``ClientResponse``: the status, headers and body stream of one response.

Headers arrive as raw byte pairs; the case-insensitive mapping, the parsed
Content-Type and the cookies are built on first use, so a caller that only
reads the status and the body pays for none of them. The connection goes
back to the pool the moment the body has been received in full, before
the caller reads it (``closed`` turns True then); a response released
earlier closes its connection. Once released, the body can no longer be
read from the stream, as in aiohttp: ``read()`` and ``content`` raise
``ClientConnectionError``, while ``text()`` and ``json()`` still decode a
body that was read before.

A server may answer before the request body has been sent whole; the
response then holds the task still uploading it, which goes on while the
caller reads, and is stopped (closing the connection) when the response is
released, closed, or its body has ended, as aiohttp does.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import json
import warnings
from collections.abc import Callable, Sequence
from http.cookies import SimpleCookie
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any

from multidict import CIMultiDict, CIMultiDictProxy, MultiDictProxy
from yarl import URL

from lamella_core._content.streams import StreamReader
from lamella_core._http import KNOWN_VERSIONS, HttpVersion
from lamella_core.exceptions import ClientConnectionError, ClientResponseError, ContentTypeError

if TYPE_CHECKING:
    from lamella_core._content.disposition import ContentDisposition
    from lamella_core._pool.connector import Connection
    from lamella_core._wire import ResponseHead
    from lamella_core.abc import AbstractExchange
    from lamella_core.tracing import Trace

    from .request import RequestInfo

__all__ = ["ClientResponse", "parse_content_type"]

_JSON_TYPES = ("application/json",)


def parse_content_type(value: str) -> tuple[str, dict[str, str]]:
    """Split a Content-Type value into its lower-cased type and parameters."""
    mimetype, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        name, sep, param = part.partition("=")
        if sep:
            param = param.strip()
            if len(param) >= 2 and param[0] == param[-1] == '"':
                param = param[1:-1]
            params[name.strip().lower()] = param
    return mimetype.strip().lower(), params


class ClientResponse:
    """A response returned by ``ClientSession.request`` and its verbs."""

    def __init__(
        self,
        method: str,
        url: URL,
        *,
        head: ResponseHead,
        content: StreamReader,
        connection: Connection | None,
        request_info: RequestInfo,
        history: Sequence[ClientResponse] = (),
        fallback_charset_resolver: Callable[[ClientResponse, bytes], str] | None = None,
        traces: Sequence[Trace] = (),
        upload: asyncio.Task[None] | None = None,
        exchange: AbstractExchange | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.status = head.status
        self.reason = head.reason
        self.version = KNOWN_VERSIONS.get(head.version) or HttpVersion(*head.version)
        self.raw_headers = head.headers
        self.content = content
        self._connection = connection
        self._request_info = request_info
        self._history = tuple(history)
        self._fallback_charset_resolver = fallback_charset_resolver
        self._traces = traces
        self._headers: CIMultiDictProxy[str] | None = None
        self._content_type: tuple[str, dict[str, str]] | None = None
        self._body: bytes | None = None
        self._released = False  # the caller let go: reads raise from now on
        self._in_context = False  # inside ``async with``: its exit releases
        # A status or method that never has a body: aiohttp gives those its
        # shared empty stream, which releasing does not break.
        self._bodyless = head.status in (204, 304) or method == "HEAD"
        self._closed = False  # the connection is done with (released or closed)
        self._cookies: SimpleCookie | None = None
        # The request body may still be uploading (the server answered first).
        self._upload = upload
        self._upload_complete: asyncio.Future[None] | None = None
        protocol = exchange  # the exchange that sent the request, for upload progress
        self._output_size = protocol.output_size if protocol is not None else 0
        self._upload_protocol: AbstractExchange | None = None
        if upload is not None and protocol is not None:
            self._upload_protocol = protocol
            upload.add_done_callback(self._upload_ended)
        if connection is not None and not head.upgrade:
            # An upgraded connection belongs to whoever takes it over. A body
            # that came whole with its head (most small ones) releases it now.
            content.on_eof(self._release_connection)

    def __repr__(self) -> str:
        return f"<ClientResponse({self.url}) [{self.status} {self.reason}]>"

    # --- head ------------------------------------------------------------------

    @property
    def trailers(self) -> CIMultiDictProxy[str] | None:
        """The trailer fields sent after the body, once it has been read to its end.

        None when the server sent none, or while the body is unread. A
        lamella addition (aiohttp has no trailers API), filled over HTTP/2;
        HTTP/1.1 chunked trailers are still dropped, as aiohttp drops them.
        """
        raw = self.content.raw_trailers
        if raw is None:
            return None
        return CIMultiDictProxy(
            CIMultiDict(
                (name.decode("utf-8", "surrogateescape"), value.decode("utf-8", "surrogateescape"))
                for name, value in raw
            )
        )

    @property
    def headers(self) -> CIMultiDictProxy[str]:
        """The response headers, case-insensitive."""
        headers = self._headers
        if headers is None:
            headers = self._headers = CIMultiDictProxy(
                CIMultiDict(
                    (
                        name.decode("utf-8", "surrogateescape"),
                        value.decode("utf-8", "surrogateescape"),
                    )
                    for name, value in self.raw_headers
                )
            )
        return headers

    @property
    def real_url(self) -> URL:
        """The requested URL, fragment included."""
        return self._request_info.real_url

    @property
    def host(self) -> str:
        """The host the response came from."""
        assert self.url.host is not None
        return self.url.host

    @property
    def request_info(self) -> RequestInfo:
        """The method, URL and headers of the request."""
        return self._request_info

    @property
    def history(self) -> tuple[ClientResponse, ...]:
        """The redirect responses that led here, earliest first."""
        return self._history

    @property
    def connection(self) -> Connection | None:
        """The connection while the body is being received, else None."""
        return self._connection

    @property
    def ok(self) -> bool:
        """True when the status is below 400."""
        return self.status < 400

    @property
    def closed(self) -> bool:
        """True once the connection is done with: the body was received in full,
        or the response was released or closed."""
        return self._closed

    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        parsed = self._content_type
        if parsed is None:
            raw = self.headers.get("Content-Type")
            parsed = self._content_type = (
                parse_content_type(raw) if raw else ("application/octet-stream", {})
            )
        return parsed

    @property
    def content_type(self) -> str:
        """The media type of the body, ``application/octet-stream`` if unstated."""
        return self._parsed_content_type()[0]

    @property
    def content_length(self) -> int | None:
        """The Content-Length header as an int, or None."""
        value = self.headers.get("Content-Length")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def links(self) -> MultiDictProxy[MultiDictProxy[str | URL]]:
        """The ``Link`` header (RFC 8288) keyed by ``rel``, targets resolved against ``url``."""
        from .links import parse_links  # with the first response asked for its links

        return parse_links(self.headers.getall("Link", ()), self.url)

    @property
    def content_disposition(self) -> ContentDisposition | None:
        """The parsed ``Content-Disposition`` header (RFC 6266), or None without one."""
        raw = self.headers.get("Content-Disposition")
        if raw is None:
            return None
        from lamella_core._content.disposition import (
            ContentDisposition,
            content_disposition_filename,
            parse_content_disposition,
        )

        disptype, params = parse_content_disposition(raw)
        return ContentDisposition(
            disptype, MappingProxyType(params), content_disposition_filename(params)
        )

    @property
    def charset(self) -> str | None:
        """The charset parameter of Content-Type, or None."""
        return self._parsed_content_type()[1].get("charset")

    @property
    def cookies(self) -> SimpleCookie:
        """The cookies the response sets (``Set-Cookie``), the last of each name.

        Each field is read as a cookie jar reads it (``lamella_core.set_cookie``),
        so a cookie named ``path`` is kept and ``junk=x`` after a cookie is no
        second cookie.
        """
        cookies = self._cookies
        if cookies is None:
            from lamella_core.set_cookie import response_cookies

            cookies = self._cookies = response_cookies(self.headers.getall("Set-Cookie", ()))
        return cookies

    # --- body ------------------------------------------------------------------

    async def read(self) -> bytes:
        """Read the whole body; the connection is closed if reading fails.

        Raises:
            ClientConnectionError: the response was released before (for
                example by leaving its ``async with`` block).
        """
        body = self._body
        if body is not None and self._released:
            raise ClientConnectionError("Connection closed")
        if body is None:
            try:
                body = self._body = await self.content.read()
            except BaseException:
                self.close()
                raise
            for trace in self._traces:
                await trace.send_response_chunk_received(self.method, self.url, body)
        return body

    def get_encoding(self) -> str:
        """The charset to decode the body with.

        The Content-Type charset when valid; UTF-8 for JSON; otherwise UTF-8
        when the body decodes as such, else the guess of
        ``fallback_charset_resolver`` or chardet.
        """
        mimetype, params = self._parsed_content_type()
        charset = params.get("charset")
        if charset:
            try:
                return codecs.lookup(charset).name
            except LookupError:
                pass
        if mimetype in _JSON_TYPES or mimetype.endswith("+json"):
            return "utf-8"
        body = self._body
        if body is None:
            raise RuntimeError("Cannot compute the encoding before the body is read")
        if self._fallback_charset_resolver is not None:
            return self._fallback_charset_resolver(self, body)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            import chardet  # imported on demand: rarely needed and slow to import

            return chardet.detect(body)["encoding"] or "utf-8"
        return "utf-8"

    async def text(self, encoding: str | None = None, errors: str = "strict") -> str:
        """Read the body and decode it, guessing the charset when not given."""
        body = self._body if self._body is not None else await self.read()
        return body.decode(encoding or self.get_encoding(), errors)

    async def json(
        self,
        *,
        encoding: str | None = None,
        loads: Callable[[str], Any] = json.loads,
        content_type: str | None = "application/json",
    ) -> Any:
        """Read the body as JSON; None for an empty body.

        Raises:
            ContentTypeError: the Content-Type is not ``content_type`` (pass
                None to skip the check).
        """
        body = self._body if self._body is not None else await self.read()
        if content_type is not None:
            actual = self.content_type
            if not (
                actual == content_type
                or (content_type == "application/json" and actual.endswith("+json"))
            ):
                raise ContentTypeError(
                    self.request_info,
                    self.history,
                    status=self.status,
                    message="Attempt to decode JSON with unexpected mimetype: "
                    + self.headers.get("Content-Type", "").lower(),
                    headers=self.headers,
                )
        text = body.decode(encoding or self.get_encoding()).strip()
        return loads(text) if text else None

    # --- lifecycle -------------------------------------------------------------

    def raise_for_status(self) -> None:
        """Raise ``ClientResponseError`` for a status of 400 or above.

        The response is released first, unless an ``async with`` block holds
        it: there the body can still be read, and the block's exit releases it.
        """
        if self.status >= 400:
            if not self._in_context:
                self.release()
            raise ClientResponseError(
                self.request_info,
                self.history,
                status=self.status,
                message=self.reason,
                headers=self.headers,
            )

    def release(self) -> Any:
        """Give the connection back: kept if the body was fully received (and the
        request body fully sent), else closed. A body still uploading is stopped.

        Reading the stream afterwards raises ``ClientConnectionError``.
        """
        self._let_go()
        self._give_back(close=False)
        return _DONE

    def close(self) -> None:
        """Close the connection at once, stopping a body still uploading."""
        self._let_go()
        self._give_back(close=True)

    async def wait_for_close(self) -> None:
        """Wait until the request body has been sent, then release the response."""
        upload = self._upload
        if upload is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(upload)
        self.release()

    def __del__(self) -> None:
        # A response dropped unread still holds its connection: free the slot.
        if getattr(self, "_connection", None) is not None:  # unset if __init__ failed
            self._give_back(close=False)

    def _let_go(self) -> None:
        """Mark the response released and break its stream for later readers."""
        if not self._released:
            self._released = True
            if not self._bodyless:
                self.content._mark_released()
        self._closed = True

    def _release_connection(self) -> None:
        self._closed = True
        self._give_back(close=False)

    def _give_back(self, *, close: bool) -> None:
        """Hand the connection back to the pool, or close it. An upload still
        running is stopped, and then the connection cannot be reused."""
        upload = self._upload
        if upload is not None and not upload.done():
            upload.cancel()
            close = True
        connection = self._connection
        if connection is not None:
            self._connection = None
            if close:
                connection.close()
            else:
                connection.release()

    # --- upload progress ---------------------------------------------------------

    @property
    def output_size(self) -> int:
        """Bytes sent for this request so far: head, framing and body.

        Deprecated in aiohttp 3.14.4 for ``UploadTracker``, and so here.
        """
        warnings.warn(
            "ClientResponse.output_size is deprecated, use lamella.UploadTracker instead",
            DeprecationWarning,
            stacklevel=2,
        )
        protocol = self._upload_protocol
        return self._output_size if protocol is None else protocol.output_size

    @property
    def upload_complete(self) -> asyncio.Future[None]:
        """A future done when sending the request body has ended (already done when
        the body had gone out before the response head came).

        Deprecated in aiohttp 3.14.4 for ``UploadTracker``, and so here.
        """
        warnings.warn(
            "ClientResponse.upload_complete is deprecated, use lamella.UploadTracker instead",
            DeprecationWarning,
            stacklevel=2,
        )
        future = self._upload_complete
        if future is None:
            future = self._upload_complete = asyncio.get_running_loop().create_future()
            if self._upload_protocol is None:
                future.set_result(None)
        return future

    def _upload_ended(self, _: object = None) -> None:
        protocol = self._upload_protocol
        if protocol is not None:
            self._output_size = protocol.output_size
            self._upload_protocol = None
        future = self._upload_complete
        if future is not None and not future.done():
            future.set_result(None)

    async def __aenter__(self) -> ClientResponse:
        return self._enter()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._exit()

    def _enter(self) -> ClientResponse:
        """What entering ``async with`` does; the request's context manager calls
        it without a coroutine when a subclass has not overridden ``__aenter__``."""
        self._in_context = True
        return self

    def _exit(self) -> None:
        """What leaving ``async with`` does (see :meth:`_enter`)."""
        self._in_context = False
        self.release()


class _Done:
    """What ``release()`` returns: awaitable, for code written ``await resp.release()``."""

    __slots__ = ()

    def __await__(self) -> Any:
        return iter(())


_DONE = _Done()
