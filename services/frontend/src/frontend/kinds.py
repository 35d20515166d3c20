"""The resource kinds the board watches: the one list, and where each lives in the REST API."""

from __future__ import annotations

from dataclasses import dataclass

# FRONTEND_NAMESPACES=*: each kind is listed and watched once, across the cluster.
ALL_NAMESPACES = "*"


@dataclass(frozen=True)
class Kind:
    plural: str
    group: str  # "" for the core group
    version: str
    selector: str | None = None
    # Served only when a CRD is installed (Argo CD, Flux): watched once discovery finds it,
    # and a 403 on it must neither block readiness nor raise an alarm.
    optional: bool = False

    def path(self, namespace: str) -> str:
        root = "/api/v1" if not self.group else f"/apis/{self.group}/{self.version}"
        if namespace == ALL_NAMESPACES:
            return f"{root}/{self.plural}"
        return f"{root}/namespaces/{namespace}/{self.plural}"

    @property
    def rbac_name(self) -> str:
        return self.plural if not self.group else f"{self.plural}.{self.group}"


KINDS = (
    Kind("deployments", "apps", "v1"),
    Kind("replicasets", "apps", "v1"),
    Kind("statefulsets", "apps", "v1"),
    Kind("daemonsets", "apps", "v1"),
    # The revisions of StatefulSets and DaemonSets (their pods carry the hash).
    Kind("controllerrevisions", "apps", "v1"),
    Kind("pods", "", "v1"),
    # Only Warning events are shown; the field selector keeps Normal ones off the wire.
    Kind("events", "", "v1", selector="type=Warning"),
    Kind("applications", "argoproj.io", "v1alpha1", optional=True),
    Kind("kustomizations", "kustomize.toolkit.fluxcd.io", "v1", optional=True),
)
WORKLOAD_KINDS = tuple(kind for kind in KINDS if not kind.optional)
GITOPS_KINDS = tuple(kind for kind in KINDS if kind.optional)
