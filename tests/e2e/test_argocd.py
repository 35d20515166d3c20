"""The drill's first step through the real Argo CD: a pushed commit, synced and rolled out.

Argo CD's application-controller and repo-server (``tools.platformkit.gitops.argocd``)
run against the real control plane and pull from the loopback git server. The test applies only
Argo CD's own objects: the repository's AppProject and the dev Application rendered
from the repository's ApplicationSet (no ApplicationSet controller is built; see
``argocd.dev_application`` for exactly what is changed). From then on the only way a
change reaches the cluster is a commit pushed to git and synced by the controller:

1. promote A, push -> the Application is Synced + Healthy at that commit, the backend
   Deployment rolled out (kwok marks its pods ready) and the board's API shows the
   Argo CD entry Synced at that revision;
2. promote B, push, refresh (``argocd.argoproj.io/refresh``, what ``argocd app get
   --refresh`` sets) -> automated sync -> Synced + Healthy at the new commit, the
   Deployment rolled to B's digest, the board shows it.

Timings and the Argo CD processes' memory are printed at the end (``[argocd] …``).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.gitops import CI_AUTHOR, DIGEST, deployment_revision, image, promote
from tools.platformkit.board import board, status
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.gitops import argocd as argo
from tools.platformkit.gitops.bootstrap import as_list
from tools.platformkit.gitops.configrepo import ConfigRepo
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.kube import Kube
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import ServiceProcess

# A cold build of Argo CD + kustomize takes ~7 min on 2 cores; it runs inside the
# fixture, so the per-test timeout is chosen at collection from whether it is needed.
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.cluster,
    pytest.mark.timeout(240 if argo.is_built() else 1200),
]

APP = "gitops-platform-dev"
Json = dict[str, Any]

REPORT: list[str] = []
SKIPPED: list[str] = []


class _Summary:
    """Prints REPORT (and a loud banner when Argo CD could not run) after the run."""

    @staticmethod
    def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
        for line in REPORT:
            terminalreporter.write_line(f"[argocd] {line}")
        for message in SKIPPED:
            terminalreporter.write_sep("!", "ARGO CD TIER NOT RUN", red=True, bold=True)
            terminalreporter.write_line(message, red=True, bold=True)
            terminalreporter.write_sep("!", red=True, bold=True)


def _register_summary(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("gitops-argocd-summary"):
        config.pluginmanager.register(_Summary(), "gitops-argocd-summary")


class Clock:
    def __init__(self) -> None:
        self.started = self.last = time.monotonic()

    def step(self, name: str) -> None:
        now = time.monotonic()
        REPORT.append(f"{name}: {now - self.last:.1f}s")
        self.last = now

    def total(self) -> None:
        REPORT.append(f"whole test: {time.monotonic() - self.started:.1f}s")


# Module scope: only this module uses Argo CD, so its controller, repo-server and Redis
# stop when the module ends instead of running (with cluster-admin) through every
# later test of the session, the Flux drill included.
@pytest.fixture(scope="module")
def argocd(
    request: pytest.FixtureRequest,
    control_plane: ControlPlane,
    kube: Kube,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[argo.ArgoCD]:
    """Argo CD built (or reused), installed in a namespace of its own and running."""
    config = request.config
    _register_summary(config)
    missing = argo.missing_prerequisites()
    if missing:
        message = "Argo CD tier needs: " + "; ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {message}", pytrace=False)
        SKIPPED.append(message)
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    started = time.monotonic()
    capman = config.pluginmanager.getplugin("capturemanager")
    print(f"\n[argocd] building or reusing Argo CD {argo.version()} (tools/argocd/build.sh)")  # noqa: T201
    if capman is not None:
        with capman.global_and_fixture_disabled():
            argo.ensure_built()
    else:
        argo.ensure_built()
    REPORT.append(f"setup: build or reuse {argo.build_root()}: {time.monotonic() - started:.1f}s")
    instance = argo.ArgoCD(
        kube, control_plane.server, control_plane.pki.ca_crt, tmp_path_factory.mktemp("argocd")
    )
    try:
        instance.install().start()
        REPORT.append(f"setup: install + start (s): {instance.timings}")
        REPORT.append(f"setup: namespace {instance.namespace}, state {instance.state}")
        REPORT.append(f"setup: ports {instance.ports} (controller metrics on 0.0.0.0)")
        yield instance
    finally:
        rss = instance.rss_mib()
        if rss:
            total = sum(current for current, _ in rss.values())
            REPORT.append(f"RSS at teardown, (current, peak) MiB: {rss}; current total {total:.0f}")
        instance.stop()
        instance.uninstall()


# --- helpers --------------------------------------------------------------------------


def synced(argocd: argo.ArgoCD, sha: str, timeout: float = 90) -> Json:
    """Wait until the Application is Synced + Healthy at ``sha`` and its sync succeeded."""

    def done() -> Json | None:
        app = argocd.application(APP)
        st = app.get("status") or {}
        operation = st.get("operationState") or {}
        ok = (
            (st.get("sync") or {}).get("status") == "Synced"
            and (st.get("sync") or {}).get("revision") == sha
            and (st.get("health") or {}).get("status") == "Healthy"
            and operation.get("phase") == "Succeeded"
            and (operation.get("syncResult") or {}).get("revision") == sha
        )
        return app if ok else None

    found: Json = wait_for(f"Application {APP} Synced + Healthy at {sha[:12]}", done, timeout, 0.5)
    return found


def deployment(kube: Kube, namespace: str) -> Json:
    return kube.json("get", "deployment", "backend", "-n", namespace)


def board_shows(proc: ServiceProcess, namespace: str, sha: str, deployment_revision: int) -> Json:
    """Wait until the board's backend card is Healthy with the Argo CD entry Synced at ``sha``."""

    def matches() -> Json | None:
        for group in status(proc)["namespaces"]:
            if group["namespace"] != namespace:
                continue
            for entry in group["deployments"]:
                if entry["deployment"]["name"] != "backend":
                    continue
                card = entry["deployment"]
                argos = [g for g in entry["gitops"] if g["tool"] == "Argo CD"]
                if (
                    argos
                    and argos[0]["sync"] == "Synced"
                    and argos[0]["revision"] == sha
                    and argos[0]["health"] == "Healthy"
                    and card["health"]["code"] == "Healthy"
                    and card["rollout"]["done"]
                    and card["revision"] == deployment_revision
                ):
                    found: Json = entry
                    return found
        return None

    entry: Json = wait_for(f"board: Argo CD Synced at {sha[:12]}", matches, timeout=60)
    return entry


def dump(kube: Kube, argocd: argo.ArgoCD, target: str) -> None:
    """Shown with a failure: the Application, the delivered objects and the Argo logs."""
    app = kube.run("get", f"{argo.APPLICATIONS}/{APP}", "-n", argocd.namespace, "-o", "yaml",
                   check=False)  # fmt: skip
    objects = kube.run("get", "deploy,rs,pods,hpa", "-n", target, "-o", "wide", check=False)
    print(app.stdout, app.stderr, objects.stdout, objects.stderr)  # noqa: T201
    for name in ("application-controller", "repo-server"):
        print(f"--- {name} log tail\n{argocd.log_tail(name, 40)}")  # noqa: T201


# --- the test -------------------------------------------------------------------------


def test_argocd_syncs_a_pushed_commit_then_a_promotion(
    control_plane: ControlPlane,
    kube: Kube,
    argocd: argo.ArgoCD,
    git_server: GitServer,
    tmp_path: Path,
) -> None:
    clock = Clock()
    name = f"argo-{secrets.token_hex(3)}"
    target = f"{name}-dev"
    repo = ConfigRepo.seed(git_server.create_repo(name), tmp_path / "work", CI_AUTHOR)
    objects = argo.rendered()
    url = git_server.url(name)
    proj = argo.project(objects, argocd.namespace, url, target)
    app = argo.dev_application(objects, argocd.namespace, url, target)
    first = promote(repo, "A")
    clock.step("1. seed + promote A: commit pushed to the git server")
    try:
        # The only apply: Argo CD's own config objects (an admin's `kubectl apply -k`).
        kube.run("apply", "--server-side", "-f", "-", input=as_list([proj, app]))
        synced(argocd, first)
        clock.step("1. Application created -> Argo CD Synced + Healthy at A")
        kube.rollout_status("backend", target, timeout="30s")
        before = deployment(kube, target)
        assert DIGEST["A"] in image(before)
        clock.step("1. backend Deployment rolled out (kwok pods ready)")
        with board(
            control_plane.kubeconfig, target, FRONTEND_GITOPS_NAMESPACES=argocd.namespace
        ) as proc:
            clock.step("1. board started")
            board_shows(proc, target, first, deployment_revision(before))
            clock.step("1. board: Argo CD Synced at A, card Healthy")

            second = promote(repo, "B")
            argocd.refresh(APP)
            clock.step("2. promote B: commit pushed, refresh requested")
            synced(argocd, second)
            clock.step("2. Argo CD Synced + Healthy at B (automated sync after refresh)")
            kube.rollout_status("backend", target, timeout="30s")
            after = deployment(kube, target)
            assert DIGEST["B"] in image(after)
            assert deployment_revision(after) == deployment_revision(before) + 1
            clock.step("2. backend Deployment rolled out to B")
            board_shows(proc, target, second, deployment_revision(after))
            clock.step("2. board: Argo CD Synced at B, card Healthy at revision N+1")
        assert any("git-upload-pack" in r for r in git_server.requests)
    except BaseException:
        dump(kube, argocd, target)
        raise
    finally:
        # The resources finalizer makes the controller delete what it synced.
        kube.run("delete", f"{argo.APPLICATIONS}/{APP}", "-n", argocd.namespace,
                 "--timeout=60s", check=False)  # fmt: skip
        kube.run("delete", "appprojects.argoproj.io/gitops-platform", "-n", argocd.namespace,
                 "--timeout=30s", check=False)  # fmt: skip
        kube.run("delete", "namespace", target, "--wait=false", check=False)
        clock.step("teardown: Application deleted (cascade), project deleted")
        clock.total()
