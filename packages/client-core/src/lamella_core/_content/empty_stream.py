"""The stream of a response that has no body, shared by all such responses.

A 204, a 304, a HEAD answer: each gets ``EMPTY_PAYLOAD``, an always-complete
:class:`~.streams.StreamReader` that needs no event loop and no producer.
"""

from __future__ import annotations

import asyncio
from typing import Final, cast

from .streams import _NO_CAUSE, StreamReader, _Sentinel

__all__ = ["EMPTY_PAYLOAD", "EmptyStreamReader"]


class _NoFlowControl:
    """A producer stand-in for streams that never receive data."""

    __slots__ = ()

    def pause_reading(self) -> None:
        """Do nothing: there is no producer to pause."""

    def resume_reading(self) -> None:
        """Do nothing: there is no producer to resume."""


class EmptyStreamReader(StreamReader):
    """An always-complete, always-empty stream for bodies that have no content.

    It is immutable, so one instance (``EMPTY_PAYLOAD``) serves every response
    without a body, with no event loop needed.
    """

    __slots__ = ()

    def __init__(self) -> None:
        # Never waits, so it never needs a loop; the cast keeps the slot typed.
        super().__init__(_NoFlowControl(), 1, loop=cast("asyncio.AbstractEventLoop", None))
        self._eof = True

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def feed_data(self, data: bytes) -> None:
        """Ignore data: an empty stream stays empty."""

    def feed_eof(self) -> None:
        """Do nothing: the stream is already complete."""

    def set_exception(
        self,
        exc: BaseException,
        exc_cause: BaseException | _Sentinel | None = _NO_CAUSE,
    ) -> None:
        """Ignore errors: nothing can break an empty body."""

    def begin_http_chunk_receiving(self) -> None:
        """Do nothing: an empty stream has no chunks."""

    def end_http_chunk_receiving(self) -> None:
        """Do nothing: an empty stream has no chunks."""


EMPTY_PAYLOAD: Final[StreamReader] = EmptyStreamReader()
