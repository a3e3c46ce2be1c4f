"""The ``h2`` state machine as lamella runs it, and the event it adds.

Two departures from the library, both confined here: the open-stream count
is only walked when it can matter, and a body that disagrees with its
content-length is reported as an event for its stream instead of failing
the whole connection.
"""

from __future__ import annotations

from typing import Any, cast

import h2.connection
import h2.exceptions

__all__ = ["MAX_STREAMS", "BadBodyLength", "H2State"]

#: The most streams one connection carries at once, whatever the server allows.
MAX_STREAMS = 256


class H2State(h2.connection.H2Connection):
    """h2's state machine, counting open streams only when the count can matter.

    Before each new stream h2 checks the server's stream limit by walking
    every stream it holds (dropping the closed ones as it goes): with 64
    streams in flight that walk is the costliest step of sending a request.
    The number of streams held bounds the number open from above, so while
    it is under the limit (and under ``MAX_STREAMS``, which bounds what is
    held) the check passes without the walk.
    """

    @property
    def open_outbound_streams(self) -> int:
        held = len(self.streams)
        if held < min(self.remote_settings.max_concurrent_streams, MAX_STREAMS):
            return held
        return super().open_outbound_streams

    def _receive_frame(self, frame: Any) -> list[Any]:
        # h2 makes a DATA frame that takes a body past its content-length, or
        # ends it short, a connection error, which would fail every stream of
        # the connection for one bad response. RFC 9113 section 8.1.1 makes it
        # a malformed response: a stream error, handled by that stream alone.
        try:
            return cast("list[Any]", super()._receive_frame(frame))
        except h2.exceptions.InvalidBodyLengthError as exc:
            return [BadBodyLength(frame.stream_id, frame.flow_controlled_length, exc)]


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
