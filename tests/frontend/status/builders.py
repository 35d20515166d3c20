"""Hand-written API objects, shaped exactly like the JSON the API server returns.

Used where no captured fixture exists (tests/fixtures/k8s), and as the base of variants a real
control plane cannot produce. Every builder returns a fresh dict that tests may edit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Obj = dict[str, Any]

NAMESPACE = "apps"
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
DEPLOYMENT_UID = "0b6f4a52-8a51-4d8e-9a0e-5c1d2f3e4a5b"
IMAGE_V1 = "ghcr.io/acme/backend:1.0.0"
IMAGE_V2 = "ghcr.io/acme/backend:2.0.0"
DIGEST_V1 = "sha256:" + "a1" * 32
DIGEST_V2 = "sha256:" + "b2" * 32


def at(seconds_ago: float) -> str:
    """An API timestamp ``seconds_ago`` before NOW (RFC 3339, second precision, ``Z``)."""
    moment = NOW - timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def template(image: str = IMAGE_V2, pod_hash: str | None = None) -> Obj:
    labels = {"app.kubernetes.io/name": "web"}
    if pod_hash:
        labels["pod-template-hash"] = pod_hash
    return {
        "metadata": {"creationTimestamp": None, "labels": labels},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": image,
                    "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 8000, "name": "http", "protocol": "TCP"}],
                    "resources": {},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                }
            ],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30,
        },
    }


def condition(kind: str, status: str, reason: str, message: str = "", ago: float = 60) -> Obj:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": at(ago),
        "lastUpdateTime": at(ago),
    }


def deployment(
    *,
    replicas: int | None = 3,
    generation: int = 2,
    observed: int = 2,
    total: int = 3,
    updated: int = 3,
    ready: int = 3,
    available: int = 3,
    revision: int = 2,
    image: str = IMAGE_V2,
    conditions: list[Obj] | None = None,
) -> Obj:
    """A Deployment ``web``; the defaults describe test vector F (fully rolled out)."""
    if conditions is None:
        conditions = [
            condition(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            ),
            condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                'ReplicaSet "web-5c8d7f9b6" has successfully progressed.',
            ),
        ]
    spec: Obj = {
        "progressDeadlineSeconds": 600,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
        "strategy": {
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            "type": "RollingUpdate",
        },
        "template": template(image),
    }
    if replicas is not None:
        spec["replicas"] = replicas
    status: Obj = {"observedGeneration": observed, "conditions": conditions}
    for key, value in (
        ("replicas", total),
        ("updatedReplicas", updated),
        ("readyReplicas", ready),
        ("availableReplicas", available),
        ("unavailableReplicas", max(total - available, 0)),
    ):
        if value:  # the API omits zero-valued int32 status fields
            status[key] = value
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "creationTimestamp": at(3600),
            "generation": generation,
            "labels": {"app.kubernetes.io/name": "web"},
            "name": "web",
            "namespace": NAMESPACE,
            "resourceVersion": "4242",
            "uid": DEPLOYMENT_UID,
        },
        "spec": spec,
        "status": status,
    }


def replicaset(
    pod_hash: str,
    *,
    revision: int,
    image: str,
    replicas: int = 3,
    ready: int | None = None,
    available: int | None = None,
    created_ago: float = 600,
    change_cause: str = "",
    owner_uid: str = DEPLOYMENT_UID,
) -> Obj:
    annotations = {
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
        "deployment.kubernetes.io/revision": str(revision),
    }
    if change_cause:
        annotations["kubernetes.io/change-cause"] = change_cause
    status: Obj = {"observedGeneration": 1, "replicas": replicas}
    for key, value in (
        ("readyReplicas", replicas if ready is None else ready),
        ("availableReplicas", replicas if available is None else available),
        ("fullyLabeledReplicas", replicas),
    ):
        if value:
            status[key] = value
    if not replicas:
        status.pop("replicas")
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "annotations": annotations,
            "creationTimestamp": at(created_ago),
            "generation": 1,
            "labels": {"app.kubernetes.io/name": "web", "pod-template-hash": pod_hash},
            "name": f"web-{pod_hash}",
            "namespace": NAMESPACE,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "Deployment",
                    "name": "web",
                    "uid": owner_uid,
                }
            ],
            "resourceVersion": "4100",
            "uid": f"rs-uid-{pod_hash}",
        },
        "spec": {
            "replicas": replicas,
            "selector": {
                "matchLabels": {"app.kubernetes.io/name": "web", "pod-template-hash": pod_hash}
            },
            "template": template(image, pod_hash),
        },
        "status": status,
    }


def running_state(ago: float = 300) -> Obj:
    return {"running": {"startedAt": at(ago)}}


def waiting_state(reason: str, message: str = "") -> Obj:
    waiting = {"reason": reason}
    if message:
        waiting["message"] = message
    return {"waiting": waiting}


def terminated_state(
    exit_code: int, reason: str = "", signal: int = 0, finished_ago: float = 30
) -> Obj:
    terminated: Obj = {
        "exitCode": exit_code,
        "finishedAt": at(finished_ago),
        "startedAt": at(finished_ago + 5),
    }
    if reason:
        terminated["reason"] = reason
    if signal:
        terminated["signal"] = signal
    return {"terminated": terminated}


def container_status(
    name: str = "app",
    *,
    state: Obj | None = None,
    ready: bool = True,
    restarts: int = 0,
    last_state: Obj | None = None,
    image: str = IMAGE_V2,
    digest: str | None = DIGEST_V2,
    started: bool | None = None,
) -> Obj:
    status: Obj = {
        "containerID": f"containerd://{name}0123",
        "image": image,
        "imageID": f"{image.rsplit(':', 1)[0]}@{digest}" if digest else "",
        "lastState": last_state or {},
        "name": name,
        "ready": ready,
        "restartCount": restarts,
        "started": state is not None and "running" in state if started is None else started,
        "state": state if state is not None else running_state(),
    }
    return status


def pod(
    rs: Obj,
    suffix: str,
    *,
    phase: str = "Running",
    ready: bool = True,
    statuses: list[Obj] | None = None,
    init_statuses: list[Obj] | None = None,
    init_containers: list[Obj] | None = None,
    conditions: list[Obj] | None = None,
    created_ago: float = 300,
) -> Obj:
    """A pod of ``rs``; the defaults describe a ready, running pod of one container."""
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    image = rs["spec"]["template"]["spec"]["containers"][0]["image"]
    spec = copy.deepcopy(rs["spec"]["template"]["spec"])
    spec["nodeName"] = "node-1"
    if init_containers:
        spec["initContainers"] = init_containers
    if conditions is None:
        flag = "True" if ready else "False"
        conditions = [
            condition("PodReadyToStartContainers", "True", "", ago=created_ago),
            condition("Initialized", "True", "", ago=created_ago),
            condition("Ready", flag, "" if ready else "ContainersNotReady", ago=created_ago),
            condition(
                "ContainersReady", flag, "" if ready else "ContainersNotReady", ago=created_ago
            ),
            condition("PodScheduled", "True", "", ago=created_ago),
        ]
        for entry in conditions:
            entry.pop("lastUpdateTime")
    status: Obj = {
        "conditions": conditions,
        "containerStatuses": statuses
        if statuses is not None
        else [container_status(image=image, ready=ready)],
        "hostIP": "10.0.0.11",
        "phase": phase,
        "podIP": f"10.244.1.{len(suffix) + ord(suffix[0]) % 200}",
        "qosClass": "BestEffort",
        "startTime": at(created_ago),
    }
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "creationTimestamp": at(created_ago),
            "generateName": f"{rs['metadata']['name']}-",
            "labels": {"app.kubernetes.io/name": "web", "pod-template-hash": pod_hash},
            "name": f"{rs['metadata']['name']}-{suffix}",
            "namespace": NAMESPACE,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "ReplicaSet",
                    "name": rs["metadata"]["name"],
                    "uid": rs["metadata"]["uid"],
                }
            ],
            "resourceVersion": "4300",
            "uid": f"pod-uid-{pod_hash}-{suffix}",
        },
        "spec": spec,
        "status": status,
    }


def event(
    kind: str,
    name: str,
    reason: str,
    message: str,
    *,
    type_: str = "Warning",
    ago: float = 10,
    count: int = 1,
    uid: str = "",
) -> Obj:
    """A core/v1 Event as ``GET /api/v1/namespaces/<ns>/events`` lists it."""
    return {
        "apiVersion": "v1",
        "count": count,
        "eventTime": None,
        "firstTimestamp": at(ago + 60),
        "involvedObject": {
            "apiVersion": "v1",
            "kind": kind,
            "name": name,
            "namespace": NAMESPACE,
            "uid": uid,
        },
        "kind": "Event",
        "lastTimestamp": at(ago),
        "message": message,
        "metadata": {
            "creationTimestamp": at(ago + 60),
            "name": f"{name}.{reason.lower()}",
            "namespace": NAMESPACE,
        },
        "reason": reason,
        "reportingComponent": "",
        "source": {"component": "kubelet"},
        "type": type_,
    }


def edited(obj: Obj, edit: Callable[[Obj], object]) -> Obj:
    """A deep copy of ``obj`` with one explicit edit applied (the edit may mutate in place)."""
    clone = copy.deepcopy(obj)
    edit(clone)
    return clone


def rolled_out() -> tuple[Obj, list[Obj], list[Obj]]:
    """Vector F: revision 2 fully rolled out, revision 1 scaled to zero."""
    old = replicaset("6b7c9d8f4", revision=1, image=IMAGE_V1, replicas=0, created_ago=3600)
    new = replicaset("5c8d7f9b6", revision=2, image=IMAGE_V2, created_ago=600)
    pods = [pod(new, suffix) for suffix in ("abcde", "fghij", "klmno")]
    return deployment(), [old, new], pods


def mid_rollout() -> tuple[Obj, list[Obj], list[Obj]]:
    """Revision 2 rolling out: one new pod up, the old ReplicaSet still holding three."""
    old = replicaset("6b7c9d8f4", revision=1, image=IMAGE_V1, replicas=3, created_ago=3600)
    new = replicaset("5c8d7f9b6", revision=2, image=IMAGE_V2, replicas=1, created_ago=30)
    old_status = container_status(image=IMAGE_V1, digest=DIGEST_V1)
    pods = [
        pod(old, s, statuses=[copy.deepcopy(old_status)], created_ago=3000)
        for s in ("aaaaa", "bbbbb", "ccccc")
    ]
    pods.append(pod(new, "zzzzz", created_ago=20))
    dep = deployment(total=4, updated=1, ready=4, available=4)
    return dep, [old, new], pods
