"""The error both decoders raise, worded as lamella-core's gzip decoder words it."""

from __future__ import annotations

from lamella_core import ClientPayloadError

__all__ = ["decode_error"]


def decode_error(token: str, detail: str | None = None) -> ClientPayloadError:
    """The ``ClientPayloadError`` for a body that is not valid ``token`` data."""
    message = f"Can not decode content-encoding: {token}"
    return ClientPayloadError(f"{message} ({detail})" if detail else message)
