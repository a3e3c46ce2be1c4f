"""Fixtures of lamella-codecs' tests: lamella-core as if the plugin were not installed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lamella_core import plugins


@pytest.fixture
def without_codecs() -> Iterator[None]:
    """Sessions created inside see lamella-core as if lamella-codecs were not installed."""
    manager = plugins.get_plugin_manager()
    plugin = manager.unregister(name="codecs")
    assert plugin is not None, "lamella-codecs is not installed in the test environment"
    try:
        yield
    finally:
        manager.register(plugin, "codecs")
