"""The resource kinds the board watches: the one list, their API names and REST plurals,
and where each lives in the REST API. Every other kind-to-plural mapping derives from it."""

from __future__ import annotations

from dataclasses import dataclass

# FRONTEND_NAMESPACES=*: each kind is listed and watched once, across the cluster.
ALL_NAMESPACES = "*"
# RFC 1123 label: what Kubernetes accepts as a namespace name.
NAMESPACE_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"


@dataclass(frozen=True)
class Kind:
    name: str  # the API's kind, as an object's ``kind`` field spells it
    plural: str  # the REST resource name: the cache's key for the kind's objects
    group: str  # "" for the core group
    version: str
    selector: str | None = None
    # Served only when a CRD is installed (Argo CD, Flux): watched once discovery finds it,
    # and a 403 on it must neither block readiness nor raise an alarm.
    optional: bool = False
    card: bool = False  # each object of the kind is a workload with a card on the board
    # Cluster-scoped (Nodes): listed and watched once, whatever the configured namespaces.
    namespaced: bool = True

    def path(self, namespace: str) -> str:
        root = "/api/v1" if not self.group else f"/apis/{self.group}/{self.version}"
        if namespace == ALL_NAMESPACES or not self.namespaced:
            return f"{root}/{self.plural}"
        return f"{root}/namespaces/{namespace}/{self.plural}"

    @property
    def rbac_name(self) -> str:
        return self.plural if not self.group else f"{self.plural}.{self.group}"


KINDS = (
    Kind("Deployment", "deployments", "apps", "v1", card=True),
    Kind("ReplicaSet", "replicasets", "apps", "v1"),
    Kind("StatefulSet", "statefulsets", "apps", "v1", card=True),
    Kind("DaemonSet", "daemonsets", "apps", "v1", card=True),
    # The revisions of StatefulSets and DaemonSets (their pods carry the hash).
    Kind("ControllerRevision", "controllerrevisions", "apps", "v1"),
    Kind("Pod", "pods", "", "v1"),
    # Only Warning events are shown; the field selector keeps Normal ones off the wire.
    Kind("Event", "events", "", "v1", selector="type=Warning"),
    Kind("Application", "applications", "argoproj.io", "v1alpha1", optional=True),
    Kind("Kustomization", "kustomizations", "kustomize.toolkit.fluxcd.io", "v1", optional=True),
    # A Kustomization's source: whether Flux can still fetch, and what it fetched last.
    Kind("GitRepository", "gitrepositories", "source.toolkit.fluxcd.io", "v1", optional=True),
    # Whether the nodes the pods run on are Ready. Optional: a board without the
    # ClusterRole (k8s/optional/board-nodes) still shows everything else, without alarm.
    Kind("Node", "nodes", "", "v1", optional=True, namespaced=False),
)
WORKLOAD_KINDS = tuple(kind for kind in KINDS if not kind.optional)
GITOPS_KINDS = tuple(kind for kind in KINDS if kind.optional and kind.namespaced)
# Served by every cluster (core group): watched from the start, one stream each.
CLUSTER_KINDS = tuple(kind for kind in KINDS if not kind.namespaced)
# In the order a namespace's cards are listed (between cards of the same name).
CARD_KINDS = tuple(kind for kind in KINDS if kind.card)
PLURALS = {kind.name: kind.plural for kind in KINDS}


# Cards are ids in the page: one prefix per kind, so a Deployment and a StatefulSet may
# share a name. Deployments keep "d-" so links to them stay valid.
_ANCHOR_PREFIX = {"Deployment": "d", "StatefulSet": "sts", "DaemonSet": "ds"}


def card_anchor(kind: str, namespace: str, name: str) -> str:
    """The id of a workload's card on the board page."""
    return f"{_ANCHOR_PREFIX.get(kind, 'd')}-{namespace}-{name}"
