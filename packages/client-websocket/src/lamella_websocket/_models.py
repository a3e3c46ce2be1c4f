"""The values a WebSocket hands out: message types, close codes, messages, timeouts.

Names, members and numbers follow aiohttp's client reference, so code that
compares ``msg.type`` with ``WSMsgType.TEXT`` or a close code with
``WSCloseCode.OK`` runs unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, NamedTuple

__all__ = [
    "DEFAULT_WS_CLIENT_TIMEOUT",
    "WS_CLOSED_MESSAGE",
    "WS_CLOSING_MESSAGE",
    "ClientWSTimeout",
    "WSCloseCode",
    "WSMessage",
    "WSMsgType",
]


class WSCloseCode(IntEnum):
    """Close codes of RFC 6455 section 7.4.1 and the IANA registry."""

    OK = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    ABNORMAL_CLOSURE = 1006
    INVALID_TEXT = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014


class WSMsgType(IntEnum):
    """The type of a :class:`WSMessage`.

    The first six are RFC 6455 opcodes; ``CLOSING``, ``CLOSED`` and ``ERROR``
    describe the state of the connection, not a frame.
    """

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    PING = 0x9
    PONG = 0xA
    CLOSE = 0x8
    CLOSING = 0x100
    CLOSED = 0x101
    ERROR = 0x102

    # Lower-case aliases, as aiohttp keeps them.
    text = TEXT
    binary = BINARY
    ping = PING
    pong = PONG
    close = CLOSE
    closing = CLOSING
    closed = CLOSED
    error = ERROR


class WSMessage(NamedTuple):
    """One message received, or a change of the connection's state.

    ``data`` is ``str`` for TEXT (``bytes`` with ``decode_text=False``),
    ``bytes`` for BINARY, PING and PONG, the close code for CLOSE and the
    exception for ERROR. ``extra`` is the close reason for CLOSE.
    """

    type: WSMsgType
    data: Any
    extra: str | None

    def json(self, *, loads: Callable[[Any], Any] = json.loads) -> Any:
        """Parse ``data`` as JSON."""
        return loads(self.data)


WS_CLOSED_MESSAGE = WSMessage(WSMsgType.CLOSED, None, None)
WS_CLOSING_MESSAGE = WSMessage(WSMsgType.CLOSING, None, None)


@dataclass(frozen=True, slots=True)
class ClientWSTimeout:
    """Timeouts of a WebSocket, in seconds; None waits forever.

    Args:
        ws_receive: how long :meth:`ClientWebSocketResponse.receive` waits
            for a message when called without ``timeout``.
        ws_close: how long :meth:`ClientWebSocketResponse.close` waits for the
            server's close frame before dropping the connection.
    """

    ws_receive: float | None = None
    ws_close: float | None = None


#: What ``ws_connect`` uses when given no ``timeout``.
DEFAULT_WS_CLIENT_TIMEOUT = ClientWSTimeout(ws_receive=None, ws_close=10.0)
