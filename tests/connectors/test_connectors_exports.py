"""The public names of lamina-connectors and lamina-socks."""

from __future__ import annotations

import importlib

import pytest

import lamina_connectors


def test_lamina_connectors_all():
    assert lamina_connectors.__all__ == sorted(lamina_connectors.__all__)
    assert set(lamina_connectors.__all__) == {
        "AsyncResolver",
        "DefaultResolver",
        "Fingerprint",
        "TCPConnector",
        "ThreadedResolver",
        "UnixConnector",
    }
    for name in lamina_connectors.__all__:
        assert getattr(lamina_connectors, name) is not None


@pytest.mark.parametrize(
    "module",
    [
        "lamina_connectors._dns",
        "lamina_connectors._env",
        "lamina_connectors._fingerprint",
        "lamina_connectors._plugin",
        "lamina_connectors._proxy",
        "lamina_connectors._resolver",
        "lamina_connectors._tcp",
        "lamina_connectors._unix",
        "lamina_socks",
        "lamina_socks._connector",
        "lamina_socks._plugin",
    ],
)
def test_every_module_declares_all(module):
    names = importlib.import_module(module).__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(importlib.import_module(module), name)


def test_the_meta_package_reexports_the_connectors():
    import lamina

    for name in lamina_connectors.__all__:
        assert getattr(lamina, name) is getattr(lamina_connectors, name)


def test_discovering_the_plugins_is_cheap():
    # What lamina-core's plugin manager imports at discovery must not load
    # the connectors themselves, aiohappyeyeballs or python-socks.
    import subprocess
    import sys

    script = (
        "import sys, lamina_connectors._plugin, lamina_socks._plugin\n"
        "heavy = [m for m in ('lamina_connectors._tcp', 'aiohappyeyeballs', 'python_socks')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
