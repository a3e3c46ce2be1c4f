"""Request bodies: what can be sent, its size and its default Content-Type.

A payload either holds its bytes (sent in the same ``write`` as the head
when small) or streams them, in which case it has no size and goes out
chunked. Reusable payloads (in-memory ones) can be sent again after a
redirect or a retry; streams cannot.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

__all__ = ["AsyncIterablePayload", "BytesPayload", "Payload", "payload_for"]


class Payload:
    """A request body; ``size`` is None when it streams."""

    __slots__ = ("content_type", "size")

    def __init__(self, content_type: str | None, size: int | None) -> None:
        self.content_type = content_type
        self.size = size

    @property
    def data(self) -> bytes | None:
        """The whole body when it is held in memory, else None."""
        return None

    @property
    def reusable(self) -> bool:
        """True when the body can be sent again (redirects, retries)."""
        return self.data is not None

    def chunks(self) -> AsyncIterator[bytes]:
        """Iterate over the body in pieces."""
        raise NotImplementedError


class BytesPayload(Payload):
    """A body held in memory."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes, content_type: str | None = "application/octet-stream") -> None:
        super().__init__(content_type, len(data))
        self._data = data

    @property
    def data(self) -> bytes:
        return self._data

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self._data


class AsyncIterablePayload(Payload):
    """A body produced by an async iterable, sent with chunked framing."""

    __slots__ = ("_iterable", "_consumed")

    def __init__(self, iterable: AsyncIterable[bytes], content_type: str | None = None) -> None:
        super().__init__(content_type or "application/octet-stream", None)
        self._iterable = iterable
        self._consumed = False

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._consumed:
            raise RuntimeError("A streamed request body can be sent only once")
        self._consumed = True
        async for piece in self._iterable:
            yield _as_bytes(piece)


def payload_for(data: Any) -> Payload:
    """Wrap ``data`` (bytes, str, form mapping or pairs, async iterable, payload)."""
    if isinstance(data, Payload):
        return data
    if isinstance(data, (bytes, bytearray, memoryview)):
        return BytesPayload(bytes(data))
    if isinstance(data, str):
        return BytesPayload(data.encode("utf-8"), "text/plain; charset=utf-8")
    if isinstance(data, Mapping) or (isinstance(data, (list, tuple)) and _is_pairs(data)):
        items = data.items() if isinstance(data, Mapping) else data
        return BytesPayload(
            urlencode(list(items), doseq=True).encode("ascii"),
            "application/x-www-form-urlencoded",
        )
    if isinstance(data, AsyncIterable):
        return AsyncIterablePayload(data)
    raise TypeError(f"Cannot send a request body of type {type(data).__name__}")


def _as_bytes(piece: object) -> bytes:
    if isinstance(piece, str):
        return piece.encode("utf-8")
    if isinstance(piece, (bytes, bytearray, memoryview)):
        return bytes(piece)
    raise TypeError(f"Body pieces must be bytes, not {type(piece).__name__}")


def _is_pairs(data: Iterable[Any]) -> bool:
    return all(isinstance(item, (list, tuple)) and len(item) == 2 for item in data)
