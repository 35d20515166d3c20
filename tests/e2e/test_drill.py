"""The delivery loop end to end, on the real control plane with real backend processes.

promote B -> sync -> verify OK and the board says Healthy at revision N+1;
promote broken C -> verify exits 1 and the board says Degraded with kubectl's
message -> automatic revert commit -> sync -> the board says Healthy at B again.
Every wait is a bounded poll on real objects; nothing sleeps to assert.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from delivery.git import run as git
from tests.e2e.gitops import ConfigRepo, sync, tool
from tests.e2e.timings import Clock
from tests.support.board import board, card, status, wait_for
from tests.support.controlplane import ControlPlane
from tests.support.kube import Kube
from tests.support.podnet import PodNetwork
from tests.support.podrunner import PodRunner
from tests.support.processes import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.cluster]

SHA = {v: hashlib.sha1(v.encode()).hexdigest() for v in ("A", "B", "C")}  # noqa: S324 - test ids
DIGEST = {v: "sha256:" + hashlib.sha256(v.encode()).hexdigest() for v in ("A", "B", "C")}


def catalog() -> dict[str, dict[str, str]]:
    """What each image would have baked in; C's dependency never answers, so it never gets ready."""
    images: dict[str, dict[str, str]] = {}
    for version, label in (("A", "1.0.0"), ("B", "1.1.0"), ("C", "1.2.0")):
        images[DIGEST[version]] = {
            "BACKEND_GIT_SHA": SHA[version],
            "BACKEND_VERSION": label,
            "BACKEND_BUILD_TIME": "2026-11-26T00:00:00Z",
        }
    images[DIGEST["C"]] |= {
        "BACKEND_READINESS_URLS": f"http://127.0.0.1:{free_port()}/healthz",
        "BACKEND_READINESS_CHECK_INTERVAL_SECONDS": "0.5",
    }
    return images


@pytest.fixture
def drill_namespace(kube: Kube) -> Iterator[str]:
    name = f"drill-{hashlib.sha1(str(time.time()).encode()).hexdigest()[:6]}"  # noqa: S324
    yield name
    kube.run("delete", "namespace", name, "--wait=false", check=False)


def deployment(kube: Kube, namespace: str) -> dict[str, Any]:
    return kube.json("get", "deployment", "backend", "-n", namespace)


def backend_card(proc: Any) -> dict[str, Any] | None:
    return card(status(proc), "backend")


def promote(repo: ConfigRepo, version: str) -> str:
    """What promote.yaml does: the promotion commit, pushed; returns its SHA."""
    result = tool(
        "promote", "--repo", str(repo.work), "--env", "dev",
        "--image", f"backend={DIGEST[version]}", "--source-sha", SHA[version],
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return repo.push()


def verify(
    namespace: str,
    kubeconfig: Path,
    kubectl: str,
    sha: str,
    digest: str,
    timeout: float,
    board_url: str | None = None,
) -> Any:
    board = ["--status-url", f"{board_url}/api/v1/status", "--deployment", f"{namespace}/backend"]
    return tool(
        "verify", *(board if board_url else []),
        "--service", f"{namespace}/backend", "--port", "8080",
        "--kubeconfig", str(kubeconfig), "--kubectl", kubectl,
        "--expect-sha", sha, "--expect-digest", digest,
        "-n", "3", "--interval", "0.5", "--timeout", str(timeout), "--json",
    )  # fmt: skip


def test_promote_fail_revert_recover(
    control_plane: ControlPlane,
    kube: Kube,
    pod_network: PodNetwork,
    drill_namespace: str,
    tmp_path: Path,
) -> None:
    ns, clock = drill_namespace, Clock()
    repo = ConfigRepo.create(tmp_path)
    promote(repo, "A")
    runner = PodRunner(control_plane.api(), ns, catalog(), pod_network.exec_prefix()).start()
    try:
        # Version A is running before the drill starts.
        sync(repo, kube, ns)
        kube.rollout_status("backend", ns, timeout="120s")
        initial = verify(ns, control_plane.kubeconfig, kube.kubectl, SHA["A"], DIGEST["A"], 60)
        assert initial.returncode == 0, initial.stderr
        clock.step("setup: version A synced, rolled out and verified")

        with board(control_plane.kubeconfig, ns, FRONTEND_PROBE_PODS="true") as board_proc:
            clock.step("board started and synced")
            revision_a = int(
                deployment(kube, ns)["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            )

            # 1. Promote B: one commit that changes the digest, pushed to the remote.
            promotion_b = promote(repo, "B")
            assert (
                git(repo.work, "log", "-1", "--format=%s")
                == f"deploy(dev): promote backend to {SHA['B'][:12]}"
            )
            clock.step("1. promote B (commit + push)")

            # 2. Sync: the rollout completes and the board shows revision N+1 Healthy.
            assert sync(repo, kube, ns) == promotion_b
            kube.rollout_status("backend", ns, timeout="120s")
            healthy_b = wait_for(
                "board: Healthy at revision N+1",
                lambda: (
                    (c := backend_card(board_proc))
                    and c["health"]["code"] == "Healthy"
                    and c["rollout"]["done"]
                    and c["revision"] == revision_a + 1
                    and c
                ),
                timeout=60,
            )
            assert healthy_b["rollout"]["message"] == 'deployment "backend" successfully rolled out'
            verified_b = verify(
                ns,
                control_plane.kubeconfig,
                kube.kubectl,
                SHA["B"],
                DIGEST["B"],
                30,
                board_proc.url,
            )
            assert verified_b.returncode == 0, verified_b.stderr
            assert "board: Healthy" in verified_b.stderr
            clock.step("2. sync B, rollout complete, board Healthy, verify exit 0")

            # 3. Promote broken C: its pods start but never become ready.
            promotion_c = promote(repo, "C")
            sync(repo, kube, ns)
            clock.step("3. promote C and sync")

            # 4. verify fails with exit 1 (only B answers), and the board says Degraded
            #    with kubectl's message once the progress deadline passes.
            failed = verify(ns, control_plane.kubeconfig, kube.kubectl, SHA["C"], DIGEST["C"], 25)
            assert failed.returncode == 1, failed.stderr
            summary = json.loads(failed.stdout)
            assert summary["result"] == "mismatch"
            assert any(label.startswith(SHA["B"][:12]) for label in summary["seen"])
            assert "verify: mismatch after" in failed.stderr
            degraded = wait_for(
                "board: Degraded with kubectl's message",
                lambda: (c := backend_card(board_proc)) and c["health"]["code"] == "Degraded" and c,
                timeout=60,
            )
            assert (
                degraded["rollout"]["message"]
                == 'deployment "backend" exceeded its progress deadline'
            )
            assert degraded["rollout"]["error"] is True
            assert not any(
                runner.serving().get(p["name"]) for p in degraded["pods"] if p["current"]
            )
            clock.step("4. verify exit 1, board Degraded")

            # 5. The pipeline reverts the promotion; sync rolls back; Healthy at B again.
            reverted = tool(
                "rollback",
                "--repo",
                str(repo.work),
                "--promotion",
                promotion_c,
                "--reason",
                f"verify exit {failed.returncode}",
                "--json",
            )
            assert reverted.returncode == 0, reverted.stderr
            back = json.loads(reverted.stdout)
            assert back["previous_source_sha"] == SHA["B"]
            assert back["digests"]["backend"] == DIGEST["B"]
            revert_commit = repo.push()
            assert (
                git(
                    repo.work, "log", "-1", "--format=%(trailers:key=Reverts-Promotion,valueonly)"
                ).strip()
                == promotion_c
            )
            assert sync(repo, kube, ns) == revert_commit
            kube.rollout_status("backend", ns, timeout="120s")
            recovered = wait_for(
                "board: Healthy at B again",
                lambda: (
                    (c := backend_card(board_proc))
                    and c["health"]["code"] == "Healthy"
                    and c["rollout"]["done"]
                    and c
                ),
                timeout=60,
            )
            assert all(DIGEST["B"] in image for image in recovered["images"])
            again = verify(ns, control_plane.kubeconfig, kube.kubectl, SHA["B"], DIGEST["B"], 30)
            assert again.returncode == 0, again.stderr
            panel = status(board_proc)["backend"]["pods"]
            assert panel
            assert all(p["git_sha"] == SHA["B"] for p in panel if p["ready"])
            clock.step("5. revert commit, sync, board Healthy at B, verify exit 0")
    finally:
        # Shown only when the drill fails: what the cluster and the runner saw.
        objects = kube.run(
            "get", "deploy,rs,pods,endpointslices", "-n", ns, "-o", "wide", check=False
        )
        events = kube.run("get", "events", "-n", ns, "--sort-by=.lastTimestamp", check=False)
        print(objects.stdout, events.stdout, f"runner: {runner.errors} {runner.serving()}")  # noqa: T201
        runner.stop()
        clock.total()
    assert runner.errors == [], runner.errors
    # Every pod that went away was drained by SIGTERM and exited cleanly.
    assert runner.exit_codes()
    assert set(runner.exit_codes().values()) == {0}
