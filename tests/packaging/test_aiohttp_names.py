"""lamella's public names against aiohttp's: every difference is listed here.

``lamella.__all__`` is compared with ``aiohttp.__all__`` (tests may import
aiohttp; product code never does). aiohttp's top-level names are its client
API plus a few things that are not (the Gunicorn workers, server helpers,
parser plumbing); both kinds of absence are listed with a reason, and so is
every name lamella has that aiohttp has not. A name aiohttp adds in a new
release fails the first test until it is classified here (and, when lamella
does not provide it, in docs/migration.md).

No wheel is built, so this module runs with the main suite (``hatch test``),
not under the ``packaging`` marker.
"""

from __future__ import annotations

import inspect

import aiohttp
import aiohttp.client

import lamella

# aiohttp names that are not part of its client API.
NOT_CLIENT_API = {
    "GunicornWebWorker": "aiohttp.web's Gunicorn worker",
    "GunicornUVLoopWebWorker": "aiohttp.web's Gunicorn worker",
    "ChainMapProxy": "aiohttp.web's nested application configuration",
    "ETag": "aiohttp.web's entity tags (web.Response.etag)",
    "DataQueue": "plumbing of aiohttp's parsers and server",
    "FlowControlDataQueue": "plumbing of aiohttp's parsers and server",
    "EofStream": "plumbing of aiohttp's parsers and server",
}

# aiohttp client names lamella does not provide (docs/migration.md, "Imports").
NOT_PROVIDED: dict[str, str] = {}

# Names lamella exports that aiohttp's __all__ does not have.
LAMELLA_ONLY = {
    "DEFAULT_TIMEOUT": "aiohttp.client's default ClientTimeout, also at the top level",
    "BasicTCPConnector": "lamella-core's plain TCP/TLS connector, the default without plugins",
    "BodyTooLarge": "a ClientLimits violation (max_body_size)",
    "ContentDisposition": "ClientResponse.content_disposition's type (aiohttp.client_reqrep)",
    "ClientLimits": "lamella's bounds on what a server can make the client hold",
    "DecompressionLimitExceeded": "a ClientLimits violation (decompression bomb)",
    "MultipartLimitExceeded": "a ClientLimits violation in a multipart body (MultipartReader)",
    "ExponentialRetry": "lamella's opt-in retry policy (retry=)",
    "ClientConnectorDeniedError": "the SSRF guard refused every address (deny_private=)",
    "RequestFramingError": "a caller's Content-Length or Transfer-Encoding that disagrees with the body",
    "ResponseHeadTimeoutError": "a ClientLimits violation (max_head_time: a dripping head)",
    "RetryPolicy": "the interface of retry policies",
    "RedirectLimitExceeded": "a ClientLimits violation (a TooManyRedirects)",
    "RedirectBodyConsumed": "a streamed body a redirect would repeat (also aiohttp's ClientPayloadError)",
    "ResponseHeadTooLarge": "a ClientLimits violation on the head (a ClientResponseError)",
    "TooManyContentCodings": "a ClientLimits violation (chained codings)",
    "WebSocketMessageTooLarge": "a ClientLimits violation (max_ws_message_size)",
    "WebSocketMessageTooBig": "a message over max_msg_size: a WebSocketError and the limit error",
    "Connection": "documented in aiohttp's client reference, but not in its __all__",
    "HTTP11Connection": "the connection interface between pool and session (HTTP/2 ready)",
    "IOPayload": "aiohttp's IOBasePayload under lamella's first name for it",
    "JsonBytesPayload": "aiohttp.payload's, at the root so that lamella.payload finds it",
    "Order": "aiohttp.payload's registry order, at the root so that lamella.payload finds it",
    "TraceRequestRetryParams": "lamella's own trace signal: a request sent again on one hop",
    "TraceTlsHandshakeEndParams": "lamella's own trace signal: the TLS handshake apart",
    "TraceTlsHandshakeStartParams": "lamella's own trace signal: the TLS handshake apart",
    "UnixClientConnectorError": "aiohttp has it, in aiohttp.client_exceptions only",
    "hookimpl": "pluggy marker for plugins",
    "hookspec": "pluggy marker for plugins",
    "ws_connect": "a WebSocket without a session of one's own, like lamella.request()",
}

AIOHTTP = set(aiohttp.__all__)
LAMELLA = set(lamella.__all__)


def test_every_aiohttp_name_is_provided_or_listed() -> None:
    unclassified = AIOHTTP - LAMELLA - set(NOT_PROVIDED) - set(NOT_CLIENT_API)
    assert unclassified == set(), (
        f"aiohttp {aiohttp.__version__} exports names lamella neither has nor lists: "
        f"{sorted(unclassified)}"
    )


def test_the_client_module_is_covered() -> None:
    missing = set(aiohttp.client.__all__) - LAMELLA
    assert missing <= set(NOT_PROVIDED), sorted(missing - set(NOT_PROVIDED))


def test_listed_absences_are_still_absent() -> None:
    # A name lamella has learnt to export comes off the lists (and the migration page).
    assert set(NOT_PROVIDED) & LAMELLA == set()
    assert set(NOT_CLIENT_API) & LAMELLA == set()
    assert set(NOT_PROVIDED) & set(NOT_CLIENT_API) == set()


def test_lamella_only_names_are_listed() -> None:
    only_lamella = LAMELLA - AIOHTTP
    assert only_lamella == set(LAMELLA_ONLY) - AIOHTTP, sorted(only_lamella ^ set(LAMELLA_ONLY))
    assert set(LAMELLA_ONLY) <= LAMELLA


def _kind(obj: object) -> str:
    if inspect.isclass(obj):
        return "class"
    if inspect.ismodule(obj):
        return "module"
    return "callable" if callable(obj) else type(obj).__name__


def test_shared_names_are_the_same_kind_of_thing() -> None:
    kinds = {
        name: (_kind(getattr(aiohttp, name)), _kind(getattr(lamella, name)))
        for name in sorted(AIOHTTP & LAMELLA)
    }
    assert {name: pair for name, pair in kinds.items() if pair[0] != pair[1]} == {}


def _bases(cls: type, package: str) -> set[str]:
    """The names in ``cls``' MRO from the stdlib and from ``package``."""
    return {
        base.__name__
        for base in cls.__mro__
        if base.__module__ in ("builtins", "asyncio.exceptions")
        or base.__module__.startswith(package)
    }


def test_shared_exceptions_keep_aiohttp_bases() -> None:
    """``except OSError`` or ``except aiohttp.ClientConnectionError`` catches the same errors."""
    missing = {}
    for name in sorted(AIOHTTP & LAMELLA):
        theirs = getattr(aiohttp, name)
        if inspect.isclass(theirs) and issubclass(theirs, BaseException):
            lost = _bases(theirs, "aiohttp") - _bases(getattr(lamella, name), "lamella")
            if lost:
                missing[name] = sorted(lost)
    assert missing == {}
