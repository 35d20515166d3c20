"""Deployments really roll out on the real control plane (kwok stands in for kubelets)."""

from __future__ import annotations

import ipaddress
import time

import pytest

from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.cluster.faults import fault_labels
from tools.platformkit.kube import Json, Kube
from tools.platformkit.objects import IMAGE, deployment_manifest

pytestmark = pytest.mark.cluster
REVISION = "deployment.kubernetes.io/revision"


def _pods(kube: Kube, namespace: str, selector: str) -> list[Json]:
    items: list[Json] = kube.json("get", "pods", "-n", namespace, "-l", selector)["items"]
    return items


def _wait(what: str, check: object, timeout: float = 30) -> None:
    assert callable(check)
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_rollout_completes(kube: Kube, namespace: str, control_plane: ControlPlane) -> None:
    kube.apply(deployment_manifest("web", replicas=3), namespace=namespace)

    out = kube.rollout_status("web", namespace)

    assert 'deployment "web" successfully rolled out' in out
    status = kube.json("get", "deployment", "web", "-n", namespace)["status"]
    assert (status["readyReplicas"], status["availableReplicas"]) == (3, 3)
    pods = _pods(kube, namespace, "app=web")
    assert len(pods) == 3
    cidr = ipaddress.ip_network(control_plane.pod_cidr)
    for pod in pods:
        assert pod["status"]["phase"] == "Running"
        assert pod["spec"]["nodeName"].startswith("kwok-node-")
        assert ipaddress.ip_address(pod["status"]["podIP"]) in cidr


def test_image_change_creates_revision_2_and_old_pods_terminate(kube: Kube, namespace: str) -> None:
    kube.apply(deployment_manifest("api", replicas=3), namespace=namespace)
    kube.rollout_status("api", namespace)
    old_hash = _pods(kube, namespace, "app=api")[0]["metadata"]["labels"]["pod-template-hash"]

    kube.run("set", "image", "deployment/api", f"app={IMAGE[:-5]}6.9.1", "-n", namespace)
    kube.rollout_status("api", namespace)

    dep = kube.json("get", "deployment", "api", "-n", namespace)
    assert dep["metadata"]["annotations"][REVISION] == "2"
    rs = {
        r["metadata"]["annotations"][REVISION]: r
        for r in kube.json("get", "rs", "-n", namespace, "-l", "app=api")["items"]
    }
    assert sorted(rs) == ["1", "2"]
    assert rs["2"]["spec"]["template"]["spec"]["containers"][0]["image"].endswith("6.9.1")
    assert rs["2"]["status"]["readyReplicas"] == 3
    assert rs["1"]["spec"]["replicas"] == 0
    assert rs["1"]["metadata"]["labels"]["pod-template-hash"] == old_hash
    _wait(
        "old pods to terminate", lambda: not _pods(kube, namespace, f"pod-template-hash={old_hash}")
    )
    assert len(_pods(kube, namespace, "app=api")) == 3


def test_stuck_rollout_reaches_progress_deadline_exceeded(kube: Kube, namespace: str) -> None:
    stuck = deployment_manifest(
        "stuck", replicas=2, pod_labels=fault_labels("never-ready"), progress_deadline=5
    )
    kube.apply(stuck, namespace=namespace)

    result = kube.run(
        "rollout", "status", "deployment/stuck", "-n", namespace, "--timeout=90s", check=False
    )

    assert result.returncode != 0
    assert 'deployment "stuck" exceeded its progress deadline' in result.stderr
    conditions = {
        c["type"]: c
        for c in kube.json("get", "deployment", "stuck", "-n", namespace)["status"]["conditions"]
    }
    assert conditions["Progressing"]["status"] == "False"
    assert conditions["Progressing"]["reason"] == "ProgressDeadlineExceeded"
    for pod in _pods(kube, namespace, "app=stuck"):
        ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "False"
