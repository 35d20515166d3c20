"""A ``ClusterSource`` holding fixed objects: the seam in-process tests feed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from frontend.snapshot import ClusterSnapshot, Json, StreamStatus
from tests.frontend.support.objects import by_kind


def _streams(
    namespaces: tuple[str, ...], problem: str | None, stale_since: datetime | None
) -> tuple[StreamStatus, ...]:
    return tuple(
        StreamStatus(kind, ns, True, True, stale_since, problem, 0, 1, 0, 0)
        for ns in namespaces
        for kind in ("deployments", "replicasets", "pods", "events")
    )


@dataclass
class StaticCluster:
    objects: list[Json] = field(default_factory=list)
    namespaces: tuple[str, ...] = ("shop",)
    problem: str | None = None
    stale_since: datetime | None = None
    synced: bool = True
    started: bool = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def snapshot(self) -> ClusterSnapshot:
        streams = _streams(self.namespaces, self.problem, self.stale_since)
        if not self.synced:
            streams = tuple(replace(s, synced=False, settled=False) for s in streams)
        return ClusterSnapshot(
            configured=True,
            source="test fixture",
            server="https://127.0.0.1:6443",
            namespaces=self.namespaces,
            objects=by_kind(self.objects),
            streams=streams,
        )
