"""Drill fixtures: the pod network and the timings report."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.e2e.timings import TIMINGS
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.node.podnet import DRILL_LINKS, PodNetwork, free_link, missing_prerequisite


@pytest.fixture(scope="session")
def pod_network(control_plane: ControlPlane) -> Iterator[PodNetwork]:
    """The control plane's pod CIDR made local in a network namespace (see podnet), over
    the default veth link unless another pod network on this host has it."""
    problem = missing_prerequisite()
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {problem}")
        pytest.skip(f"SKIPPED LOUDLY: {problem}")
    network = PodNetwork(cidr=control_plane.pod_cidr, link=free_link(DRILL_LINKS)).up()
    try:
        yield network
    finally:
        network.down()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in TIMINGS:
        terminalreporter.write_line(f"[drill] {line}")
