"""Warning events about a Deployment, its ReplicaSets and its pods, newest first.

Reads both core/v1 Events (``involvedObject``, ``message``, ``lastTimestamp``) and
events.k8s.io/v1 Events (``regarding``, ``note``, ``series``), since either may be listed.

Which events are about a card is decided in one place, ``Subjects.involve``; an ``EventIndex``
only narrows the candidates, so a namespace's events are not scanned once per Deployment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
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
    # kubectl's LAST SEEN column; not compared (the browser counts it from last_seen).
    age: str = field(compare=False)


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


class EventIndex:
    """Warning events by what they are about: uid, kind and name, and a pod name's prefixes."""

    def __init__(self, events: Iterable[Mapping[str, Any]]) -> None:
        self._events = [event for event in events if text(event, "type") == "Warning"]
        # Positions in self._events, so candidates keep the order the events came in.
        self._by_uid: dict[str, list[int]] = defaultdict(list)
        self._by_name: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._by_pod_prefix: dict[str, list[int]] = defaultdict(list)
        for position, event in enumerate(self._events):
            subject = _subject(event)
            kind, subject_name = text(subject, "kind"), text(subject, "name")
            if text(subject, "uid"):
                self._by_uid[text(subject, "uid")].append(position)
            self._by_name[(kind, subject_name)].append(position)
            if kind == "Pod":
                # "web-5c8d7f9b6-abcde" under "web-" and "web-5c8d7f9b6-", as Subjects names them.
                for at, char in enumerate(subject_name):
                    if char == "-":
                        self._by_pod_prefix[subject_name[: at + 1]].append(position)

    def about(self, subjects: Subjects) -> list[Obj]:
        """The Warning events ``subjects.involve``, each once, in the order they came in."""
        positions: set[int] = set()
        for subject_uid in subjects.uids:
            positions.update(self._by_uid.get(subject_uid, ()))
        for key in subjects.names:
            positions.update(self._by_name.get(key, ()))
        for prefix in subjects.pod_prefixes:
            positions.update(self._by_pod_prefix.get(prefix, ()))
        candidates = (self._events[position] for position in sorted(positions))
        return [event for event in candidates if subjects.involve(event)]


def warning_events(
    events: EventIndex | Iterable[Mapping[str, Any]],
    subjects: Subjects,
    now: datetime,
    limit: int = DEFAULT_MAX_EVENTS,
) -> tuple[EventRow, ...]:
    """The newest ``limit`` Warning events about the subjects (pass an index to share one)."""
    index = events if isinstance(events, EventIndex) else EventIndex(events)
    chosen = index.about(subjects)
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
