"""What aiohttp's rewritten test files import instead of ``aiohttp``.

The compatibility job (run.py) replaces every ``import aiohttp...`` and
``from aiohttp... import ...`` in aiohttp's client test files by calls to
:func:`module` and :func:`attr`. They decide, one name at a time, whose
object a test gets:

- a client name (one of aiohttp's client API: the root's client names, and
  the names lamella's alias module of the same name lists, e.g.
  ``lamella.client_exceptions``) comes from lamella. When lamella lacks it,
  the test gets a :class:`Missing` stand-in that raises :class:`LamellaLacks`
  when used, so only the tests that use it fail, and say why; a plain data
  constant (``WS_KEY``, a size limit) is protocol data rather than
  behaviour, so aiohttp's value is used instead;
- everything else (``aiohttp.web``, ``aiohttp.test_utils``, the server-side
  names of shared modules, aiohttp's private modules and names) stays
  aiohttp's: the server is aiohttp's, and tests of aiohttp's internals go on
  testing aiohttp's internals (and fail when they reach lamella).
"""

from __future__ import annotations

import importlib
import types
from typing import Any

import aiohttp

import lamella

__all__ = ["LamellaLacks", "Missing", "attr", "module", "used_constants"]

# aiohttp's root names that belong to its server (or to both sides, with the
# server as the user): they stay aiohttp's.
_SERVER_ROOT_NAMES = frozenset(
    {"GunicornUVLoopWebWorker", "GunicornWebWorker", "ChainMapProxy", "ETag"}
)

# aiohttp's client modules: those lamella has a namesake of (the names each
# lists are the client names), and those it has none of yet (there the
# public names of aiohttp's module are).
_CLIENT_MODULES = lamella._SUBMODULES | {"client_middleware_digest_auth", "client_middlewares"}

# aiohttp client names that live in a private module of aiohttp's.
_CLIENT_NAMES_ELSEWHERE = {"helpers": frozenset({"BasicAuth"})}

_CONSTANT_TYPES = (str, bytes, int, float, frozenset, tuple)

# (module, name) of the aiohttp data constants tests got because lamella
# lacks them; the plugin reports them.
used_constants: set[tuple[str, str]] = set()


class LamellaLacks(Exception):
    """Raised when a test uses a client name of aiohttp's that lamella does not have."""


class Missing:
    """Stands for aiohttp's client name ``aiohttp.<where>.<name>`` that lamella lacks.

    Importing it works, so one missing name does not stop a whole test file
    from being collected; using it in any way raises :class:`LamellaLacks`.
    Dunder look-ups raise ``AttributeError`` so that pytest and ``typing``
    can inspect it, and subscripting and ``|`` return it, so annotations
    naming it still evaluate.
    """

    def __init__(self, where: str, name: str) -> None:
        self._qualname = f"aiohttp.{where}.{name}" if where else f"aiohttp.{name}"

    def _lacks(self) -> LamellaLacks:
        return LamellaLacks(f"lamella lacks {self._qualname}")

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        raise self._lacks()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise self._lacks()

    def __instancecheck__(self, instance: Any) -> bool:
        raise self._lacks()

    def __subclasscheck__(self, cls: Any) -> bool:
        raise self._lacks()

    def __getitem__(self, item: Any) -> Missing:
        return self

    def __or__(self, other: Any) -> Missing:
        return self

    __ror__ = __or__

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        # `class X(Missing):` at a test module's top level: the class is
        # created, and making an instance of it raises.
        lacks = self._lacks

        def __new__(cls: type, *args: Any, **kwargs: Any) -> Any:
            raise lacks()

        return (type(f"Missing:{self._qualname}", (), {"__new__": __new__}),)

    def __repr__(self) -> str:
        return f"<missing in lamella: {self._qualname}>"


class _ShimModule(types.ModuleType):
    """``aiohttp`` itself, or one of its client modules, as a test sees it."""

    def __init__(self, where: str) -> None:
        super().__init__(f"aiohttp.{where}" if where else "aiohttp")
        self._where = where

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            return getattr(importlib.import_module(self.__name__), name)
        return attr(self._where, name)


_ROOT = _ShimModule("")
_SHIMS: dict[str, _ShimModule] = {}


def _client_names(where: str) -> frozenset[str]:
    """The client names of aiohttp's module ``where`` ("" for the root)."""
    if where == "":
        return frozenset(aiohttp.__all__) - _SERVER_ROOT_NAMES
    if where in _CLIENT_NAMES_ELSEWHERE:
        return _CLIENT_NAMES_ELSEWHERE[where]
    if where not in _CLIENT_MODULES:
        return frozenset()
    mine = _lamella_module(where)
    if mine is not None:
        aliased = getattr(mine, "_aliased", None)
        return aliased if aliased is not None else frozenset(getattr(mine, "__all__", ()))
    theirs = importlib.import_module(f"aiohttp.{where}")
    return frozenset(
        getattr(theirs, "__all__", None) or (n for n in vars(theirs) if not n.startswith("_"))
    )


def _lamella_module(where: str) -> types.ModuleType | None:
    try:
        return importlib.import_module(f"lamella.{where}")
    except ModuleNotFoundError:
        return None


def module(where: str) -> types.ModuleType:
    """What ``import aiohttp.<where>`` gives a test ("" for ``import aiohttp``)."""
    if where == "":
        return _ROOT
    if where in _CLIENT_MODULES:
        # Not lamella's module itself: a test that reaches for an internal
        # of aiohttp's module (`cookiejar_module._MAX_COOKIES_PER_DOMAIN`)
        # gets aiohttp's, as with `from aiohttp.cookiejar import ...`.
        return _SHIMS.setdefault(where, _ShimModule(where))
    return importlib.import_module(f"aiohttp.{where}")


def attr(where: str, name: str) -> Any:
    """What ``from aiohttp.<where> import <name>`` gives a test."""
    if where == "" and name in _CLIENT_MODULES:
        return module(name)
    if name not in _client_names(where):
        return getattr(importlib.import_module(f"aiohttp.{where}" if where else "aiohttp"), name)
    source = lamella if where in ("", *_CLIENT_NAMES_ELSEWHERE) else _lamella_module(where)
    if source is not None and hasattr(source, name):
        return getattr(source, name)
    theirs = getattr(importlib.import_module(f"aiohttp.{where}" if where else "aiohttp"), name)
    if isinstance(theirs, _CONSTANT_TYPES):
        used_constants.add((where, name))
        return theirs
    return Missing(where, name)
