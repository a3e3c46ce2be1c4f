"""Every lamella distribution registers itself in the ``lamella`` entry-point group."""

from __future__ import annotations

import importlib
import importlib.metadata

import pytest

EXPECTED = {
    "lamella-core": ("core", "lamella_core._defaults"),
    "lamella-connectors": ("connectors", "lamella_connectors._plugin"),
    "lamella-websocket": ("websocket", "lamella_websocket._plugin"),
    "lamella-cookies": ("cookies", "lamella_cookies._plugin"),
    "lamella-http2": ("http2", "lamella_http2._plugin"),
    "lamella": ("lamella", "lamella._plugin"),
}


def _lamella_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group="lamella")}


@pytest.mark.parametrize("distribution", sorted(EXPECTED))
def test_distribution_registers_its_plugin(distribution: str) -> None:
    name, module = EXPECTED[distribution]
    points = _lamella_entry_points()
    assert name in points, f"{distribution} registers no `{name}` entry point"
    assert points[name].value == module
    assert points[name].dist is not None
    assert points[name].dist.name == distribution


@pytest.mark.parametrize("distribution", sorted(EXPECTED))
def test_plugin_module_imports(distribution: str) -> None:
    _, module = EXPECTED[distribution]
    plugin = importlib.import_module(module)
    assert isinstance(plugin.__all__, list)


@pytest.mark.parametrize(
    ("distribution", "package"),
    [
        ("lamella-core", "lamella_core"),
        ("lamella-connectors", "lamella_connectors"),
        ("lamella-websocket", "lamella_websocket"),
        ("lamella-cookies", "lamella_cookies"),
        ("lamella-http2", "lamella_http2"),
        ("lamella", "lamella"),
    ],
)
def test_version_matches_metadata(distribution: str, package: str) -> None:
    module = importlib.import_module(package)
    assert module.__version__ == importlib.metadata.version(distribution)
