"""Drill fixtures: the pod network and the timings report."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.timings import TIMINGS
from tests.support.podnet import PodNetwork, missing_prerequisite


@pytest.fixture(scope="session")
def pod_network() -> Iterator[PodNetwork]:
    problem = missing_prerequisite()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(f"SKIPPED LOUDLY: {problem}")
    network = PodNetwork().up()
    try:
        yield network
    finally:
        network.down()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in TIMINGS:
        terminalreporter.write_line(f"[drill] {line}")
