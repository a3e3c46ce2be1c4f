"""lamina-core's public surface: explicit, sorted, complete and unique."""

from __future__ import annotations

import importlib
import pkgutil

import lamina_core

PUBLIC_MODULES = ["exceptions", "abc", "hdrs", "hookspecs", "plugins", "tracing"]


def test_all_is_unique():
    # Its order is ruff's (RUF022), checked by the lint step.
    assert len(lamina_core.__all__) == len(set(lamina_core.__all__))


def test_every_name_exists():
    for name in lamina_core.__all__:
        assert hasattr(lamina_core, name), name


def test_every_module_declares_all():
    for info in pkgutil.walk_packages(lamina_core.__path__, "lamina_core."):
        module = importlib.import_module(info.name)
        assert isinstance(getattr(module, "__all__", None), list), info.name


def test_exceptions_are_all_reexported():
    from lamina_core import exceptions

    assert set(exceptions.__all__) <= set(lamina_core.__all__)


def test_public_modules_import():
    for name in PUBLIC_MODULES:
        importlib.import_module(f"lamina_core.{name}")
