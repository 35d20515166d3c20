"""Small builders for the Kubernetes objects the cluster tests and fixture capture use."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]
IMAGE = "ghcr.io/stefanprodan/podinfo:6.9.0"


def deployment(
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
