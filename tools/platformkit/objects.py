"""Kubernetes objects for every test tier: one clock (``NOW``), one namespace (``NAMESPACE``).

Two kinds of builders, each returning a fresh dict that tests may edit:

- **Manifests** (``deployment_manifest``, ``service_account_with_role``): what a test
  applies to the real control plane; its controllers and kwok write the status.
- **API objects** (``deployment``, ``replicaset``, ``pod``, ``event`` and their parts;
  ``rolled_out``, ``mid_rollout`` and ``rollout`` for whole Deployments): shaped exactly
  like the JSON the API server returns, status included. In-process tests use them where
  no captured fixture (tests/fixtures/k8s) exists, and as the base of variants a real
  control plane cannot produce.

Timestamps count back from ``NOW``: pass ``NOW`` to the code under test, so ages are exact.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Json = dict[str, Any]

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
NAMESPACE = "shop"

# --- Manifests -----------------------------------------------------------------------

# What the cluster tier's Deployments declare; kwok fakes the kubelet, nothing is pulled.
IMAGE = "ghcr.io/stefanprodan/podinfo:6.9.0"


def deployment_manifest(
    name: str,
    replicas: int = 3,
    image: str = IMAGE,
    pod_labels: dict[str, str] | None = None,
    pod_annotations: dict[str, str] | None = None,
    progress_deadline: int | None = None,
    init_image: str | None = None,
    max_surge: int | str = "25%",
    max_unavailable: int | str = "25%",
    extra_pod_spec: Json | None = None,
) -> Json:
    """A Deployment to apply: pods labelled ``app=<name>``, one container ``app``."""
    spec: Json = {
        "containers": [{"name": "app", "image": image, "ports": [{"containerPort": 9898}]}]
    }
    if init_image:
        spec["initContainers"] = [{"name": "init", "image": init_image}]
    spec.update(extra_pod_spec or {})
    dep: Json = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": max_surge, "maxUnavailable": max_unavailable},
            },
            "template": {
                "metadata": {
                    "labels": {"app": name, **(pod_labels or {})},
                    "annotations": dict(pod_annotations or {}),
                },
                "spec": spec,
            },
        },
    }
    if progress_deadline is not None:
        dep["spec"]["progressDeadlineSeconds"] = progress_deadline
    return dep


def service_account_with_role(name: str, namespace: str, rules: list[Json]) -> list[Json]:
    """A ServiceAccount bound to a namespaced Role of the same name."""
    meta = {"name": name, "namespace": namespace}
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": meta,
            "rules": rules,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": namespace}],
        },
    ]


# --- API objects, as the API server returns them ---------------------------------------

DEPLOYMENT_UID = "0b6f4a52-8a51-4d8e-9a0e-5c1d2f3e4a5b"
IMAGE_V1 = "ghcr.io/acme/backend:1.0.0"
IMAGE_V2 = "ghcr.io/acme/backend:2.0.0"
DIGEST_V1 = "sha256:" + "a1" * 32
DIGEST_V2 = "sha256:" + "b2" * 32
_APP_LABEL = "app.kubernetes.io/name"
_HASH_LABEL = "pod-template-hash"


def at(seconds_ago: float) -> str:
    """An API timestamp ``seconds_ago`` before NOW (RFC 3339, second precision, ``Z``)."""
    moment = NOW - timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def template(image: str = IMAGE_V2, pod_hash: str | None = None, *, app: str = "web") -> Json:
    """A pod template of one container ``app``, labelled ``app.kubernetes.io/name=<app>``."""
    labels = {_APP_LABEL: app}
    if pod_hash:
        labels[_HASH_LABEL] = pod_hash
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


def condition(kind: str, status: str, reason: str, message: str = "", ago: float = 60) -> Json:
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
    name: str = "web",
    namespace: str = NAMESPACE,
    uid: str = DEPLOYMENT_UID,
    replicas: int | None = 3,
    generation: int = 2,
    observed: int = 2,
    total: int = 3,
    updated: int = 3,
    ready: int = 3,
    available: int = 3,
    revision: int = 2,
    image: str = IMAGE_V2,
    conditions: list[Json] | None = None,
) -> Json:
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
                f'ReplicaSet "{name}-5c8d7f9b6" has successfully progressed.',
            ),
        ]
    spec: Json = {
        "progressDeadlineSeconds": 600,
        "revisionHistoryLimit": 10,
        "selector": {"matchLabels": {_APP_LABEL: name}},
        "strategy": {
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            "type": "RollingUpdate",
        },
        "template": template(image, app=name),
    }
    if replicas is not None:
        spec["replicas"] = replicas
    status: Json = {"observedGeneration": observed, "conditions": conditions}
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
            "labels": {_APP_LABEL: name},
            "name": name,
            "namespace": namespace,
            "resourceVersion": "4242",
            "uid": uid,
        },
        "spec": spec,
        "status": status,
    }


def replicaset(
    pod_hash: str,
    *,
    revision: int,
    image: str,
    deployment_name: str = "web",
    namespace: str = NAMESPACE,
    replicas: int = 3,
    ready: int | None = None,
    available: int | None = None,
    created_ago: float = 600,
    change_cause: str = "",
    owner_uid: str = DEPLOYMENT_UID,
) -> Json:
    """The ReplicaSet ``<deployment_name>-<pod_hash>`` a Deployment owns."""
    annotations = {
        "deployment.kubernetes.io/desired-replicas": "3",
        "deployment.kubernetes.io/max-replicas": "4",
        "deployment.kubernetes.io/revision": str(revision),
    }
    if change_cause:
        annotations["kubernetes.io/change-cause"] = change_cause
    status: Json = {"observedGeneration": 1, "replicas": replicas}
    for key, value in (
        ("readyReplicas", replicas if ready is None else ready),
        ("availableReplicas", replicas if available is None else available),
        ("fullyLabeledReplicas", replicas),
    ):
        if value:
            status[key] = value
    if not replicas:
        status.pop("replicas")
    labels = {_APP_LABEL: deployment_name, _HASH_LABEL: pod_hash}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "annotations": annotations,
            "creationTimestamp": at(created_ago),
            "generation": 1,
            "labels": dict(labels),
            "name": f"{deployment_name}-{pod_hash}",
            "namespace": namespace,
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "Deployment",
                    "name": deployment_name,
                    "uid": owner_uid,
                }
            ],
            "resourceVersion": "4100",
            "uid": f"rs-uid-{pod_hash}",
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": template(image, pod_hash, app=deployment_name),
        },
        "status": status,
    }


def running_state(ago: float = 300) -> Json:
    return {"running": {"startedAt": at(ago)}}


def waiting_state(reason: str, message: str = "") -> Json:
    waiting = {"reason": reason}
    if message:
        waiting["message"] = message
    return {"waiting": waiting}


def terminated_state(
    exit_code: int, reason: str = "", signal: int = 0, finished_ago: float = 30
) -> Json:
    terminated: Json = {
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
    state: Json | None = None,
    ready: bool = True,
    restarts: int = 0,
    last_state: Json | None = None,
    image: str = IMAGE_V2,
    digest: str | None = DIGEST_V2,
    started: bool | None = None,
) -> Json:
    status: Json = {
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
    rs: Json,
    suffix: str,
    *,
    phase: str = "Running",
    ready: bool = True,
    statuses: list[Json] | None = None,
    init_statuses: list[Json] | None = None,
    init_containers: list[Json] | None = None,
    conditions: list[Json] | None = None,
    created_ago: float = 300,
) -> Json:
    """A pod of ``rs`` (in its namespace); the defaults describe a ready, running pod."""
    rs_meta = rs["metadata"]
    labels = dict(rs["spec"]["template"]["metadata"]["labels"])
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
    status: Json = {
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
            "generateName": f"{rs_meta['name']}-",
            "labels": labels,
            "name": f"{rs_meta['name']}-{suffix}",
            "namespace": rs_meta["namespace"],
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "blockOwnerDeletion": True,
                    "controller": True,
                    "kind": "ReplicaSet",
                    "name": rs_meta["name"],
                    "uid": rs_meta["uid"],
                }
            ],
            "resourceVersion": "4300",
            "uid": f"pod-uid-{labels[_HASH_LABEL]}-{suffix}",
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
    namespace: str = NAMESPACE,
    type_: str = "Warning",
    ago: float = 10,
    count: int = 1,
    uid: str = "",
) -> Json:
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
            "namespace": namespace,
            "uid": uid,
        },
        "kind": "Event",
        "lastTimestamp": at(ago),
        "message": message,
        "metadata": {
            "creationTimestamp": at(ago + 60),
            "name": f"{name}.{reason.lower()}",
            "namespace": namespace,
        },
        "reason": reason,
        "reportingComponent": "",
        "source": {"component": "kubelet"},
        "type": type_,
    }


def warning_event(about: Json, reason: str, message: str) -> Json:
    """A Warning Event about ``about`` (any object built here), seen three times."""
    meta = about["metadata"]
    return event(
        about["kind"],
        meta["name"],
        reason,
        message,
        namespace=meta["namespace"],
        uid=meta["uid"],
        ago=40,
        count=3,
    )


def edited(obj: Json, edit: Callable[[Json], object]) -> Json:
    """A deep copy of ``obj`` with one explicit edit applied (the edit may mutate in place)."""
    clone = copy.deepcopy(obj)
    edit(clone)
    return clone


def rolled_out() -> tuple[Json, list[Json], list[Json]]:
    """Vector F: revision 2 fully rolled out, revision 1 scaled to zero."""
    old = replicaset("6b7c9d8f4", revision=1, image=IMAGE_V1, replicas=0, created_ago=3600)
    new = replicaset("5c8d7f9b6", revision=2, image=IMAGE_V2, created_ago=600)
    pods = [pod(new, suffix) for suffix in ("abcde", "fghij", "klmno")]
    return deployment(), [old, new], pods


def mid_rollout() -> tuple[Json, list[Json], list[Json]]:
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


def rollout(
    name: str,
    namespace: str = NAMESPACE,
    replicas: int = 3,
    ready: int | None = None,
    change_cause: str = "",
    waiting: str | None = None,
) -> list[Json]:
    """A Deployment at revision 1, then its ReplicaSet and pods, ``ready`` of them Ready.

    The other pods run without being Ready or, with ``waiting`` (a reason such as
    ``CrashLoopBackOff``), wait with that reason after 4 restarts. The pod-template-hash
    and every UID derive from namespace/name, so many rollouts can share one fake cluster.
    """
    ready = replicas if ready is None else ready
    done = ready == replicas
    pod_hash = hashlib.sha256(f"{namespace}/{name}".encode()).hexdigest()[:9]
    rs_name = f"{name}-{pod_hash}"
    available = (
        condition("Available", "True", "MinimumReplicasAvailable",
                  "Deployment has minimum availability.", ago=1800)
        if done
        else condition("Available", "False", "MinimumReplicasUnavailable",
                       "Deployment does not have minimum availability.", ago=1800)
    )  # fmt: skip
    progressing = (
        condition("Progressing", "True", "NewReplicaSetAvailable",
                  f'ReplicaSet "{rs_name}" has successfully progressed.', ago=1800)
        if done
        else condition("Progressing", "True", "ReplicaSetUpdated",
                       f'ReplicaSet "{rs_name}" is progressing.', ago=1800)
    )  # fmt: skip
    dep = deployment(
        name=name,
        namespace=namespace,
        uid=f"deploy-uid-{pod_hash}",
        replicas=replicas,
        generation=1,
        observed=1,
        total=replicas,
        updated=replicas,
        ready=ready,
        available=ready,
        revision=1,
        image=IMAGE_V1,
        conditions=[available, progressing],
    )
    if change_cause:
        dep["metadata"]["annotations"]["kubernetes.io/change-cause"] = change_cause
    rs = replicaset(
        pod_hash,
        revision=1,
        image=IMAGE_V1,
        deployment_name=name,
        namespace=namespace,
        replicas=replicas,
        ready=ready,
        available=ready,
        created_ago=1800,
        change_cause=change_cause,
        owner_uid=dep["metadata"]["uid"],
    )
    pods = []
    for index in range(replicas):
        is_ready = index < ready
        state = (
            waiting_state(waiting, f"back-off restarting failed container app ({waiting})")
            if waiting and not is_ready
            else running_state(ago=1800)
        )
        status = container_status(
            state=state,
            ready=is_ready,
            restarts=0 if is_ready else 4,
            image=IMAGE_V1,
            digest=DIGEST_V1,
        )
        pods.append(pod(rs, f"p{index:04d}", ready=is_ready, statuses=[status], created_ago=1800))
    return [dep, rs, *pods]
