"""websockets' client Protocol as lamella drives it, and what the glue reports.

:class:`ClientProtocol` is websockets' sans-I/O client state machine, opened
already (the handshake went through lamella-core) and able to leave pings
to the application; :data:`EOF` is what a read returns once the socket is
gone; :func:`error_for` turns what the Protocol refused into the
``WebSocketError`` that ``receive()`` reports.
"""

from __future__ import annotations

from typing import Final

from websockets.exceptions import PayloadTooBig
from websockets.frames import Close, Frame, Opcode
from websockets.protocol import Protocol, Side, State

from ._errors import WebSocketError, WebSocketMessageTooBig

__all__ = ["EOF", "ClientProtocol", "error_for"]

_PING = Opcode.PING

# websockets' words for a broken frame, and aiohttp's for the same fault,
# which code written for aiohttp may compare against.
_AIOHTTP_WORDS = {
    "reserved bits must be 0": "Received frame with non-zero reserved bits",
    "fragmented control frame": "Received fragmented control frame",
    "control frame too long": "Control frame payload cannot be larger than 125 bytes",
}


class _Eof:
    """What :meth:`WebSocketConnection.read` returns once the socket is gone."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "EOF"


EOF: Final = _Eof()


class ClientProtocol(Protocol):
    """websockets' client-side Protocol, already open, with optional auto-pong.

    websockets always answers a ping; aiohttp's ``autoping=False`` hands pings
    to the application instead, which then answers with ``pong()``.
    """

    def __init__(self, *, max_size: int | None, autoping: bool) -> None:
        super().__init__(Side.CLIENT, state=State.OPEN, max_size=max_size)
        self.autoping = autoping

    def recv_frame(self, frame: Frame) -> None:
        if frame.opcode is _PING and not self.autoping:
            self.events.append(frame)
            return
        super().recv_frame(frame)


def error_for(exc: Exception, close_sent: Close | None) -> WebSocketError:
    """The ``ERROR`` message's exception for what the sans-I/O parser refused."""
    if isinstance(exc, PayloadTooBig) and exc.message is None:
        # The inflater may stop before it knows the size: more than the limit, at least.
        seen = (exc.size or 0) + (exc.current_size or 0)
        return WebSocketMessageTooBig(exc.max_size, max(seen, exc.max_size + 1))
    code = close_sent.code if close_sent is not None else 1006
    text = str(exc) or type(exc).__name__
    return WebSocketError(code, _AIOHTTP_WORDS.get(text, text))
