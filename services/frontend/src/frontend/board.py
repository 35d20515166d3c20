"""The board as plain data: cache snapshot + probe results -> groups of cards and banners (pure)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from frontend.gitops import GitOpsStatus, gitops_index
from frontend.snapshot import ClusterSnapshot, Json, ProbeSnapshot
from frontend.status.card import DeploymentCard, deployment_card
from frontend.status.durations import human_duration
from frontend.status.health import HealthCode

ENVIRONMENT_LABELS = ("app.kubernetes.io/environment", "environment", "env")


@dataclass(frozen=True)
class Banner:
    level: str  # "error", "warning" or "info"
    title: str
    text: str


@dataclass(frozen=True)
class Entry:
    card: DeploymentCard
    gitops: tuple[GitOpsStatus, ...]

    @property
    def anchor(self) -> str:
        return f"d-{self.card.namespace}-{self.card.name}"


@dataclass(frozen=True)
class Group:
    namespace: str
    environment: str | None
    entries: tuple[Entry, ...]

    def count(self, code: HealthCode) -> int:
        return sum(1 for e in self.entries if e.card.health.code == code)


@dataclass(frozen=True)
class Board:
    generated_at: datetime
    cluster: ClusterSnapshot
    backend: ProbeSnapshot
    backend_stale: bool
    banners: tuple[Banner, ...]
    groups: tuple[Group, ...]


def _uid(obj: Json) -> str:
    return str((obj.get("metadata") or {}).get("uid", ""))


def _meta(obj: Json, key: str) -> str:
    return str((obj.get("metadata") or {}).get(key) or "")


def _owner_uid(obj: Json) -> str | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid"))
    return None


def _ago(since: datetime, now: datetime) -> str:
    return human_duration(now - since)


def banners(
    cluster: ClusterSnapshot, backend: ProbeSnapshot, stale: bool, now: datetime
) -> list[Banner]:
    found: list[Banner] = []
    if not cluster.configured:
        found.append(
            Banner(
                "info",
                "No cluster configured",
                "Set FRONTEND_KUBECONFIG to a kubeconfig file, or run the board "
                "in-cluster with a ServiceAccount that may get/list/watch "
                "deployments, replicasets, pods and events.",
            )
        )
    for problem in cluster.problems:
        level = (
            "error"
            if problem.startswith(("forbidden", "unauthorized", "cannot load"))
            else "warning"
        )
        found.append(Banner(level, "Cluster access problem", problem))
    since = cluster.stale_since
    if since is not None:
        found.append(
            Banner(
                "warning",
                "Stale cluster data",
                f"The Kubernetes API has not answered for {_ago(since, now)} "
                f"(since {since:%H:%M:%S} UTC); showing the last-known state.",
            )
        )
    elif cluster.configured and not cluster.synced:
        found.append(
            Banner("info", "Loading", "Waiting for the first list from the Kubernetes API.")
        )
    if stale:
        last = backend.service.last_success
        when = f"last answer {_ago(last, now)} ago" if last else "no answer yet"
        error = backend.service.last_error or "no probe has succeeded"
        found.append(
            Banner(
                "warning",
                "Stale backend data",
                f"{backend.service.url} is not answering ({when}): {error}.",
            )
        )
    return found


def _environment(deployments: Iterable[Json]) -> str | None:
    for dep in deployments:
        labels = (dep.get("metadata") or {}).get("labels") or {}
        for key in ENVIRONMENT_LABELS:
            if labels.get(key):
                return str(labels[key])
    return None


def build_board(cluster: ClusterSnapshot, backend: ProbeSnapshot, now: datetime) -> Board:
    """Group every Deployment's card by namespace; each card gets only its own objects."""
    rs_by_owner: dict[str, list[Json]] = defaultdict(list)
    for rs in cluster.of_kind("replicasets"):
        rs_by_owner[_owner_uid(rs) or ""].append(rs)
    pods_by_owner: dict[str, list[Json]] = defaultdict(list)
    for pod in cluster.of_kind("pods"):
        pods_by_owner[_owner_uid(pod) or ""].append(pod)
    events_by_ns: dict[str, list[Json]] = defaultdict(list)
    for event in cluster.of_kind("events"):
        events_by_ns[_meta(event, "namespace")].append(event)
    gitops = gitops_index(cluster.of_kind("applications"), cluster.of_kind("kustomizations"))
    meta = backend.service.meta

    by_ns: dict[str, list[Json]] = defaultdict(list)
    for dep in cluster.of_kind("deployments"):
        by_ns[_meta(dep, "namespace")].append(dep)
    groups = []
    for ns in sorted(by_ns):
        entries = []
        for dep in sorted(by_ns[ns], key=lambda d: _meta(d, "name")):
            name = _meta(dep, "name")
            replicasets = rs_by_owner.get(_uid(dep), [])
            pods = [p for rs in replicasets for p in pods_by_owner.get(_uid(rs), [])]
            prefix = f"{name}-"
            events = [e for e in events_by_ns.get(ns, []) if _subject_name(e) == name
                      or _subject_name(e).startswith(prefix)]  # fmt: skip
            card = deployment_card(dep, replicasets, pods, events, now, meta=meta)
            entries.append(Entry(card, gitops.get((ns, name), ())))
        groups.append(Group(ns, _environment(by_ns[ns]), tuple(entries)))
    stale = backend.is_stale(now)
    return Board(
        now, cluster, backend, stale, tuple(banners(cluster, backend, stale, now)), tuple(groups)
    )


def _subject_name(event: Json) -> str:
    subject = event.get("involvedObject") or event.get("regarding") or {}
    return str(subject.get("name") or "")
