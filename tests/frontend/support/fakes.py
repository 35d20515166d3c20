"""An ``ObjectSource`` holding fixed objects: the seam in-process tests feed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from frontend.kinds import WORKLOAD_KINDS
from frontend.snapshot import Json, ObjectSnapshot, StreamStatus
from tools.platformkit.objects import NAMESPACE

# The cache's resource names for the kinds the builders in tools.platformkit.objects make.
_PLURALS = {
    "Deployment": "deployments",
    "ReplicaSet": "replicasets",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "ControllerRevision": "controllerrevisions",
    "Pod": "pods",
    "Event": "events",
    "Application": "applications",
    "Kustomization": "kustomizations",
}


def _by_kind(objects: list[Json]) -> dict[str, tuple[Json, ...]]:
    grouped: dict[str, list[Json]] = {}
    for obj in objects:
        grouped.setdefault(_PLURALS[obj["kind"]], []).append(obj)
    return {kind: tuple(items) for kind, items in grouped.items()}


def _streams(
    namespaces: tuple[str, ...], problem: str | None, stale_since: datetime | None
) -> tuple[StreamStatus, ...]:
    return tuple(
        StreamStatus(kind.plural, ns, True, True, stale_since, problem, 0, 1, 0, 0)
        for ns in namespaces
        for kind in WORKLOAD_KINDS
    )


@dataclass
class StaticCluster:
    objects: list[Json] = field(default_factory=list)
    namespaces: tuple[str, ...] = (NAMESPACE,)
    problem: str | None = None
    stale_since: datetime | None = None
    synced: bool = True
    started: bool = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def snapshot(self) -> ObjectSnapshot:
        streams = _streams(self.namespaces, self.problem, self.stale_since)
        if not self.synced:
            streams = tuple(replace(s, synced=False, settled=False) for s in streams)
        return ObjectSnapshot(
            configured=True,
            source="test fixture",
            server="https://127.0.0.1:6443",
            namespaces=self.namespaces,
            objects=_by_kind(self.objects),
            streams=streams,
        )
