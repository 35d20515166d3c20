"""Kubernetes API objects for in-process tests, shaped like the real API's JSON.

Built on ``tests.support.manifests.deployment`` (what the cluster tier applies), with
the status fields the controllers and kubelet (kwok) would write.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.manifests import IMAGE, deployment

Json = dict[str, Any]
DIGEST = "sha256:" + "ab" * 32
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def rollout(
    name: str,
    namespace: str = "shop",
    replicas: int = 3,
    ready: int | None = None,
    change_cause: str = "",
    waiting: str | None = None,
) -> list[Json]:
    """A Deployment at revision 1 with its ReplicaSet and pods (``ready`` of them Ready)."""
    ready = replicas if ready is None else ready
    dep = deployment(name, replicas=replicas)
    dep_uid, rs_uid, tpl_hash = str(uuid.uuid4()), str(uuid.uuid4()), "7d9f8c6b5"
    created = _ts(NOW - timedelta(minutes=30))
    annotations = {"deployment.kubernetes.io/revision": "1"}
    if change_cause:
        annotations["kubernetes.io/change-cause"] = change_cause
    dep["metadata"].update(
        namespace=namespace,
        uid=dep_uid,
        generation=1,
        resourceVersion="10",
        creationTimestamp=created,
        annotations=dict(annotations),
    )
    done = ready == replicas
    dep["status"] = {
        "observedGeneration": 1,
        "replicas": replicas,
        "updatedReplicas": replicas,
        "readyReplicas": ready,
        "availableReplicas": ready,
        "conditions": [
            {
                "type": "Available",
                "status": "True" if done else "False",
                "reason": "MinimumReplicasAvailable",
                "message": "ok",
                "lastTransitionTime": created,
            },
            {
                "type": "Progressing",
                "status": "True",
                "reason": "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
                "message": f'ReplicaSet "{name}-{tpl_hash}" progressing.',
                "lastTransitionTime": created,
            },
        ],
    }
    template = copy.deepcopy(dep["spec"]["template"])
    template["metadata"]["labels"]["pod-template-hash"] = tpl_hash
    owner = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
        "uid": dep_uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    rs: Json = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{name}-{tpl_hash}",
            "namespace": namespace,
            "uid": rs_uid,
            "labels": dict(template["metadata"]["labels"]),
            "annotations": annotations,
            "ownerReferences": [owner],
            "creationTimestamp": created,
        },
        "spec": {"replicas": replicas, "selector": dep["spec"]["selector"], "template": template},
        "status": {
            "replicas": replicas,
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": 1,
        },
    }
    objects = [dep, rs]
    for i in range(replicas):
        is_ready = i < ready
        state: Json = {"running": {"startedAt": created}}
        if waiting and not is_ready:
            state = {"waiting": {"reason": waiting, "message": f"back-off: {waiting}"}}
        objects.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"{name}-{tpl_hash}-p{i}",
                    "namespace": namespace,
                    "uid": str(uuid.uuid4()),
                    "labels": dict(template["metadata"]["labels"]),
                    "ownerReferences": [
                        {
                            **owner,
                            "kind": "ReplicaSet",
                            "name": f"{name}-{tpl_hash}",
                            "uid": rs_uid,
                        }
                    ],
                    "creationTimestamp": created,
                },
                "spec": {**copy.deepcopy(template["spec"]), "nodeName": f"kwok-node-{i % 2}"},
                "status": {
                    "phase": "Running",
                    "podIP": f"127.20.0.{i + 10}",
                    "startTime": created,
                    "conditions": [{"type": "Ready", "status": "True" if is_ready else "False"}],
                    "containerStatuses": [
                        {
                            "name": "app",
                            "image": IMAGE,
                            "imageID": f"{IMAGE}@{DIGEST}",
                            "ready": is_ready,
                            "restartCount": 0 if is_ready else 4,
                            "started": is_ready,
                            "state": state,
                        }
                    ],
                },
            }
        )
    return objects


def warning_event(about: Json, reason: str, message: str) -> Json:
    meta = about["metadata"]
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "type": "Warning",
        "reason": reason,
        "message": message,
        "metadata": {
            "name": f"{meta['name']}.{uuid.uuid4().hex[:8]}",
            "namespace": meta["namespace"],
            "uid": str(uuid.uuid4()),
            "creationTimestamp": _ts(NOW),
        },
        "involvedObject": {
            "kind": about["kind"],
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
        },
        "count": 3,
        "lastTimestamp": _ts(NOW - timedelta(seconds=40)),
    }


def by_kind(objects: list[Json]) -> dict[str, tuple[Json, ...]]:
    plural = {
        "Deployment": "deployments",
        "ReplicaSet": "replicasets",
        "Pod": "pods",
        "Event": "events",
        "Application": "applications",
        "Kustomization": "kustomizations",
    }
    grouped: dict[str, list[Json]] = {}
    for obj in objects:
        grouped.setdefault(plural[obj["kind"]], []).append(obj)
    return {kind: tuple(items) for kind, items in grouped.items()}
