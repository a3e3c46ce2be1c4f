"""The single error type of the wire layer.

Strategy: the sans-I/O layer knows nothing of the public exception tree, so
it raises only ``WireError`` with a human hint. One place above it, the
connection protocol, turns it into ``ClientResponseError`` (broken head),
``ClientPayloadError`` (broken body) or ``ServerDisconnectedError``
(truncated before the head), because only that place knows which phase the
response was in.
"""

from __future__ import annotations

__all__ = ["WireError"]


class WireError(Exception):
    """The bytes on the wire break HTTP/1.1 framing; ``args[0]`` says how.

    ``events`` holds what the same ``feed`` call completed before the fault
    (a head, body pieces), so the caller can tell a broken head from a
    broken body.
    """

    def __init__(self, *args: object, limit: str | None = None, value: int = 0) -> None:
        super().__init__(*args)
        self.events: list[object] = []
        #: The ``ClientLimits`` field that was crossed, if a limit caused this.
        self.limit = limit
        self.value = value
