"""The ``h2`` state machine as lamella runs it, and the event it adds.

Four departures from the library, all confined here: the open-stream count
is only walked when it can matter, a request's head is framed without h2's
frame objects, a received frame is handled without being formatted for a
trace log, and a body that disagrees with its content-length is reported as
an event for its stream instead of failing the whole connection.
"""

from __future__ import annotations

import struct
from typing import Any, cast

import h2.connection
import h2.exceptions
from h2.connection import AllowedStreamIDs, ConnectionInputs
from h2.errors import ErrorCodes
from h2.stream import StreamInputs
from hyperframe.frame import RstStreamFrame

__all__ = ["MAX_STREAMS", "BadBodyLength", "H2State"]

#: The most streams one connection carries at once, whatever the server allows.
MAX_STREAMS = 256

_FRAME_HEAD = struct.Struct(">HBBBL")  # length (24 bits as 16 + 8), type, flags, stream id
_HEADERS, _CONTINUATION = 0x1, 0x9
_END_STREAM, _END_HEADERS = 0x1, 0x4


class H2State(h2.connection.H2Connection):
    """h2's state machine, with the departures the module docstring lists.

    The open-stream count: before each new stream h2 checks the server's
    stream limit by walking every stream it holds (dropping the closed ones
    as it goes), the costliest step of sending a request with 64 streams in
    flight. The number of streams held bounds the number open from above,
    so while it is under the limit (and under ``MAX_STREAMS``, which bounds
    what is held) the check passes without the walk.
    """

    @property
    def open_outbound_streams(self) -> int:
        held = len(self.streams)
        if held < min(self.remote_settings.max_concurrent_streams, MAX_STREAMS):
            return held
        return super().open_outbound_streams

    def open_request(
        self, stream_id: int, headers: list[tuple[bytes, bytes]], end_stream: bool
    ) -> None:
        """Open ``stream_id`` with a request head, as ``send_headers`` would.

        The same state transitions and the same bytes, without the frame
        objects, flag sets and header walks h2 spends on every head (about
        a seventh of a small HTTPS request's instructions). ``headers`` are
        bytes, the pseudo-headers first, and already checked (``_head.py``),
        as h2's outbound validation is off.

        Raises:
            h2.exceptions.ProtocolError: the connection cannot open the stream.
        """
        limit = self.remote_settings.max_concurrent_streams
        if self.open_outbound_streams + 1 > limit:
            raise h2.exceptions.TooManyStreamsError(f"Max outbound streams is {limit}")
        self.state_machine.process_input(ConnectionInputs.SEND_HEADERS)
        stream = self._begin_new_stream(stream_id, AllowedStreamIDs.ODD)
        stream.state_machine.process_input(StreamInputs.SEND_HEADERS)
        if end_stream:
            stream.state_machine.process_input(StreamInputs.SEND_END_STREAM)
        for name, value in headers:
            if name == b":method":
                stream.request_method = value  # a HEAD's response has no body
            elif name == b":authority":
                stream._authority = value
            elif name[:1] != b":":
                break
        block = self.encoder.encode(headers)
        size = self.max_outbound_frame_size
        frame_type, flags = _HEADERS, _END_STREAM if end_stream else 0
        out = self._data_to_send  # a bytearray, extended in place
        for start in range(0, max(len(block), 1), size):
            piece = block[start : start + size]
            n = len(piece)
            if start + size >= len(block):
                flags |= _END_HEADERS
            out += _FRAME_HEAD.pack(n >> 8, n & 0xFF, frame_type, flags, stream_id)
            out += piece
            frame_type, flags = _CONTINUATION, 0

    def _receive_frame(self, frame: Any) -> list[Any]:
        """Handle one received frame as h2 does, without formatting it first.

        h2 formats every frame it receives for its trace log, listened to or
        not, and a DATA frame's format is a hex dump of its whole payload:
        32 KiB of text made and dropped per 16 KiB frame of a download. The
        frame goes to h2's own handler for its type here instead; a frame
        for a stream that is already closed is answered as h2 answers it.
        """
        try:
            frames, events = self._frame_dispatch_table[frame.__class__](frame)
        except h2.exceptions.InvalidBodyLengthError as exc:
            # h2 makes a body past its content-length, or ended short, a
            # connection error, which would fail every stream for one bad
            # response; RFC 9113 section 8.1.1 makes it a malformed response:
            # a stream error, handled by that stream alone.
            return [BadBodyLength(frame.stream_id, frame.flow_controlled_length, exc)]
        except h2.exceptions.StreamClosedError as exc:
            if not self._stream_is_closed_by_reset(exc.stream_id):
                raise  # closed by END_STREAM: a connection error
            self._reset_again(exc.stream_id, exc.error_code)  # a late frame of a reset stream
            return exc._events
        except h2.exceptions.StreamIDTooLowError as exc:
            # A stream closed long enough ago that h2 no longer holds it.
            if self._stream_is_closed_by_reset(exc.stream_id):
                self._reset_again(exc.stream_id, ErrorCodes.STREAM_CLOSED)
                return []
            if self._stream_is_closed_by_end(exc.stream_id):
                raise h2.exceptions.StreamClosedError(exc.stream_id) from exc
            raise  # never opened, or closed by a later stream: PROTOCOL_ERROR
        self._prepare_for_sending(frames)
        return cast("list[Any]", events)

    def _reset_again(self, stream_id: int, error_code: Any) -> None:
        """Answer a frame on a stream lamella reset with another ``RST_STREAM``."""
        reset = RstStreamFrame(stream_id)
        reset.error_code = error_code
        self._prepare_for_sending([reset])


class BadBodyLength:
    """The event of a DATA frame whose body disagrees with its content-length."""

    __slots__ = ("actual", "declared", "flow_controlled_length", "stream_id")

    def __init__(
        self, stream_id: int, flow_controlled_length: int, exc: h2.exceptions.InvalidBodyLengthError
    ) -> None:
        self.stream_id = stream_id
        self.flow_controlled_length = flow_controlled_length  # consumed from both windows
        self.declared: int = exc.expected_length
        self.actual: int = exc.actual_length
