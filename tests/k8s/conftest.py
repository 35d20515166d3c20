"""Fixtures for the manifest checks: each overlay rendered once per session."""

from __future__ import annotations

import pytest

from tests.k8s.manifests import ENVIRONMENTS, K8S, TIMINGS, Json, Timer, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, list[Json]]:
    """Every overlay rendered with the pinned kubectl's kustomize, keyed by environment."""
    out: dict[str, list[Json]] = {}
    with Timer("render 3 overlays (kubectl kustomize)"):
        for env in ENVIRONMENTS:
            out[env] = render(K8S / "overlays" / env)
    return out


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in TIMINGS:
        terminalreporter.write_line(f"[k8s] {line}")
