"""The public names of lamella-connectors and lamella-socks."""

from __future__ import annotations

import importlib

import pytest

import lamella_connectors


def test_lamella_connectors_all():
    assert lamella_connectors.__all__ == sorted(lamella_connectors.__all__)
    assert set(lamella_connectors.__all__) == {
        "AddrInfoType",
        "AsyncResolver",
        "DefaultResolver",
        "Fingerprint",
        "NamedPipeConnector",
        "SocketFactoryType",
        "TCPConnector",
        "TLSSettings",
        "ThreadedResolver",
        "UnixConnector",
    }
    for name in lamella_connectors.__all__:
        assert getattr(lamella_connectors, name) is not None


@pytest.mark.parametrize(
    "module",
    [
        "lamella_connectors._dns",
        "lamella_connectors._env",
        "lamella_connectors._fingerprint",
        "lamella_connectors._pipe",
        "lamella_connectors._plugin",
        "lamella_connectors._proxy",
        "lamella_connectors._resolver",
        "lamella_connectors._tcp",
        "lamella_connectors._tls",
        "lamella_connectors._unix",
        "lamella_socks",
        "lamella_socks._connector",
        "lamella_socks._plugin",
    ],
)
def test_every_module_declares_all(module):
    names = importlib.import_module(module).__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(importlib.import_module(module), name)


def test_the_meta_package_reexports_the_connectors():
    import lamella

    # TLSSettings is for connector authors (TCPConnector's subclasses), not
    # part of aiohttp's API, so the meta-package leaves it where it is.
    for name in set(lamella_connectors.__all__) - {"TLSSettings"}:
        assert getattr(lamella, name) is getattr(lamella_connectors, name)
    assert not hasattr(lamella, "TLSSettings")


def test_discovering_the_plugins_is_cheap():
    # What lamella-core's plugin manager imports at discovery must not load
    # the connectors themselves, aiohappyeyeballs or python-socks.
    import subprocess
    import sys

    script = (
        "import sys, lamella_connectors._plugin, lamella_socks._plugin\n"
        "heavy = [m for m in ('lamella_connectors._tcp', 'aiohappyeyeballs', 'python_socks')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
