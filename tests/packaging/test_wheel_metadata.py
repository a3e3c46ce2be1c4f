"""Each wheel declares exactly what it imports, ships ``py.typed`` and registers its plugin.

The wheels are inspected as built (not the source tree), so what is checked is
what users install. Imports are found by walking every module with ``ast``,
conditional and ``TYPE_CHECKING`` imports included: each of them needs its
distribution installed for some user.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.packaging

# folder under packages/ or plugins/ -> (distribution, import name, lamella entry-point name)
DISTRIBUTIONS = {
    "client-core": ("lamella-core", "lamella_core", "core"),
    "client-connectors": ("lamella-connectors", "lamella_connectors", "connectors"),
    "client-websocket": ("lamella-websocket", "lamella_websocket", "websocket"),
    "client-cookies": ("lamella-cookies", "lamella_cookies", "cookies"),
    "client-http2": ("lamella-http2", "lamella_http2", "http2"),
    "client": ("lamella", "lamella", "lamella"),
    "lamella-socks": ("lamella-socks", "lamella_socks", "socks"),
    "lamella-codecs": ("lamella-codecs", "lamella_codecs", "codecs"),
    "lamella-testing": ("lamella-testing", "lamella_testing", "testing"),
    "lamella-opentelemetry": ("lamella-opentelemetry", "lamella_opentelemetry", "opentelemetry"),
}

# top-level import name -> distribution that provides it. An import missing
# here fails the test: add it (and declare the dependency) deliberately.
IMPORT_TO_DISTRIBUTION = {
    "yarl": "yarl",
    "multidict": "multidict",
    "pluggy": "pluggy",
    "chardet": "chardet",
    "httptools": "httptools",
    "propcache": "propcache",
    "idna": "idna",
    "websockets": "websockets",
    "aiohappyeyeballs": "aiohappyeyeballs",
    "aiodns": "aiodns",
    "brotli": "brotli",
    "brotlicffi": "brotlicffi",
    "zstandard": "zstandard",
    "backports": "backports.zstd",
    "h2": "h2",
    "hpack": "hpack",
    "hyperframe": "hyperframe",
    "publicsuffixlist": "publicsuffixlist",
    "python_socks": "python-socks",
    "lamella_socks": "lamella-socks",
    "lamella_codecs": "lamella-codecs",
    "lamella_testing": "lamella-testing",
    "lamella_opentelemetry": "lamella-opentelemetry",
    "opentelemetry": "opentelemetry-api",
    "pytest": "pytest",
    "lamella_core": "lamella-core",
    "lamella_connectors": "lamella-connectors",
    "lamella_websocket": "lamella-websocket",
    "lamella_cookies": "lamella-cookies",
    "lamella_http2": "lamella-http2",
    "lamella": "lamella",
}

SIBLINGS = {
    "lamella-core",
    "lamella-connectors",
    "lamella-websocket",
    "lamella-cookies",
    "lamella-http2",
}
# What the meta-package depends on: the siblings, the br/zstd decoders, and
# multidict and yarl, which its own code (lamella.typedefs, the command's
# --timings) imports.
META_PACKAGE_DEPENDENCIES = SIBLINGS | {"lamella-codecs", "multidict", "yarl"}
# Standard-library modules newer than the oldest Python supported (3.11),
# imported only on the versions that have them.
NEWER_STDLIB = {"compression"}

FOLDERS = list(DISTRIBUTIONS)


def _dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    (path,) = [p for p in wheel.namelist() if re.fullmatch(rf"[^/]+\.dist-info/{name}", p)]
    return wheel.read(path).decode()


def requires_dist(wheel: zipfile.ZipFile, *, extras: bool = False) -> set[str]:
    """Names of the unconditional runtime requirements (extras too when asked)."""
    metadata = HeaderParser().parsestr(_dist_info(wheel, "METADATA"))
    names = set()
    for line in metadata.get_all("Requires-Dist") or []:
        req = Requirement(line)
        if req.marker is not None and "extra" in str(req.marker) and not extras:
            continue
        names.add(canonicalize_name(req.name))
    return names


def imported_distributions(wheel: zipfile.ZipFile, own_package: str) -> set[str]:
    """Distributions of every third-party top-level name the wheel's modules import."""
    top_names: dict[str, str] = {}
    for path in wheel.namelist():
        if not path.endswith(".py"):
            continue
        tree = ast.parse(wheel.read(path), filename=path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    top_names.setdefault(alias.name.partition(".")[0], path)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                top_names.setdefault(node.module.partition(".")[0], path)
    third_party = {
        name: where
        for name, where in top_names.items()
        if name not in sys.stdlib_module_names | NEWER_STDLIB
        and name not in {"__future__", own_package}
    }
    unknown = {
        name: where for name, where in third_party.items() if name not in IMPORT_TO_DISTRIBUTION
    }
    assert not unknown, (
        f"imports of unknown distribution (add to IMPORT_TO_DISTRIBUTION): {unknown}"
    )
    return {canonicalize_name(IMPORT_TO_DISTRIBUTION[name]) for name in third_party}


def test_every_distribution_is_checked(wheels: dict[str, Path]) -> None:
    assert sorted(wheels) == sorted(DISTRIBUTIONS)


@pytest.mark.parametrize("folder", FOLDERS)
def test_declares_exactly_what_it_imports(wheels: dict[str, Path], folder: str) -> None:
    dist, package, _ = DISTRIBUTIONS[folder]
    with zipfile.ZipFile(wheels[folder]) as wheel:
        declared = requires_dist(wheel)
        optional = requires_dist(wheel, extras=True) - declared
        imported = imported_distributions(wheel, package)
    if dist == "lamella":
        # The meta-package depends on every sibling by definition, whether or
        # not it imports from it yet; it must import nothing else.
        assert declared == META_PACKAGE_DEPENDENCIES
        assert imported <= declared, f"imported but not declared: {imported - declared}"
    else:
        # An import of an optional dependency (lamella-connectors' aiodns) is
        # declared through an extra; everything else unconditionally.
        assert declared <= imported, f"declared but not imported: {sorted(declared - imported)}"
        assert imported <= declared | optional, (
            f"imported but not declared: {sorted(imported - declared - optional)}"
        )


@pytest.mark.parametrize("folder", FOLDERS)
def test_upper_distributions_use_compatible_ranges_of_core(
    wheels: dict[str, Path], folder: str
) -> None:
    dist, _, _ = DISTRIBUTIONS[folder]
    with zipfile.ZipFile(wheels[folder]) as wheel:
        metadata = HeaderParser().parsestr(_dist_info(wheel, "METADATA"))
    siblings = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    siblings = [r for r in siblings if canonicalize_name(r.name) in SIBLINGS]
    if dist == "lamella-core":
        assert siblings == []  # core depends on none of its siblings
    for req in siblings:
        assert str(req.specifier) == "<0.2,>=0.1", f"{dist}: {req}"


@pytest.mark.parametrize("folder", FOLDERS)
def test_ships_py_typed_and_version(wheels: dict[str, Path], folder: str) -> None:
    _, package, _ = DISTRIBUTIONS[folder]
    with zipfile.ZipFile(wheels[folder]) as wheel:
        names = set(wheel.namelist())
        assert f"{package}/py.typed" in names
        assert f"{package}/__init__.py" in names
        version_src = wheel.read(f"{package}/_version.py").decode()
        metadata = HeaderParser().parsestr(_dist_info(wheel, "METADATA"))
    assert f'__version__ = "{metadata["Version"]}"' in version_src
    assert not [n for n in names if n.startswith(("tests/", "src/"))]


@pytest.mark.parametrize("folder", FOLDERS)
def test_registers_a_lamella_entry_point(wheels: dict[str, Path], folder: str) -> None:
    _, package, entry_name = DISTRIBUTIONS[folder]
    with zipfile.ZipFile(wheels[folder]) as wheel:
        parser = configparser.ConfigParser()
        parser.read_string(_dist_info(wheel, "entry_points.txt"))
        names = set(wheel.namelist())
    assert parser.has_section("lamella"), f"{folder}: no [lamella] entry points"
    points = dict(parser.items("lamella"))
    assert list(points) == [entry_name]
    module = points[entry_name]
    assert module.startswith(f"{package}.")
    assert f"{module.replace('.', '/')}.py" in names, f"entry point {module} is not in the wheel"
