"""The chaos tier: `make run`'s platform, a rollout, one fault at a time (docs/chaos.md).

One platform for the module (``up --prod-gate manual``: each rollout goes dev -> staging,
verified by the pipeline runner). Each test starts a rollout to dev (``promote good``, the
pipeline's own commit and push), injects its fault through ``python -m tools.localplatform
fault`` (the platform carries it out and its supervisor restarts what is killed), reads
what the board's JSON says while the fault lasts, lifts it, and checks that the rollout
ends where it must: dev Healthy at the promoted digest, answering with its version, Flux
at a commit that holds the promotion, and the pipeline's record of it written once.

Detection and recovery times are printed as ``[chaos] row | detected | recovered`` and
collected in bench/chaos.md; they are asserted only against bounds that are Flux's and
the kubelet's own intervals (each named where it is used), never this machine's speed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from delivery.git import run as git
from delivery.pipeline import plan
from delivery.pipeline.state import read_states
from delivery.records import NOTES_REF
from tests.localplatform.delivery_loop import dev_card, pipeline_log, source_head
from tests.localplatform.test_run import Run, host_view, platform_env, tool
from tools.localplatform import dev_board, rundir, versions
from tools.localplatform.console import READY_MARK
from tools.localplatform.orchestrator import NAMESPACE
from tools.platformkit.board import status as board_status
from tools.platformkit.kube import Kube
from tools.platformkit.node.kubelet import NODE_NAME
from tools.platformkit.paths import REPO_ROOT as ROOT
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import free_port

pytestmark = [pytest.mark.chaos, pytest.mark.realnode, pytest.mark.cluster, pytest.mark.flux]

# Bounds, each from an interval of the component at fault (docs/chaos.md says why).
FLUX_RETRY_S = 60  # source-controller's failure back-off (0.75 s doubling) after a short outage
# The kubelet renews its lease every 10 s; the controller-manager marks the node NotReady
# (Ready=Unknown) after its 50 s grace, checked every 5 s.
NODE_NOT_READY_S = 90
KUBELET_PULL_BACKOFF_S = 80  # the kubelet's image back-off: 10, 20, 40 s, then the pull
APISERVER_BACK_S = 90  # the apiserver's own start (etcd's watch cache filled again)
ROLLOUT_S = 180  # the runner's verify timeout: a rollout ends within it, verified or reverted


@dataclass
class Chaos:
    run: Run
    info: rundir.RuntimeInfo
    releases: versions.Releases

    def fault(self, part: str, action: str) -> None:
        done = tool(self.run.run_root, "fault", part, action)
        assert done.returncode == 0, done.stdout + done.stderr

    @contextmanager
    def held(self, part: str) -> Iterator[Callable[[], None]]:
        """PART held down for the body; the body may lift it early (the callable it gets),
        and a failing body lifts it too, so the next row starts whole."""
        lifted: list[bool] = []

        def lift() -> None:
            if not lifted:
                lifted.append(True)
                self.fault(part, "up")

        self.fault(part, "down")
        try:
            yield lift
        finally:
            lift()

    def status(self) -> dict[str, Any]:
        return board_status(self.info.board_url)

    def card(self) -> dict[str, Any]:
        card = dev_card(self.status())
        assert card is not None
        return card

    def settled(self, timeout: float = ROLLOUT_S) -> None:
        """Nothing in flight: the pipeline's own plan has no next step and dev's promotion
        is verified, so a row's rollout is the only one (the manual gate keeps prod)."""

        def idle() -> bool:
            states = read_states(Path(self.info.remote))
            step = plan.next_step(source_head(self.info), states, {"prod": "pull-request"})
            dev = next(s for s in states if s.name == "dev")
            return step.action == "idle" and dev.verdict == "verified"

        try:
            wait_for("the pipeline idle, dev verified", idle, timeout)
        except (TimeoutError, RuntimeError) as exc:
            raise AssertionError(f"{exc}\n{pipeline_log(self.info)}") from None

    def rollout(self) -> tuple[str, versions.Release]:
        """``promote good`` to dev, committed and pushed; the commit and the release."""
        before = self.config_head()
        promoted = tool(self.run.run_root, "promote", "good", "--no-follow", timeout=60)
        assert promoted.returncode == 0, promoted.stdout + promoted.stderr
        found = re.search(r"commit ([0-9a-f]{12})", promoted.stdout)
        assert found, promoted.stdout
        commit = git(Path(self.info.remote), "rev-parse", found.group(1))
        assert commit != before
        digest = re.search(r"digest (sha256:[0-9a-f]{12})", promoted.stdout)
        assert digest, promoted.stdout
        release = next(r for r in self.releases.releases if r.digest.startswith(digest.group(1)))
        return commit, release

    def serving(self) -> bool:
        """dev's backend pods answer the version dev runs (the board's probes)."""
        view = dev_board.dev_view(self.status(), NAMESPACE)
        return view is not None and bool(view.serving) and view.health == "Healthy"

    def config_head(self) -> str:
        return git(Path(self.info.remote), "rev-parse", "refs/heads/main")

    def converged(self, commit: str, release: versions.Release, timeout: float) -> float:
        """Seconds until dev serves RELEASE, Healthy, with Flux at a commit holding COMMIT,
        and the runner has recorded its verify once (never twice, never a revert)."""
        began = time.monotonic()

        def done() -> bool:
            view = dev_board.dev_view(self.status(), NAMESPACE)
            if view is None or not (view.health == "Healthy" and view.done):
                return False
            if view.digest != release.digest or view.serving != (release.label,):
                return False
            applied = view.flux_revision.rpartition(":")[2]
            return view.flux_sync == "Ready" and bool(applied) and self.holds(applied, commit)

        try:
            wait_for(f"dev Healthy at {release.label}, Flux past {commit[:12]}", done, timeout)
            wait_for("the runner's record of the promotion", lambda: self.records(commit), 60)
        except (TimeoutError, RuntimeError) as exc:
            raise AssertionError(f"{exc}\n{pipeline_log(self.info)}") from None
        records = self.records(commit)
        assert len(records) == 1, records  # written once: no lost, no double record
        assert '"verdict":"verified"' in records[0].replace(" ", ""), records
        return time.monotonic() - began

    def holds(self, applied: str, commit: str) -> bool:
        result = subprocess.run(
            ["git", "-C", self.info.remote, "merge-base", "--is-ancestor", commit, applied],
            capture_output=True, check=False,
        )  # fmt: skip
        return result.returncode == 0

    def records(self, commit: str) -> list[str]:
        """The dev verify records on COMMIT (its git note, one JSON line each)."""
        result = subprocess.run(
            ["git", "-C", self.info.remote, "notes", "--ref", NOTES_REF, "show", commit],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        return [line for line in result.stdout.splitlines() if '"environment":"dev"' in line
                .replace(" ", "")]  # fmt: skip


def report(row: str, detected: float | None, recovered: float) -> None:
    shown = f"{detected:.1f}s" if detected is not None else "-"
    sys.stdout.write(f"\n[chaos] {row} | detected {shown} | recovered {recovered:.1f}s\n")


def until(what: str, check: Callable[[], Any], timeout: float, since: float) -> float:
    """Seconds from SINCE (monotonic: the fault, or the push when the fault came first)
    until CHECK returns something true (the board's JSON, polled)."""
    wait_for(what, check, timeout, every=0.5)
    return time.monotonic() - since


@pytest.fixture(scope="module")
def chaos() -> Iterator[Chaos]:
    import shutil  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    import threading  # noqa: PLC0415

    before = host_view()
    run_root = Path(tempfile.mkdtemp(prefix="lc", dir="/tmp"))
    argv = [sys.executable, "-m", "tools.localplatform", "up", "--name", "chaos",
            "--port", str(free_port()), "--prod-gate", "manual"]  # fmt: skip
    proc = subprocess.Popen(
        argv, env=platform_env(run_root), cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    run = Run(proc, run_root, "chaos")
    run.reader = threading.Thread(target=run.read, daemon=True)
    run.reader.start()
    try:
        run.wait_for(re.escape(READY_MARK), timeout=600)
        info = rundir.load(run_root)
        assert info.real_node, "the chaos tier needs the real node (root)"
        yield Chaos(run, info, versions.Releases.load(Path(info.state_dir)))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        proc.wait(timeout=180)
        run.reader.join(10)
        if proc.stdout is not None:
            proc.stdout.close()
        shutil.rmtree(run_root, ignore_errors=True)
        assert host_view().differences(before) == []  # the host as it was, after all faults
    assert not [line for line in run.lines if "stopping the platform" in line], run.lines[-30:]


def _sources(status: dict[str, Any]) -> list[dict[str, Any]]:
    """The Flux entries beside dev's backend card (the board's GitOps JSON)."""
    for group in status["namespaces"]:
        if group["namespace"] == NAMESPACE:
            for entry in group["deployments"]:
                if entry["deployment"]["name"] == "backend":
                    return [g for g in entry["gitops"] if g.get("tool") == "Flux"]
    return []


@pytest.mark.timeout(1020)  # with the module's platform start (up to 600 s)
def test_git_server_down_then_back(chaos: Chaos) -> None:
    chaos.settled()
    applied = dev_board.dev_view(chaos.status(), NAMESPACE)
    assert applied is not None
    with chaos.held("git server") as lift:
        began = time.monotonic()
        commit, release = chaos.rollout()

        def fetch_failed() -> dict[str, Any] | None:
            for entry in _sources(chaos.status()):
                failed = entry["source_state"] == "failed" and entry["source_message"]
                if failed and entry["revision"] == applied.flux_revision:
                    return entry  # the fetch failure, and the revision Flux still applies
            return None

        detected = until("the board: Flux's fetch failure, the old revision applied",
                         fetch_failed, FLUX_RETRY_S, began)  # fmt: skip
        lift()
    recovered = chaos.converged(commit, release, FLUX_RETRY_S + ROLLOUT_S)
    report("git server down, then back", detected, recovered)


@pytest.mark.timeout(420)
def test_registry_down_then_back(chaos: Chaos) -> None:
    chaos.settled()
    with chaos.held("registry") as lift:
        began = time.monotonic()
        commit, release = chaos.rollout()

        def pull_failing() -> bool:
            causes = " ".join(chaos.card()["health"]["causes"])
            return "ImagePullBackOff" in causes or "ErrImagePull" in causes

        detected = until("the board: the new pods cannot pull", pull_failing, 60, began)
        time.sleep(5)  # the outage outlasts a first back-off
        lift()
    recovered = chaos.converged(commit, release, KUBELET_PULL_BACKOFF_S + ROLLOUT_S)
    report("registry down, then back", detected, recovered)


@pytest.mark.timeout(420)
@pytest.mark.parametrize("controller", ["source-controller", "kustomize-controller"])
def test_a_flux_controller_killed_then_restarted(chaos: Chaos, controller: str) -> None:
    chaos.settled()
    with chaos.held(controller) as lift:
        began = time.monotonic()
        commit, release = chaos.rollout()

        def stale() -> dict[str, Any] | None:
            found = [e for e in _sources(chaos.status()) if e["stale"] and e["stale_since"]]
            return found[0] if found else None

        detected = until(f"the board: reconciliation stale ({controller} down)", stale, 90,
                         began)  # fmt: skip
        sys.stdout.write(f"\n[chaos] the board said: {stale()}\n")
        lift()
    recovered = chaos.converged(commit, release, FLUX_RETRY_S + ROLLOUT_S)
    report(f"{controller} killed, restarted", detected, recovered)


def _containers(chaos: Chaos) -> dict[str, tuple[str, int]]:
    """Each running backend pod in dev: its container's ID and restart count."""
    kube = Kube(chaos.info.kubectl, Path(chaos.info.kubeconfig))
    pods = kube.json("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=backend")
    found = {}
    for pod in pods["items"]:
        for status in pod["status"].get("containerStatuses") or []:
            if status.get("state", {}).get("running"):
                found[pod["metadata"]["name"]] = (status["containerID"], status["restartCount"])
    return found


@pytest.mark.timeout(420)
@pytest.mark.parametrize("daemon", ["kubelet", "containerd"])
def test_a_node_daemon_killed_mid_rollout(chaos: Chaos, daemon: str) -> None:
    chaos.settled()
    before = _containers(chaos)
    assert before, before
    commit, release = chaos.rollout()
    chaos.fault(daemon, "kill")
    recovered = chaos.converged(commit, release, ROLLOUT_S)
    after = _containers(chaos)
    # Nothing restarted needlessly: no container of the new pods, and none that
    # survived the rollout, has a restart.
    assert all(count == 0 for _, count in after.values()), after
    report(f"{daemon} killed, restarted", None, recovered)


def _node(chaos: Chaos) -> dict[str, Any] | None:
    """The real node as the board's JSON says it (``cluster.nodes``)."""
    nodes = chaos.status()["cluster"]["nodes"]
    return next((n for n in nodes if n["name"] == NODE_NAME), None)


@pytest.mark.timeout(420)
def test_kubelet_down_long_enough_for_the_node_to_go_notready(chaos: Chaos) -> None:
    chaos.settled()
    before = _containers(chaos)
    with chaos.held("kubelet") as lift:
        began = time.monotonic()

        def not_ready() -> dict[str, Any] | None:
            node = _node(chaos)
            return node if node is not None and node["ready"] is not True else None

        detected = until(f"the board: {NODE_NAME} NotReady", not_ready, NODE_NOT_READY_S, began)
        sys.stdout.write(f"\n[chaos] the board said: {not_ready()}\n")
        lift()
    back = time.monotonic()

    def ready() -> bool:
        node = _node(chaos)
        return node is not None and node["ready"] is True

    until(f"the board: {NODE_NAME} Ready again", ready, 60, back)
    wait_for("dev's pods answering again", lambda: _containers(chaos) and chaos.serving(), 60)
    recovered = time.monotonic() - back
    after = _containers(chaos)
    # The same containers, none restarted: the node's pods were never lost track of.
    assert after == before, (before, after)
    report("kubelet down until the node is NotReady", detected, recovered)


@pytest.mark.timeout(420)
def test_apiserver_restarted_mid_rollout(chaos: Chaos) -> None:
    chaos.settled()
    board = chaos.info.pids["board"]
    commit, release = chaos.rollout()
    began = time.monotonic()
    chaos.fault("kube-apiserver", "kill")

    def stale() -> bool:
        return chaos.status()["cluster"]["stale_since"] is not None

    detected = until("the board: stale, with its age", stale, 30, began)
    recovered = chaos.converged(commit, release, APISERVER_BACK_S + ROLLOUT_S)
    assert rundir.load(chaos.run.run_root).pids["board"] == board  # no board restart
    report("apiserver restarted", detected, recovered)


@pytest.mark.timeout(420)
def test_etcd_stopped_then_restarted(chaos: Chaos) -> None:
    chaos.settled()
    kube = Kube(chaos.info.kubectl, Path(chaos.info.kubeconfig))
    kinds = "deployments,services,kustomizations.kustomize.toolkit.fluxcd.io"
    names = kube.run("get", kinds, "-A", "-o", "name").stdout.split()
    commit, release = chaos.rollout()
    with chaos.held("etcd") as lift:
        began = time.monotonic()

        def not_ready() -> dict[str, Any] | None:
            cluster: dict[str, Any] = chaos.status()["cluster"]
            said = " ".join(cluster["problems"])
            failing = cluster["api_state"] == "not-ready" and "etcd" in said
            return cluster if failing and cluster["stale_since"] is not None else None

        detected = until("the board: the apiserver not ready (etcd), stale", not_ready, 60,
                         began)  # fmt: skip
        time.sleep(5)
        lift()
    recovered = chaos.converged(commit, release, APISERVER_BACK_S + ROLLOUT_S)
    after = kube.run("get", kinds, "-A", "-o", "name").stdout.split()
    assert set(names) <= set(after)  # no object lost
    report("etcd stopped, restarted", detected, recovered)


@pytest.mark.timeout(420)
def test_pipeline_runner_killed_mid_verify(chaos: Chaos) -> None:
    chaos.settled()
    log = Path(chaos.info.state_dir) / "logs" / "pipeline.log"
    offset = log.stat().st_size
    commit, release = chaos.rollout()

    def verifying() -> bool:
        return "run command=pipeline verify" in log.read_text()[offset:]

    wait_for("the runner verifying the promotion", verifying, 60, every=0.2)
    time.sleep(2)  # inside verify: polling /meta and the board
    chaos.fault("pipeline runner", "kill")
    recovered = chaos.converged(commit, release, ROLLOUT_S)
    report("pipeline runner killed mid-verify", None, recovered)
