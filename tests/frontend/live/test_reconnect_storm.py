"""Viewers leaving at any moment, against the real control plane: the board keeps moving.

Found by a reconnect storm: ten viewers reading the first event and leaving at once,
twice, froze the board for good on two runs of three (the change feed's lock was left
held by a cancelled waiter; docs/postmortems/2026-12-06-board-froze-after-viewers-left.md).
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.support.viewers import staying_viewers, storm
from tools.platformkit.board import board, card, status
from tools.platformkit.kube import Kube
from tools.platformkit.objects import deployment_manifest
from tools.platformkit.polling import wait_for

pytestmark = pytest.mark.cluster


def test_a_reconnect_storm_leaves_the_board_live_for_every_remaining_viewer(
    kube: Kube, namespace: str, kubeconfig: Path
) -> None:
    kube.apply(deployment_manifest("storm", replicas=1), namespace=namespace)
    fast = {"FRONTEND_BATCH_INTERVAL_MS": "20", "FRONTEND_HEARTBEAT_SECONDS": "1"}
    with board(kubeconfig, namespace, ready=True, **fast) as proc:
        wait_for("storm at 1/1", lambda: (card(status(proc), "storm") or {}).get(
            "rollout", {}).get("done"), timeout=60)  # fmt: skip
        with staying_viewers(proc.host, proc.port, 5) as stayed:
            wait_for("every viewer's first board", lambda: all(v.events for v in stayed),
                     timeout=30)  # fmt: skip
            left = storm(proc.host, proc.port, rounds=6, viewers=15, seed=26)
            before = status(proc)["board_version"]
            seen = [len(v.events) for v in stayed]

            kube.run("scale", "deployment/storm", "--replicas=2", "-n", namespace)

            wait_for("the API at 2/2", lambda: (card(status(proc), "storm") or {}).get(
                "counts", {}).get("ready") == 2, timeout=60)  # fmt: skip
            wait_for("every remaining viewer at 2/2", lambda: all(
                any(">2/2<" in d for d in v.data[n:]) for v, n in zip(stayed, seen, strict=True)
            ), timeout=30)  # fmt: skip
            after = status(proc)["board_version"]
        health = httpx.get(proc.url + "/healthz", timeout=5).status_code
        began = time.monotonic()
        proc.terminate(signal.SIGTERM)
        code = proc.wait(timeout=30)
        took = time.monotonic() - began

    sys.stderr.write(f"\n[storm] {left} viewers left; board {before} -> {after}; "
                     f"SIGTERM to exit {took:.1f}s\n")  # fmt: skip
    assert after > before
    assert health == 200
    assert code == 0, proc.output()[-3000:]
    assert "Lock is not acquired" not in proc.output()
