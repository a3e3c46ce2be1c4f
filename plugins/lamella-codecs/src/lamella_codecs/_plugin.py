"""The hook lamella-core calls once per session to learn the codings this plugin decodes.

A coding is registered only when its library imports, so ``Accept-Encoding``
never offers what this process cannot decode (for example ``zstd`` on an
interpreter the backport has no build for).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import lamella_codecs
from lamella_core import hookimpl

__all__ = ["available_codings", "lamella_content_decoders"]

# token -> the package attribute holding its decoder class (imported on access)
_CODINGS = {"br": "BrotliDecoder", "zstd": "ZstdDecoder"}


@functools.cache
def available_codings() -> dict[str, Callable[[], Any]]:
    """The decoder class of each coding whose library can be imported here.

    Computed once per process: the first session pays for the imports.
    """
    found: dict[str, Callable[[], Any]] = {}
    for token, name in _CODINGS.items():
        try:
            found[token] = getattr(lamella_codecs, name)
        except ImportError:
            continue
    return found


@hookimpl
def lamella_content_decoders(register: Callable[[str, Callable[[], Any]], None]) -> None:
    """Register ``br`` and ``zstd``, those of them that this interpreter can decode."""
    for token, factory in available_codings().items():
        register(token, factory)
