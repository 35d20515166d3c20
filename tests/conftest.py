"""Root conftest: the real-cluster plugin and fixtures shared by every tier."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tools.platformkit.processes import ServiceProcess

pytest_plugins = ["tests.support.cluster", "tests.support.realnode"]


@pytest.fixture
def started() -> Iterator[list[ServiceProcess]]:
    """Real service processes a test started; each is stopped (by its PID) afterwards."""
    procs: list[ServiceProcess] = []
    yield procs
    for proc in procs:
        proc.stop()
