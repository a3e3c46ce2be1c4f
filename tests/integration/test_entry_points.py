"""Every lamina distribution registers itself in the ``lamina`` entry-point group."""

from __future__ import annotations

import importlib
import importlib.metadata

import pytest

EXPECTED = {
    "lamina-core": ("core", "lamina_core._defaults"),
    "lamina-connectors": ("connectors", "lamina_connectors._plugin"),
    "lamina-websocket": ("websocket", "lamina_websocket._plugin"),
    "lamina-cookies": ("cookies", "lamina_cookies._plugin"),
    "lamina": ("lamina", "lamina._plugin"),
}


def _lamina_entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group="lamina")}


@pytest.mark.parametrize("distribution", sorted(EXPECTED))
def test_distribution_registers_its_plugin(distribution: str) -> None:
    name, module = EXPECTED[distribution]
    points = _lamina_entry_points()
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
        ("lamina-core", "lamina_core"),
        ("lamina-connectors", "lamina_connectors"),
        ("lamina-websocket", "lamina_websocket"),
        ("lamina-cookies", "lamina_cookies"),
        ("lamina", "lamina"),
    ],
)
def test_version_matches_metadata(distribution: str, package: str) -> None:
    module = importlib.import_module(package)
    assert module.__version__ == importlib.metadata.version(distribution)
