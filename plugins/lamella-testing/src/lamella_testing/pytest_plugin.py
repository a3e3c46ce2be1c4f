"""The pytest plugin: the ``lamella_mock`` fixture (registered through ``pytest11``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._router import MockRouter

__all__ = ["lamella_mock"]


@pytest.fixture
def lamella_mock(request: pytest.FixtureRequest) -> Iterator[MockRouter]:
    """A started :class:`MockRouter` for one test, checked when the test ends.

    Options come from a ``lamella_mock`` marker, for example
    ``@pytest.mark.lamella_mock(assert_all_called=False, passthrough=["127.0.0.1"])``.
    """
    marker = request.node.get_closest_marker("lamella_mock")
    router = MockRouter(**(marker.kwargs if marker is not None else {}))
    router.start()
    try:
        yield router
    finally:
        router.stop(check=False)
    router.assert_expectations()


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``lamella_mock`` marker, for ``--strict-markers``."""
    config.addinivalue_line(
        "markers", "lamella_mock(**options): MockRouter options for the lamella_mock fixture"
    )
