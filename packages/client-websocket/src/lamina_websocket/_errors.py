"""WebSocket errors: leaves of lamina-core's exception tree, never a second root.

::

    lamina_core.ClientError
    ├── WebSocketError               a protocol failure after the handshake;
    │                                ``code`` is the close code sent for it
    └── WSMessageTypeError (+ TypeError)
                                     receive_str/bytes/json got another type

Handshake failures are lamina-core's ``WSServerHandshakeError``.
"""

from __future__ import annotations

from lamina_core import ClientError

__all__ = ["WSMessageTypeError", "WebSocketError"]


class WebSocketError(ClientError):
    """The peer broke the WebSocket protocol, or a message was refused.

    Delivered as the ``data`` of a ``WSMsgType.ERROR`` message. ``code`` is
    the close code lamina closed the connection with (1002 protocol error,
    1007 invalid UTF-8, 1009 message too big, ...).
    """

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        super().__init__(code, message)

    def __str__(self) -> str:
        return str(self.args[1])


class WSMessageTypeError(ClientError, TypeError):
    """``receive_str``, ``receive_bytes`` or ``receive_json`` got another message type."""
