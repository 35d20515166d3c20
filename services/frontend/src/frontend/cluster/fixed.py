"""An ``ObjectSource`` of fixed objects, for in-process tests and benchmarks: no cluster.

Objects are filed under their kind's REST plural (``kinds.PLURALS``), as the watch cache
files them; each always-watched kind gets one synced stream per namespace. It has no
journals, so the board's index compares it whole with what it held.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from frontend.cluster.kinds import PLURALS, WORKLOAD_KINDS
from frontend.cluster.snapshot import Json, ObjectSnapshot, StreamStatus


def by_plural(objects: list[Json]) -> dict[str, tuple[Json, ...]]:
    """The objects grouped by their kind's REST plural, in input order."""
    grouped: dict[str, list[Json]] = {}
    for obj in objects:
        grouped.setdefault(PLURALS[obj["kind"]], []).append(obj)
    return {plural: tuple(items) for plural, items in grouped.items()}


@dataclass
class FixedObjects:
    """``problem``, ``stale_since`` and ``synced`` mark every stream alike."""

    objects: list[Json] = field(default_factory=list)
    namespaces: tuple[str, ...] = ("default",)
    problem: str | None = None
    stale_since: datetime | None = None
    synced: bool = True
    started: bool = False

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def snapshot(self) -> ObjectSnapshot:
        streams = tuple(
            StreamStatus(kind.plural, ns, True, True, self.stale_since, self.problem, 0, 1, 0, 0)
            for ns in self.namespaces
            for kind in WORKLOAD_KINDS
        )
        if not self.synced:
            streams = tuple(replace(s, synced=False, settled=False) for s in streams)
        return ObjectSnapshot(
            configured=True,
            source="fixed objects",
            server=None,
            namespaces=self.namespaces,
            objects=by_plural(self.objects),
            streams=streams,
        )
