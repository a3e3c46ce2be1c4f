"""lamella-codecs: the ``br`` (Brotli) and ``zstd`` (Zstandard) content codings for lamella.

Installing the distribution is enough: lamella finds it through the
``lamella`` entry point, every new session advertises ``br`` and ``zstd`` in
``Accept-Encoding`` and decodes such bodies within the session's limits
(``max_decompressed_size``, ``max_compression_ratio``), as it does gzip. The
decoder classes are importable for direct use; each is loaded on first access
(PEP 562), so discovering the plugin imports neither library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__ as __version__

if TYPE_CHECKING:
    from ._brotli import BrotliDecoder
    from ._zstd import ZstdDecoder

__all__ = ["BrotliDecoder", "ZstdDecoder"]

_MODULES = {"BrotliDecoder": "._brotli", "ZstdDecoder": "._zstd"}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
