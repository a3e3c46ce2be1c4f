"""The client side of the opening handshake (RFC 6455 section 4.1, RFC 7692).

Building the request headers and checking the 101 response are pure
functions of header values: the HTTP exchange itself goes through the
session's public API, so cookies, auth, proxies and TLS apply to it as to
any request. permessage-deflate is offered and negotiated with websockets'
own extension factory, which implements every parameter rule of RFC 7692
section 7.1 (window bits, context takeover).
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from multidict import CIMultiDict
from websockets.exceptions import InvalidHeader, NegotiationError
from websockets.extensions.base import Extension
from websockets.extensions.permessage_deflate import (
    ClientPerMessageDeflateFactory,
    PerMessageDeflate,
)
from websockets.headers import build_extension, parse_extension

__all__ = ["HandshakeFailure", "Negotiated", "Offer", "make_offer", "negotiate"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 section 1.3


class HandshakeFailure(Exception):
    """The 101 response does not complete the handshake; ``str()`` says why."""


@dataclass(frozen=True, slots=True)
class Offer:
    """What the client asked for: its key, subprotocols and deflate offer."""

    key: str
    protocols: tuple[str, ...]
    deflate: ClientPerMessageDeflateFactory | None


@dataclass(frozen=True, slots=True)
class Negotiated:
    """What the server accepted."""

    protocol: str | None
    extensions: list[Extension]
    compress: int
    client_notakeover: bool


def make_offer(
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
    *,
    protocols: Iterable[str],
    origin: str | None,
    compress: int,
) -> tuple[Offer, CIMultiDict[str]]:
    """Build the handshake request headers on top of the caller's.

    Args:
        headers: the caller's headers; ``Upgrade``, ``Connection`` and
            ``Sec-WebSocket-Version`` are added only when absent.
        protocols: subprotocols to offer, in order of preference.
        origin: the ``Origin`` header, when given.
        compress: 0 offers no compression; 9 to 15 offer permessage-deflate,
            asking the server to compress with at most that many window bits
            when below 15.

    Raises:
        ValueError: ``compress`` is neither 0 nor between 9 and 15.
    """
    if compress and not 9 <= compress <= 15:
        raise ValueError("compress must be 0 (off) or window bits between 9 and 15")
    out: CIMultiDict[str] = CIMultiDict(headers or ())
    out.setdefault("Upgrade", "websocket")
    out.setdefault("Connection", "Upgrade")
    out.setdefault("Sec-WebSocket-Version", "13")
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    out["Sec-WebSocket-Key"] = key
    offered = tuple(protocols)
    if offered:
        out["Sec-WebSocket-Protocol"] = ",".join(offered)
    if origin is not None:
        out["Origin"] = origin
    deflate = None
    if compress:
        deflate = ClientPerMessageDeflateFactory(
            server_max_window_bits=None if compress == 15 else compress,
            client_max_window_bits=True,
            # Fastest level, as aiohttp's writer uses: messages are small and
            # the latency of compressing them matters more than their size.
            compress_settings={"level": zlib.Z_BEST_SPEED},
        )
        out["Sec-WebSocket-Extensions"] = build_extension(
            [(deflate.name, deflate.get_request_params())]
        )
    return Offer(key, offered, deflate), out


def accept_value(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` value that proves the server read ``key``."""
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + _GUID).digest()).decode("ascii")


def negotiate(offer: Offer, status: int, headers: Mapping[str, str]) -> Negotiated:
    """Check the server's answer to ``offer`` and return what was agreed.

    Raises:
        HandshakeFailure: wrong status, ``Upgrade``, ``Connection`` or
            ``Sec-WebSocket-Accept``; a subprotocol that was not offered; an
            extension that was not offered or whose parameters break RFC 7692.
    """
    if status != 101:
        raise HandshakeFailure("Invalid response status")
    if headers.get("Upgrade", "").strip().lower() != "websocket":
        raise HandshakeFailure("Invalid upgrade header")
    connection = {token.strip().lower() for token in headers.get("Connection", "").split(",")}
    if "upgrade" not in connection:
        raise HandshakeFailure("Invalid connection header")
    if headers.get("Sec-WebSocket-Accept", "").strip() != accept_value(offer.key):
        raise HandshakeFailure("Invalid challenge response")
    protocol = _negotiate_protocol(offer, headers.get("Sec-WebSocket-Protocol"))
    extensions = _negotiate_extensions(offer, headers.get("Sec-WebSocket-Extensions"))
    compress, notakeover = 0, False
    for extension in extensions:
        if isinstance(extension, PerMessageDeflate):
            compress = extension.local_max_window_bits
            notakeover = extension.local_no_context_takeover
    return Negotiated(protocol, extensions, compress, notakeover)


def _negotiate_protocol(offer: Offer, value: str | None) -> str | None:
    # RFC 6455 section 4.1: a subprotocol the client did not offer fails the
    # connection (aiohttp ignores it; lamella refuses it).
    if value is None or not value.strip():
        return None
    chosen = value.strip()
    if "," in chosen or chosen not in offer.protocols:
        raise HandshakeFailure(f"Server selected a subprotocol that was not offered: {chosen!r}")
    return chosen


def _negotiate_extensions(offer: Offer, value: str | None) -> list[Extension]:
    if value is None or not value.strip():
        return []
    try:
        items = parse_extension(value)
    except InvalidHeader as exc:
        raise HandshakeFailure(f"Invalid Sec-WebSocket-Extensions header: {exc}") from exc
    accepted: list[Extension] = []
    for name, params in items:
        factory = offer.deflate
        if factory is None or name != factory.name:
            raise HandshakeFailure(f"Server accepted an extension that was not offered: {name}")
        try:
            accepted.append(factory.process_response_params(params, accepted))
        except NegotiationError as exc:
            raise HandshakeFailure(f"Invalid {name} parameters: {exc}") from exc
    return accepted
