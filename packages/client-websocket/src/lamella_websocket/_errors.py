"""WebSocket errors: leaves of lamella-core's exception tree, never a second root.

::

    lamella_core.ClientError
    ├── WebSocketError               a protocol failure after the handshake;
    │   │                            ``code`` is the close code sent for it
    │   └── WebSocketMessageTooBig (+ lamella_core.WebSocketMessageTooLarge)
    │                                a message over ``max_msg_size`` (1009)
    └── WSMessageTypeError (+ TypeError)
                                     receive_str/bytes/json got another type

Handshake failures are lamella-core's ``WSServerHandshakeError``.
"""

from __future__ import annotations

from lamella_core import ClientError, WebSocketMessageTooLarge

__all__ = ["WSMessageTypeError", "WebSocketError", "WebSocketMessageTooBig"]


class WebSocketError(ClientError):
    """The peer broke the WebSocket protocol, or a message was refused.

    Delivered as the ``data`` of a ``WSMsgType.ERROR`` message. ``code`` is
    the close code lamella closed the connection with (1002 protocol error,
    1007 invalid UTF-8, 1009 message too big, ...).
    """

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        super().__init__(code, message)

    def __str__(self) -> str:
        return str(self.args[1])


class WebSocketMessageTooBig(WebSocketError, WebSocketMessageTooLarge):
    """A message longer than ``max_msg_size`` arrived; the connection was closed with 1009.

    Both a ``WebSocketError`` (as aiohttp reports it) and the
    ``ClientLimits`` error for ``max_ws_message_size``, with its ``limit``,
    ``value`` and ``actual`` attributes.
    """

    def __init__(self, value: int, actual: int) -> None:
        WebSocketMessageTooLarge.__init__(self, "max_ws_message_size", value, actual)
        self.code = 1009

    def __str__(self) -> str:
        return str(self.args[0])


class WSMessageTypeError(ClientError, TypeError):
    """``receive_str``, ``receive_bytes`` or ``receive_json`` got another message type."""
