"""lamella-core's public surface: explicit, sorted, complete and unique."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import lamella_core

PUBLIC_MODULES = [
    "abc",
    "connection",
    "exceptions",
    "hdrs",
    "hookspecs",
    "plugins",
    "set_cookie",
    "tracing",
]


def test_all_is_unique():
    # Its order is ruff's (RUF022), checked by the lint step.
    assert len(lamella_core.__all__) == len(set(lamella_core.__all__))


def test_every_name_exists():
    for name in lamella_core.__all__:
        assert hasattr(lamella_core, name), name


def test_every_module_declares_all():
    for info in pkgutil.walk_packages(lamella_core.__path__, "lamella_core."):
        module = importlib.import_module(info.name)
        assert isinstance(getattr(module, "__all__", None), list), info.name


def test_exceptions_are_all_reexported():
    from lamella_core import exceptions

    assert set(exceptions.__all__) <= set(lamella_core.__all__)


def test_public_modules_import():
    for name in PUBLIC_MODULES:
        importlib.import_module(f"lamella_core.{name}")


@pytest.mark.parametrize(
    ("name", "distribution"),
    [
        ("TCPConnector", "lamella-connectors"),
        ("UnixConnector", "lamella-connectors"),
        ("CookieJar", "lamella-cookies"),
        ("ClientWebSocketResponse", "lamella-websocket"),
        ("WSMsgType", "lamella-websocket"),
    ],
)
def test_a_name_of_an_upper_distribution_names_it(name: str, distribution: str) -> None:
    with pytest.raises(AttributeError, match=f"pip install {distribution}"):
        getattr(lamella_core, name)
    assert not hasattr(lamella_core, name)


def test_an_unknown_name_is_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        lamella_core.NoSuchThing  # noqa: B018
