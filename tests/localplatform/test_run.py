"""`make run` for real: ``python -m tools.localplatform up`` as a subprocess, as a newcomer runs it.

It must reach a board that shows dev, staging and prod Healthy, delivered by Flux from
the local git server at the seeded commit (this checkout's build), with the pods running
the project's own images on the real node (as root): ``kubectl get pods -o wide`` names
the node, ``kubectl logs`` shows the kubelet's probes in the access log, and each pod's
imageID, the digest in git and the digest ``/meta`` reports are one value on the board.
`make promote-good` must then show the new version Healthy; a digest the registry does
not have must turn Degraded early and be reverted by the pipeline runner with no
command; `make change-bad` (a real source commit that breaks readiness) must show dev
Degraded with the kubelet's reason, then Healthy at the previous version, with staging
and prod untouched; `make change-good` must reach prod through dev and staging, each
verified, and the delivery panel show lead time from those source commits (the
delivery loop, tests/localplatform/delivery_loop.py), while the environments view shows
dev failing with staging held by Flux, then the promotion through dev, staging and prod
(tests/localplatform/environments_view.py, which takes docs/environments*.png); the
README's screenshot is taken from that board (docs/platform.png, always rewritten, like
docs/board.png); SIGINT must stop every process it started, remove its state and leave
the host as it found it, and so must the next run after a SIGKILL. Without the real node
(what a run without root gets) it must still come up and say plainly what it left out.
Times are printed, never asserted.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.localplatform import delivery_loop, environments_view
from tools.localplatform import dev_board, rundir, versions
from tools.localplatform.console import READY_MARK
from tools.localplatform.orchestrator import NAMESPACE, NAMESPACES
from tools.platformkit.board import status as board_status
from tools.platformkit.cluster.controlplane import clusters_root
from tools.platformkit.gitops.bootstrap import SOURCE_NAME
from tools.platformkit.gitops.configrepo import ConfigRepo
from tools.platformkit.kube import Kube
from tools.platformkit.node import hoststate, nodebins
from tools.platformkit.node.kubelet import NODE_NAME
from tools.platformkit.paths import REPO_ROOT as ROOT
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import free_port

pytestmark = [pytest.mark.cluster, pytest.mark.e2e, pytest.mark.flux, pytest.mark.browser]

SCREENSHOT = ROOT / "docs" / "platform.png"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip


@dataclass
class Run:
    """One ``up`` process; its output is echoed (visible with -s) and kept."""

    proc: subprocess.Popen[str]
    run_root: Path
    name: str
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            sys.stdout.write(f"  | {line}")

    def wait_for(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((line for line in self.lines if re.search(pattern, line)), None)
            if found:
                return found
            if self.proc.poll() is not None:
                if self.reader is not None:
                    self.reader.join(5)  # what it wrote before exiting
                if not any(re.search(pattern, line) for line in self.lines):
                    break
            time.sleep(0.2)
        output = "\n".join(self.lines[-40:])
        raise AssertionError(f"no line matching {pattern!r} within {timeout}s:\n{output}")


def platform_env(run_root: Path) -> dict[str, str]:
    return {**os.environ, "GITOPS_PLATFORM_RUN": str(run_root), "PYTHONUNBUFFERED": "1"}


def tool(run_root: Path, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "tools.localplatform", *args]
    result = subprocess.run(
        argv, env=platform_env(run_root), cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    sys.stdout.write(result.stdout + result.stderr)
    return result


@pytest.fixture
def start() -> Iterator[Callable[..., Run]]:
    """Start ``up`` with its own run root, control plane name and board port."""
    started: list[Run] = []

    def launch(*extra: str, run_root: Path | None = None) -> Run:
        name = f"lp-test-{os.getpid()}-{len(started)}"
        # Short: the kubelet's Unix sockets live under it (at most 107 bytes each).
        run_root = run_root or Path(tempfile.mkdtemp(prefix="lp", dir="/tmp"))
        argv = [sys.executable, "-m", "tools.localplatform", "up", "--name", name,
                "--port", str(free_port()), *extra]  # fmt: skip
        proc = subprocess.Popen(
            argv, env=platform_env(run_root), cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        run = Run(proc, run_root, name)
        run.reader = threading.Thread(target=run.read, daemon=True)
        run.reader.start()
        started.append(run)
        return run

    yield launch
    for run in started:  # a failed test must not leave a platform running
        if run.proc.poll() is None:
            run.proc.send_signal(signal.SIGINT)
        run.proc.wait(timeout=120)
        if run.reader is not None:
            run.reader.join(10)
        if run.proc.stdout is not None:
            run.proc.stdout.close()
        shutil.rmtree(run.run_root, ignore_errors=True)


def descendants(pid: int) -> dict[int, str]:
    """PID -> start time of every child of PID (all the platform's processes are direct ones)."""
    found: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found[int(stat.parent.name)] = fields[19]
    return found


def alive(pid: int, started: str) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19] == started
    except (OSError, IndexError):
        return False


def host_view() -> hoststate.HostView:
    return hoststate.view("", str(nodebins.bin_dir()))


def stop_and_check_clean(run: Run, info: rundir.RuntimeInfo, before: hoststate.HostView) -> None:
    children = descendants(run.proc.pid)
    assert len(children) >= 7, children  # 5 control-plane components, 2 Flux controllers, board
    began = time.monotonic()
    run.proc.send_signal(signal.SIGINT)
    assert run.proc.wait(timeout=120) == 0
    sys.stdout.write(f"\n[platform] Ctrl-C to all stopped: {time.monotonic() - began:.1f}s\n")
    assert [pid for pid, started in children.items() if alive(pid, started)] == []
    assert not Path(info.state_dir).exists()
    assert not rundir.current_file(run.run_root).exists()
    assert not (clusters_root() / run.name).exists()
    assert host_view().differences(before) == []  # mounts, netns, links, rules, cgroups...
    assert not run.run_root.exists()  # the lock file and the run root went too
    port = info.server.rpartition(":")[2]  # kubectl's discovery cache went with the run
    assert not (Path.home() / ".kube" / "cache" / "discovery" / f"127.0.0.1_{port}").exists()


def dev(info: rundir.RuntimeInfo) -> dev_board.DevView:
    view = dev_board.dev_view(board_status(info.board_url), NAMESPACE)
    assert view is not None
    return view


def ready_seconds(line: str) -> float:
    found = re.search(r"READY in ([0-9.]+)s", line)
    assert found, line
    return float(found.group(1))


def screenshot(info: rundir.RuntimeInfo, version: versions.Release) -> None:
    if not CHROMIUM.is_file():
        message = f"SCREENSHOT NOT TAKEN: {CHROMIUM} missing (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        sys.stdout.write(f"\n{message}\n")
        return
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with Chromium

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(info.board_url + "/")
            page.wait_for_selector("text=Live updates: connected")
            page.wait_for_selector(
                f"#d-{NAMESPACE}-backend[data-health='Healthy'][data-done='true']", timeout=30_000
            )
            if info.real_node:
                page.wait_for_function(
                    f"document.querySelector('.backend').innerText.includes('{version.label}')",
                    timeout=30_000,
                )
            page.screenshot(path=str(SCREENSHOT), full_page=False)
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000


def backend_card(info: rundir.RuntimeInfo) -> dict[str, Any]:
    status = board_status(info.board_url)
    cards = [e["deployment"] for g in status["namespaces"] if g["namespace"] == NAMESPACE
             for e in g["deployments"] if e["deployment"]["name"] == "backend"]  # fmt: skip
    assert len(cards) == 1, status
    card: dict[str, Any] = cards[0]
    return card


def _settled(info: rundir.RuntimeInfo) -> dict[str, Any] | None:
    card = backend_card(info)
    return card if all(p["current"] and not p["deleting"] for p in card["pods"]) else None


def on_the_real_node(info: rundir.RuntimeInfo, release: versions.Release) -> None:
    """What the issue's "done when" asks of a run on the real node, for RELEASE."""
    kube = Kube(info.kubectl, Path(info.kubeconfig))
    wide = kube.run("get", "pods", "-o", "wide", "-n", NAMESPACE).stdout
    sys.stdout.write(wide)
    pods = kube.json("get", "pods", "-n", NAMESPACE, "-l", "app.kubernetes.io/name=backend")
    running = [p for p in pods["items"] if not p["metadata"].get("deletionTimestamp")]
    assert len(running) == 2
    for pod in running:
        name = pod["metadata"]["name"]
        assert pod["spec"]["nodeName"] == NODE_NAME
        assert name in wide
        image_id = pod["status"]["containerStatuses"][0]["imageID"]
        assert image_id.endswith("@" + release.digest), image_id
        # The kubelet's probes, in the backend's own access log, through the apiserver.
        logs = kube.run("logs", name, "-n", NAMESPACE).stdout
        assert '"user_agent":"kube-probe/' in logs, logs[-2000:]
        assert '"route":"/readyz"' in logs
    # The old pods drain (2 s) and go; until then they are on the card, with their digest.
    card = wait_for("only new pods on the card", lambda: _settled(info), 30)
    current = [p for p in card["pods"] if p["current"] and not p["deleting"]]
    assert current
    assert all(p["digests"] == [release.digest] for p in current), current
    assert all(p["node"] == NODE_NAME for p in current)
    provenance = card["provenance"]
    assert provenance["running"] == [release.digest]  # imageID, from the kubelet
    assert provenance["meta_digest"] == release.digest  # what /meta says
    assert card["image"].endswith("@" + release.digest)  # what git pins
    assert not provenance["mismatch"], provenance["reasons"]


def missing_digest_recovers(info: rundir.RuntimeInfo, good: versions.Release) -> None:
    """A promotion of a digest the registry does not have: the kubelet cannot pull it,
    the board says Degraded long before the progress deadline, and the pipeline runner's
    verify (which sees the ImagePullBackOff at once) reverts it: no command."""
    repo = ConfigRepo(Path(info.remote), Path(info.work_clone))
    repo.sync()  # the pipeline runner pushed since
    repo.promote("sha256:" + "0" * 64, "f" * 40)  # what promote.yaml would push
    kube = Kube(info.kubectl, Path(info.kubeconfig))
    kube.run("annotate", "--overwrite", "-n", "flux-system",
             f"gitrepositories.source.toolkit.fluxcd.io/{SOURCE_NAME}",
             f"reconcile.fluxcd.io/requestedAt={time.time()}")  # fmt: skip
    began = time.monotonic()

    def degraded() -> dict[str, Any] | None:
        health = backend_card(info)["health"]
        pulling = any("ImagePullBackOff" in c or "ErrImagePull" in c for c in health["causes"])
        return health if health["code"] == "Degraded" and pulling else None

    wait_for("the board: Degraded, the image cannot be pulled", degraded, 60)
    took = time.monotonic() - began
    sys.stdout.write(f"[platform] a missing digest to Degraded: {took:.1f}s\n")
    assert took < info.progress_deadline_s  # early: not the progress deadline's verdict

    def recovered() -> dev_board.DevView | None:
        view = dev(info)
        return view if view.health == "Healthy" and view.digest == good.digest else None

    wait_for("the runner's revert: Healthy at the previous digest", recovered, 120)
    sys.stdout.write(f"[platform] a missing digest to recovered: {time.monotonic() - began:.1f}s\n")


def after_label(info: rundir.RuntimeInfo) -> str:
    """The version dev's pods answer now (the board's backend panel)."""
    version = board_status(info.board_url)["backend"]["version"]
    assert isinstance(version, str), version
    return version


@pytest.mark.timeout(1800)
def test_make_run_delivers_three_environments_recovers_by_itself_and_stops_clean(
    start: Callable[..., Run],
) -> None:
    before = host_view()
    run = start()
    ready = run.wait_for(re.escape(READY_MARK), timeout=600)
    info = rundir.load(run.run_root)
    sys.stdout.write(f"\n[platform] start to 'board shows dev Healthy': {ready_seconds(ready)}s\n")
    releases = versions.Releases.load(Path(info.state_dir))  # the digests this run published

    status = board_status(info.board_url)
    for namespace in NAMESPACES.values():  # every environment, at this checkout's build
        view = dev_board.dev_view(status, namespace)
        assert view is not None, namespace
        assert view.health == "Healthy", view
        assert view.done, view
        assert view.flux_at(info.seeded_commit), view  # delivered by Flux, at the seeded commit
        assert view.digest == releases.build.digest
    view = dev(info)
    assert status["cluster"]["problems"] == []
    assert status["cluster"]["source"].startswith("kubeconfig ")  # the ServiceAccount's, not admin
    if info.real_node:  # root: the kubelet runs the images and probes them
        assert view.serving == (releases.build.label,)
        assert status["backend"]["version"] == releases.build.label
        assert status["backend"]["git_sha"] == releases.revision
        assert len(status["backend"]["pods"]) == 2
        on_the_real_node(info, releases.build)

    second = tool(run.run_root, "up", "--name", run.name + "-2", "--port", str(free_port()))
    assert second.returncode == 2
    assert "already running" in second.stdout

    began = time.monotonic()
    promoted = tool(run.run_root, "promote", "good", timeout=180)
    assert promoted.returncode == 0, promoted.stdout
    sys.stdout.write(f"[platform] make promote-good to Healthy: {time.monotonic() - began:.1f}s\n")
    after = dev(info)
    new = releases.good[1]
    assert after.health == "Healthy"
    assert after.digest == new.digest
    assert after.revision == view.revision + 1
    if info.real_node:
        assert after.serving == (new.label,)
        on_the_real_node(info, new)
        missing_digest_recovers(info, new)
        # The delivery loop: real source commits, no command after the push.
        loop_tool = lambda *args, timeout=30: tool(run.run_root, *args, timeout=timeout)  # noqa: E731
        delivery_loop.bad_change_recovers(loop_tool, info)
        delivery_loop.good_change_reaches_prod(loop_tool, info)
        delivery_loop.panel_shows_lead_time(info)
        environments_view.against_the_platform(info)  # the JSON against kubectl; an inventory
        new = versions.Release(versions.Version(after_label(info)), dev(info).digest, "")

    screenshot(info, new)
    stop_and_check_clean(run, info, before)


@pytest.mark.timeout(600)
def test_without_the_real_node_it_says_what_it_left_out(start: Callable[..., Run]) -> None:
    before = host_view()
    run = start("--no-real-node")
    note = run.wait_for("LEFT OUT", timeout=30)
    assert "real node LEFT OUT: --no-real-node was given" in note
    assert "backend panel and Digest column stay empty" in note
    ready = run.wait_for(re.escape(READY_MARK), timeout=600)
    info = rundir.load(run.run_root)
    sys.stdout.write(f"\n[platform] without the node, to dev Healthy: {ready_seconds(ready)}s\n")
    assert not info.real_node
    releases = versions.Releases.load(Path(info.state_dir))  # the images are real all the same
    assert dev(info).digest == releases.build.digest
    view = dev(info)
    assert view.health == "Healthy", view
    assert view.flux_at(info.seeded_commit), view
    status = board_status(info.board_url)
    assert status["backend"]["pods"] == []  # the panel is empty: nothing answers /meta
    assert status["backend"]["version"] is None
    stop_and_check_clean(run, info, before)


@pytest.mark.timeout(900)
def test_the_next_run_after_a_sigkill_puts_the_host_back(start: Callable[..., Run]) -> None:
    """SIGKILL leaves everything running; the next ``up`` must find it by the PIDs and
    the node's ledger, stop it and put the host back before it starts anew."""
    before = host_view()
    first = start()
    first.wait_for(re.escape(READY_MARK), timeout=600)
    info = rundir.load(first.run_root)
    children = descendants(first.proc.pid)
    first.proc.kill()
    first.proc.wait(timeout=30)
    assert [pid for pid, started in children.items() if alive(pid, started)]  # left behind
    again = start(run_root=first.run_root)
    note = again.wait_for("was killed before it cleaned up", timeout=120)
    sys.stdout.write(f"[platform] the next run: {note}\n")
    again.wait_for(re.escape(READY_MARK), timeout=600)
    assert [pid for pid, started in children.items() if alive(pid, started)] == []
    assert not Path(info.state_dir).exists()
    stop_and_check_clean(again, rundir.load(again.run_root), before)
