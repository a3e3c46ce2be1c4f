"""Per-message compression settings for ``send_*(..., compress=N)``.

The negotiated permessage-deflate extension compresses every message with
the connection's shared context. aiohttp lets one message use other window
bits instead; RFC 7692 allows it as long as the window is not larger than the
one negotiated, and an uncompressed message (RSV1 clear) is always allowed.
Such a message is compressed on its own, with a fresh context, so the
receiver's shared context stays valid.
"""

from __future__ import annotations

import dataclasses
import zlib

from websockets.extensions.base import Extension
from websockets.frames import CTRL_OPCODES, Frame
from websockets.typing import ExtensionName

__all__ = ["one_message_deflate"]


class _OneMessageDeflate(Extension):
    """Compresses one whole (unfragmented) message with its own deflate context."""

    name = ExtensionName("permessage-deflate")

    def __init__(self, window_bits: int) -> None:
        self.window_bits = window_bits

    def decode(self, frame: Frame, *, max_size: int | None = None) -> Frame:
        raise AssertionError("only used to send")  # pragma: no cover

    def encode(self, frame: Frame) -> Frame:
        if frame.opcode in CTRL_OPCODES:
            return frame
        compressor = zlib.compressobj(zlib.Z_BEST_SPEED, zlib.DEFLATED, -self.window_bits)
        data = compressor.compress(frame.data) + compressor.flush(zlib.Z_SYNC_FLUSH)
        # RFC 7692 section 7.2.1: drop the 0x00 0x00 0xff 0xff of the sync flush.
        return dataclasses.replace(frame, data=data[:-4], rsv1=True)


def one_message_deflate(compress: int, negotiated: int) -> list[Extension]:
    """The extensions to send one message with: none for 0, else a private deflate.

    ``compress`` is capped at ``negotiated``, the largest window the server accepts.
    """
    if compress == 0:
        return []
    return [_OneMessageDeflate(max(9, min(compress, negotiated)))]
