"""Which payload class wraps which value: aiohttp's payload registry.

``PAYLOAD_REGISTRY`` is searched in registration order (``try_first``
factories before the rest, ``try_last`` after), so a type registered with
``payload_type`` can be sent as ``data=``, a form field or a multipart part.
"""

from __future__ import annotations

import enum
import io
from collections.abc import AsyncIterable, Callable
from typing import Any, Protocol, TypeVar, runtime_checkable

from .file_payloads import BufferedReaderPayload, BytesIOPayload, IOPayload, TextIOPayload
from .payloads import (
    AsyncIterablePayload,
    BytesPayload,
    Payload,
    Relayable,
    StreamReaderPayload,
    StringIOPayload,
    StringPayload,
)
from .streams import StreamReader

_F = TypeVar("_F", bound=Callable[..., Any])

__all__ = [
    "PAYLOAD_REGISTRY",
    "Order",
    "PayloadLookupError",
    "PayloadRegistry",
    "get_payload",
    "payload_for",
    "payload_type",
    "register_payload",
    "registered_payload",
]

# --- the registry ----------------------------------------------------------------------


class PayloadLookupError(LookupError):
    """No payload factory is registered for a value's type."""


class Order(enum.StrEnum):
    """Where a factory goes in the registry's search: before, among or after the rest."""

    normal = "normal"
    try_first = "try_first"
    try_last = "try_last"


_Factory = Callable[..., "Payload"]


class PayloadRegistry:
    """Which payload class wraps a value of which type, searched in registration order.

    ``try_first`` factories are tried before the rest, then the exact type
    of the value is looked up, then ``isinstance`` is tried on the ``normal``
    factories and finally on the ``try_last`` ones.
    """

    __slots__ = ("_first", "_normal", "_last", "_exact")

    def __init__(self) -> None:
        self._first: list[tuple[_Factory, Any]] = []
        self._normal: list[tuple[_Factory, Any]] = []
        self._last: list[tuple[_Factory, Any]] = []
        self._exact: dict[type, _Factory] = {}

    def get(self, data: Any, *args: Any, **kwargs: Any) -> Payload:
        """Wrap ``data`` with the factory registered for its type.

        Raises:
            PayloadLookupError: no factory takes ``data``.
        """
        for factory, types in self._first:
            if isinstance(data, types):
                return factory(data, *args, **kwargs)
        exact = self._exact.get(type(data))
        if exact is not None:
            return exact(data, *args, **kwargs)
        if isinstance(data, Payload):
            return data
        for factory, types in (*self._normal, *self._last):
            if isinstance(data, types):
                return factory(data, *args, **kwargs)
        raise PayloadLookupError(f"No payload is registered for {type(data).__name__}")

    def register(self, factory: _Factory, type: Any, *, order: Order = Order.normal) -> None:
        """Make ``factory(value, *args, **kwargs)`` wrap values of ``type`` (a type or a tuple).

        Raises:
            ValueError: ``order`` is not an ``Order``.
        """
        if order is Order.try_first:
            self._first.append((factory, type))
        elif order is Order.normal:
            self._normal.append((factory, type))
            for exact in type if isinstance(type, tuple) else (type,):
                self._exact[exact] = factory
        elif order is Order.try_last:
            self._last.append((factory, type))
        else:
            raise ValueError(f"Unsupported order {order!r}")


PAYLOAD_REGISTRY = PayloadRegistry()


def get_payload(data: Any, *args: Any, **kwargs: Any) -> Payload:
    """Wrap ``data`` as a payload through ``PAYLOAD_REGISTRY``.

    Raises:
        PayloadLookupError: no factory takes ``data``.
    """
    return PAYLOAD_REGISTRY.get(data, *args, **kwargs)


def register_payload(factory: _Factory, type: Any, *, order: Order = Order.normal) -> None:
    """Register ``factory`` for values of ``type`` in ``PAYLOAD_REGISTRY``."""
    PAYLOAD_REGISTRY.register(factory, type, order=order)


class payload_type:
    """Class decorator: ``@payload_type(MyType)`` registers the payload class for ``MyType``."""

    def __init__(self, type: Any, *, order: Order = Order.normal) -> None:
        self.type = type
        self.order = order

    def __call__(self, factory: _F) -> _F:
        register_payload(factory, self.type, order=self.order)
        return factory


@runtime_checkable
class _Readable(Protocol):
    def read(self, size: int = ..., /) -> Any: ...


PAYLOAD_REGISTRY.register(BytesPayload, (bytes, bytearray, memoryview))
PAYLOAD_REGISTRY.register(StringPayload, str)
PAYLOAD_REGISTRY.register(StringIOPayload, io.StringIO)
PAYLOAD_REGISTRY.register(TextIOPayload, io.TextIOBase)
PAYLOAD_REGISTRY.register(BytesIOPayload, io.BytesIO)
PAYLOAD_REGISTRY.register(BufferedReaderPayload, (io.BufferedReader, io.BufferedRandom))
PAYLOAD_REGISTRY.register(IOPayload, io.IOBase)
PAYLOAD_REGISTRY.register(StreamReaderPayload, StreamReader)
# Last, so that a more specific registration of an async iterable wins.
PAYLOAD_REGISTRY.register(AsyncIterablePayload, AsyncIterable, order=Order.try_last)
# Objects shaped like a response's stream, then any other object with
# read(): a file-like object that is no io.IOBase.
PAYLOAD_REGISTRY.register(StreamReaderPayload, Relayable, order=Order.try_last)
PAYLOAD_REGISTRY.register(IOPayload, _Readable, order=Order.try_last)


def payload_for(data: Any, *, encoding: str = "utf-8") -> Payload:
    """Wrap one value as a payload: a body, a form field or a multipart part.

    The value goes through ``PAYLOAD_REGISTRY``, so a type registered with
    ``payload_type`` is accepted everywhere a body is. Forms (mappings,
    pairs, ``FormData``) are for a request's ``data=`` only;
    ``bodies.request_body`` adds them.

    Args:
        data: anything the registry takes (bytes-like, str, a file-like
            object, an async iterable, a response's stream, a payload).
        encoding: the charset for a str body.

    Raises:
        TypeError: no payload is registered for ``data``.
    """
    try:
        return registered_payload(data, encoding=encoding)
    except PayloadLookupError:
        raise TypeError(f"Cannot send a request body of type {type(data).__name__}") from None


def registered_payload(data: Any, *, encoding: str = "utf-8") -> Payload:
    """``get_payload(data)``, with text encoded in ``encoding``.

    Raises:
        PayloadLookupError: no payload is registered for ``data``.
    """
    if encoding != "utf-8" and isinstance(data, (str, io.StringIO)):
        text = data if isinstance(data, str) else data.read()
        return StringPayload(text, encoding=encoding)
    return PAYLOAD_REGISTRY.get(data)
