"""The failure tools really break things: apiserver outage, etcd compaction, bad pods."""

from __future__ import annotations

import time

import pytest

from tools.platformkit.cluster import faults
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.cluster.stages import MODES
from tools.platformkit.kube import Json, Kube
from tools.platformkit.objects import deployment_manifest

pytestmark = pytest.mark.cluster


def _pods(kube: Kube, namespace: str, selector: str) -> list[Json]:
    items: list[Json] = kube.json("get", "pods", "-n", namespace, "-l", selector)["items"]
    return items


def test_apiserver_outage_and_restart(
    kube: Kube, namespace: str, control_plane: ControlPlane
) -> None:
    kube.apply(deployment_manifest("svc", replicas=1), namespace=namespace)
    kube.rollout_status("svc", namespace)

    with faults.apiserver_outage(control_plane):
        assert not control_plane.alive("kube-apiserver")
        down = kube.run(
            "get", "deployment", "svc", "-n", namespace, "--request-timeout=3s", check=False
        )
        assert down.returncode != 0
        assert "refused" in down.stderr
        for other in ("etcd", "kube-controller-manager", "kube-scheduler", "kwok"):
            assert control_plane.alive(other), other

    assert control_plane.alive("kube-apiserver")
    # Controllers reconnect: a change made after the restart still rolls out.
    kube.run("scale", "deployment/svc", "--replicas=3", "-n", namespace)
    assert "successfully rolled out" in kube.rollout_status("svc", namespace, timeout="90s")


def _pod_template(name: str, image: str) -> Json:
    return {
        "apiVersion": "v1",
        "kind": "PodTemplate",
        "metadata": {"name": name},
        "template": {"spec": {"containers": [{"name": "app", "image": image}]}},
    }


def _first_event(control_plane: ControlPlane, path: str) -> Json:
    return next(control_plane.api().watch(path + "&timeoutSeconds=3"))


def _assert_gone(event: Json) -> None:
    assert event["type"] in {"ERROR", "HTTP"}, event
    assert event["object"]["code"] == 410, event
    assert event["object"]["reason"] in {"Expired", "Gone"}, event


def test_etcd_compaction_makes_old_watch_410(
    kube: Kube, namespace: str, control_plane: ControlPlane
) -> None:
    # podtemplates bypass the watch cache (components.py), so this watch is etcd's.
    kube.apply(_pod_template("pt", "img:0"), namespace=namespace)
    old_rv = kube.json("get", "podtemplate", "pt", "-n", namespace)["metadata"]["resourceVersion"]
    for i in range(1, 4):
        kube.apply(_pod_template("pt", f"img:{i}"), namespace=namespace)
    path = f"/api/v1/namespaces/{namespace}/podtemplates?watch=1&resourceVersion={old_rv}"
    assert _first_event(control_plane, path)["type"] == "MODIFIED"  # still watchable

    compacted = faults.compact_etcd(control_plane)

    assert compacted > int(old_rv)
    _assert_gone(_first_event(control_plane, path))


def test_expire_resource_versions_gives_410_through_watch_cache(
    kube: Kube, namespace: str, control_plane: ControlPlane
) -> None:
    kube.apply(deployment_manifest("rv", replicas=1), namespace=namespace)
    kube.rollout_status("rv", namespace)
    old_rv = kube.json("get", "deployment", "rv", "-n", namespace)["metadata"]["resourceVersion"]
    kube.run("scale", "deployment/rv", "--replicas=2", "-n", namespace)
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments?watch=1&resourceVersion={old_rv}"
    faults.compact_etcd(control_plane)
    # The watch cache still answers from memory after an etcd-only compaction.
    assert _first_event(control_plane, path)["type"] == "MODIFIED"

    faults.expire_resource_versions(control_plane)

    _assert_gone(_first_event(control_plane, path))
    # A re-list gives a current resourceVersion that watches from there again.
    listing = control_plane.api().get(f"/apis/apps/v1/namespaces/{namespace}/deployments")
    fresh_rv = listing["metadata"]["resourceVersion"]
    fresh_path = path.replace(f"resourceVersion={old_rv}", f"resourceVersion={fresh_rv}")
    kube.run("scale", "deployment/rv", "--replicas=1", "-n", namespace)
    event = _first_event(control_plane, fresh_path)
    assert event["type"] != "ERROR", str(event["object"])


@pytest.mark.parametrize("mode", sorted(MODES))
def test_fault_stage_sets_real_pod_status(kube: Kube, namespace: str, mode: str) -> None:
    name = f"f-{mode}"[:50]
    init = "busybox:1.36" if mode == "init-crashloop" else None
    kube.apply(
        deployment_manifest(
            name, replicas=1, pod_labels=faults.fault_labels(mode), init_image=init
        ),
        namespace=namespace,
    )

    deadline = time.monotonic() + 30
    while True:
        pods = _pods(kube, namespace, f"app={name}")
        statuses = pods[0]["status"].get("containerStatuses") if pods else None
        if statuses and pods[0]["status"].get("startTime"):
            break
        assert time.monotonic() < deadline, f"no status written for {mode}: {pods}"
        time.sleep(0.2)
    pod = pods[0]["status"]
    ready = next(c for c in pod["conditions"] if c["type"] == "Ready")
    if mode == "restarting":
        assert ready["status"] == "True"
        assert statuses[0]["restartCount"] == 4
        return
    assert ready["status"] == "False"
    if mode == "never-ready":
        assert "running" in statuses[0]["state"]
    elif mode == "init-crashloop":
        init_status = pod["initContainerStatuses"][0]
        assert init_status["state"]["waiting"]["reason"] == "CrashLoopBackOff"
        assert statuses[0]["state"]["waiting"]["reason"] == "PodInitializing"
    else:
        reason = statuses[0]["state"]["waiting"]["reason"]
        expected = {
            "crashloop": "CrashLoopBackOff",
            "image-pull-backoff": "ImagePullBackOff",
            "err-image-pull": "ErrImagePull",
            "invalid-image-name": "InvalidImageName",
            "create-container-config-error": "CreateContainerConfigError",
        }[mode]
        assert reason == expected


def test_delete_pods_are_replaced(kube: Kube, namespace: str) -> None:
    kube.apply(deployment_manifest("del", replicas=2), namespace=namespace)
    kube.rollout_status("del", namespace)
    before = {p["metadata"]["name"] for p in _pods(kube, namespace, "app=del")}

    faults.delete_pods(kube, namespace, "app=del", wait=True)

    deadline = time.monotonic() + 30
    while True:
        pods = _pods(kube, namespace, "app=del")
        names = {p["metadata"]["name"] for p in pods}
        ready = [p for p in pods if p["status"].get("phase") == "Running"]
        if len(ready) == 2 and not names & before:
            break
        assert time.monotonic() < deadline, f"pods not replaced: {names}"
        time.sleep(0.2)
