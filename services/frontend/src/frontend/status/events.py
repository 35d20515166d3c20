"""Warning events about a Deployment, its ReplicaSets and its pods, newest first.

Reads both core/v1 Events (``involvedObject``, ``message``, ``lastTimestamp``) and
events.k8s.io/v1 Events (``regarding``, ``note``, ``series``), since either may be listed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontend.status.durations import since
from frontend.status.objects import (
    Obj,
    mapping,
    name,
    namespace,
    number,
    text,
    timestamp,
    uid,
)

DEFAULT_MAX_EVENTS = 10


@dataclass(frozen=True)
class EventRow:
    type: str
    reason: str
    message: str
    kind: str  # of the object the event is about
    name: str
    count: int
    last_seen: str  # RFC 3339, the newest time the event was observed
    age: str  # kubectl's LAST SEEN column


def _subject(event: Obj) -> Obj:
    return mapping(event, "involvedObject") or mapping(event, "regarding")


def _last_seen(event: Obj) -> datetime | None:
    candidates = (
        mapping(event, "series").get("lastObservedTime"),
        event.get("lastTimestamp"),
        event.get("deprecatedLastTimestamp"),
        event.get("eventTime"),
        mapping(event, "metadata").get("creationTimestamp"),
    )
    moments = [m for m in map(timestamp, candidates) if m is not None]
    return max(moments, default=None)


def _count(event: Obj) -> int:
    series = number(event, "series", "count")
    return series or number(event, "count") or number(event, "deprecatedCount") or 1


@dataclass(frozen=True)
class Subjects:
    """What a card's events may be about: objects by uid, or by kind and name."""

    namespace: str
    uids: frozenset[str]
    names: frozenset[tuple[str, str]]
    # Pods are replaced often; their events outlive them, named "<replicaset>-<suffix>".
    pod_prefixes: tuple[str, ...]

    @classmethod
    def of(cls, deployment: Obj, replicasets: Sequence[Obj], pods: Sequence[Obj]) -> Subjects:
        objects = [("Deployment", deployment)]
        objects += [("ReplicaSet", rs) for rs in replicasets]
        objects += [("Pod", pod) for pod in pods]
        return cls(
            namespace=namespace(deployment),
            uids=frozenset(uid(obj) for _, obj in objects if uid(obj)),
            names=frozenset((kind, name(obj)) for kind, obj in objects),
            pod_prefixes=tuple(f"{name(rs)}-" for rs in replicasets),
        )

    def involve(self, event: Obj) -> bool:
        subject = _subject(event)
        if text(subject, "uid") in self.uids:
            return True
        subject_namespace = text(subject, "namespace") or namespace(event)
        if self.namespace and subject_namespace and subject_namespace != self.namespace:
            return False
        kind, subject_name = text(subject, "kind"), text(subject, "name")
        if (kind, subject_name) in self.names:
            return True
        return kind == "Pod" and subject_name.startswith(self.pod_prefixes)


def warning_events(
    events: Sequence[Mapping[str, Any]],
    subjects: Subjects,
    now: datetime,
    limit: int = DEFAULT_MAX_EVENTS,
) -> tuple[EventRow, ...]:
    """The newest ``limit`` Warning events about the subjects."""
    chosen = [e for e in events if text(e, "type") == "Warning" and subjects.involve(e)]
    dated = sorted(
        ((_last_seen(e), e) for e in chosen),
        key=lambda pair: (pair[0] is not None, pair[0] or now, name(pair[1])),
        reverse=True,
    )
    rows = []
    for seen, event in dated[:limit]:
        subject = _subject(event)
        rows.append(
            EventRow(
                type="Warning",
                reason=text(event, "reason"),
                message=text(event, "message") or text(event, "note"),
                kind=text(subject, "kind"),
                name=text(subject, "name"),
                count=_count(event),
                last_seen=seen.isoformat() if seen else "",
                age=since(seen.isoformat() if seen else None, now),
            )
        )
    return tuple(rows)
