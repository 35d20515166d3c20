"""The watch cache against the real control plane: rollouts, outages, 410s, RBAC, load."""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tools.platformkit.board import audit_requests, board, card, kubeconfig_for_token, status
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.cluster.faults import (
    compact_etcd,
    fault_labels,
    hung_apiserver,
    start_apiserver,
    stop_apiserver,
)
from tools.platformkit.kube import Kube
from tools.platformkit.objects import IMAGE, deployment_manifest, service_account_with_role
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import ServiceProcess

pytestmark = pytest.mark.cluster


def _metric(proc_url: str, name: str) -> float:
    text = httpx.get(proc_url + "/metrics", timeout=5).text
    return sum(float(v) for v in re.findall(rf"^{name}{{[^}}]*}} (\S+)$", text, re.M))


def test_cache_follows_a_rollout_from_start_to_finish(
    kube: Kube, namespace: str, kubeconfig: Path
) -> None:
    with board(kubeconfig, namespace) as proc:
        # slow-ready pods: kwok's instant readiness could finish the whole rollout
        # inside one 250 ms batch, and then there would be no middle to observe.
        slow = fault_labels("slow-ready")
        kube.apply(deployment_manifest("shop", replicas=3, pod_labels=slow), namespace=namespace)
        first = wait_for("revision 1 healthy", lambda: (c := card(status(proc), "shop"))
                         and c["health"]["code"] == "Healthy" and c)  # fmt: skip
        assert first["revision"] == 1
        assert len(first["pods"]) == 3

        kube.run("set", "image", "deployment/shop", f"app={IMAGE[:-5]}6.9.1", "-n", namespace)
        seen: list[tuple[int, str, str]] = []

        def rolled() -> bool:
            c = card(status(proc), "shop")
            if c is None:
                return False
            step = (c["revision"], c["health"]["code"], c["rollout"]["message"])
            if not seen or seen[-1] != step:
                seen.append(step)
            return c["revision"] == 2 and c["rollout"]["done"] and len(c["pods"]) == 3

        wait_for("revision 2 rolled out", rolled, every=0.05)
        final = card(status(proc), "shop")
        assert final is not None
        assert final["image"].startswith(f"{IMAGE[:-5]}6.9.1")
        assert all(p["current"] for p in final["pods"])
        assert seen[-1][1] == "Healthy"
        # The cache saw the rollout in between, not just its two ends.
        assert any(code == "Progressing" or "replicas" in msg for _, code, msg in seen), seen


def recovers_without_restart(proc: ServiceProcess, kube: Kube, namespace: str, name: str) -> None:
    """Fresh again, and following changes, in the same board process."""
    wait_for("fresh", lambda: status(proc)["cluster"]["stale_since"] is None, timeout=60)
    kube.run("scale", f"deployment/{name}", "--replicas=2", "-n", namespace)
    wait_for("scale seen", lambda: (card(status(proc), name) or {}).get("counts", {})
             .get("desired") == 2, timeout=60)  # fmt: skip
    assert proc.proc is not None
    assert proc.proc.poll() is None


def test_outage_marks_data_stale_then_recovers_without_restart(
    kube: Kube, namespace: str, kubeconfig: Path, control_plane: ControlPlane
) -> None:
    kube.apply(deployment_manifest("outage", replicas=1), namespace=namespace)
    with board(kubeconfig, namespace) as proc:
        wait_for("card", lambda: card(status(proc), "outage"))
        stop_apiserver(control_plane)
        try:
            stale = wait_for("stale", lambda: status(proc)["cluster"]["stale_since"], timeout=30)
            page = httpx.get(proc.url + "/", timeout=5).text
            assert "Stale cluster data" in page
            assert card(status(proc), "outage") is not None  # last-known state kept
        finally:
            start_apiserver(control_plane)
        recovers_without_restart(proc, kube, namespace, "outage")
        assert stale


def test_a_hung_apiserver_is_shown_stale_then_recovers_without_restart(
    kube: Kube, namespace: str, kubeconfig: Path, control_plane: ControlPlane
) -> None:
    kube.apply(deployment_manifest("hung", replicas=1), namespace=namespace)
    with board(kubeconfig, namespace, FRONTEND_APISERVER_CHECK_SECONDS="2") as proc:
        wait_for("card", lambda: card(status(proc), "hung"))
        began = time.monotonic()
        with hung_apiserver(control_plane):
            # The bound is 30 s; this check interval gives about 7 s (2 + 5).
            wait_for("stale", lambda: status(proc)["cluster"]["stale_since"], timeout=30)
            detected = time.monotonic() - began
            problems = " ".join(status(proc)["cluster"]["problems"])
            assert "the Kubernetes API is not answering: GET /readyz?verbose" in problems
            assert "Stale cluster data" in httpx.get(proc.url + "/", timeout=5).text
            assert card(status(proc), "hung") is not None  # last-known state kept
        sys.stderr.write(f"\n[hung apiserver] stale after {detected:.1f}s\n")
        recovers_without_restart(proc, kube, namespace, "hung")


def test_gone_after_compaction_triggers_relist(
    kube: Kube, namespace: str, kubeconfig: Path, control_plane: ControlPlane
) -> None:
    with board(kubeconfig, namespace) as proc:
        relists = _metric(proc.url, "frontend_watch_relists_total")
        for i in range(5):  # move the global resourceVersion on, outside our namespace
            kube.run("create", "configmap", f"bump-{namespace}-{i}", "-n", "default")
        compact_etcd(control_plane)
        stop_apiserver(control_plane)  # the new watch cache starts after the compaction
        start_apiserver(control_plane)
        wait_for("re-list", lambda: _metric(proc.url, "frontend_watch_relists_total") > relists,
                 timeout=60)  # fmt: skip
        kube.apply(deployment_manifest("after-gone", replicas=1), namespace=namespace)
        wait_for("new card", lambda: card(status(proc), "after-gone"), timeout=60)
        assert "watch expired (410)" in proc.output() or "HTTP 410" in proc.output()


def test_a_kind_the_board_may_not_list_is_named_and_keeps_it_unready(
    kube: Kube, namespace: str, control_plane: ControlPlane, tmp_path: Path
) -> None:
    rules = [
        {"apiGroups": ["apps"], "verbs": ["get", "list", "watch"],
         "resources": ["deployments", "replicasets", "statefulsets", "daemonsets",
                       "controllerrevisions"]},
        {"apiGroups": [""], "resources": ["events"], "verbs": ["get", "list", "watch"]},
        # One verb short: pods may be read one by one and watched, not listed.
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "watch"]},
    ]  # fmt: skip
    kube.apply(*service_account_with_role("board-narrow", namespace, rules), namespace=namespace)
    token = kube.run("create", "token", "board-narrow", "-n", namespace).stdout.strip()
    config = kubeconfig_for_token(control_plane, token, tmp_path / "kubeconfig")

    with board(config, namespace, ready=False) as proc:
        expected = (f'forbidden: cannot list pods in namespace "{namespace}" '
                    "(needs get/list/watch on pods)")  # fmt: skip
        problems = wait_for("forbidden", lambda: status(proc)["cluster"]["problems"])
        assert problems == [expected]
        assert expected.replace('"', "&#34;") in httpx.get(proc.url + "/", timeout=5).text
        assert status(proc)["cluster"]["synced"] is False
        readiness = httpx.get(proc.url + "/readyz", timeout=5)
        assert readiness.status_code == 503
        assert readiness.json()["detail"] == f"cannot list pods/{namespace}: {expected}"


def _all_updated(received: list[int]) -> bool:
    return all(n >= 2 for n in received)


def _viewers(url: str, count: int, stop: threading.Event, received: list[int]) -> None:
    def one(index: int) -> None:
        try:
            with httpx.stream("GET", url + "/events", timeout=30) as stream:
                for line in stream.iter_lines():
                    if line in ("event: board", "event: delta"):
                        received[index] += 1
                    if stop.is_set():
                        return
        except httpx.HTTPError:  # the board stopped first: the stream is cut, as expected
            return

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()


def test_api_requests_do_not_grow_with_viewers(
    kube: Kube,
    namespace: str,
    kubeconfig: Path,
    control_plane: ControlPlane,
    record_property: Callable[[str, object], None],
) -> None:
    kube.apply(deployment_manifest("viewers", replicas=2), namespace=namespace)
    counts = {}
    with board(kubeconfig, namespace) as proc:
        assert proc.proc is not None
        wait_for("card", lambda: card(status(proc), "viewers"))
        for viewers, replicas in ((1, 3), (20, 2)):
            stop = threading.Event()
            received = [0] * viewers
            _viewers(proc.url, viewers, stop, received)
            time.sleep(1)
            started = time.time()
            kube.run("scale", "deployment/viewers", f"--replicas={replicas}", "-n", namespace)
            wait_for("every viewer updated", functools.partial(_all_updated, received), timeout=30)
            time.sleep(max(0.0, 10 - (time.time() - started)))
            counts[viewers] = len(audit_requests(control_plane, proc.proc.pid, started))
            stop.set()
        lifetime = audit_requests(control_plane, proc.proc.pid, 0)
        verbs = sorted({f"{e['verb']} {e['objectRef'].get('resource', '')}" for e in lifetime
                        if e.get("objectRef")})  # fmt: skip
    record_property("apiserver_requests", counts)
    sys.stdout.write(f"\napiserver requests by the board in 10 s: {counts} (viewers: requests); "
                     f"whole process lifetime: {len(lifetime)} requests: {verbs}\n")  # fmt: skip
    assert counts[20] <= counts[1]
