"""The cluster data as plain data: what the watch cache publishes and the board reads.

``ObjectSource`` is what publishes an ``ObjectSnapshot``: the watch cache in production,
``FixedObjects`` in tests and benchmarks. No I/O here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from frontend.cluster.apiserver import ApiState

Json = dict[str, Any]


@dataclass(frozen=True)
class JournalView:
    """One stream's objects at one instant, and the uids its last changes touched.

    ``items`` is never changed after it is published (the stream copies on write), so a
    reader holds it without a lock. ``listing`` is new on every (re)list; within one
    listing, change ``n`` (counting from 1) touched ``touched[n - base - 1]``.
    """

    plural: str
    namespace: str
    listing: int
    seq: int
    base: int
    touched: tuple[str, ...] | list[str]  # the stream only ever appends to this list
    items: Mapping[str, Json]

    def since(self, listing: int, seq: int) -> list[str] | None:
        """The uids changed after change ``seq`` of ``listing``; None if not known here."""
        if listing != self.listing or not self.base <= seq <= self.seq:
            return None
        return list(self.touched[seq - self.base : self.seq - self.base])


class ObjectsByKind(Mapping[str, tuple[Json, ...]]):
    """The objects of each kind across the streams' views, joined only when a kind is read.

    A snapshot is taken for every board version, and most readers follow the journals:
    joining 20,000 pods into one tuple each time would cost more than the change itself.
    """

    def __init__(self, journals: tuple[JournalView, ...]) -> None:
        self._journals = journals
        self._plurals = tuple(dict.fromkeys(view.plural for view in journals))
        self._joined: dict[str, tuple[Json, ...]] = {}

    def __getitem__(self, plural: str) -> tuple[Json, ...]:
        joined = self._joined.get(plural)
        if joined is None:
            if plural not in self._plurals:
                raise KeyError(plural)
            joined = tuple(
                obj for view in self._journals if view.plural == plural
                for obj in view.items.values()
            )  # fmt: skip
            self._joined[plural] = joined
        return joined

    def __iter__(self) -> Iterator[str]:
        return iter(self._plurals)

    def __len__(self) -> int:
        return len(self._plurals)


@dataclass(frozen=True)
class StreamStatus:
    """Health of one list+watch stream (one resource kind in one namespace)."""

    kind: str
    namespace: str
    synced: bool
    settled: bool  # the apiserver has answered at least once (data, or a final "no")
    stale_since: datetime | None
    problem: str | None
    watch_restarts: int
    relists: int
    errors: int
    objects: int


@dataclass(frozen=True)
class ObjectSnapshot:
    """Everything the watch cache knows at one instant; objects are Kubernetes API JSON."""

    configured: bool
    source: str
    server: str | None
    namespaces: tuple[str, ...]
    objects: Mapping[str, tuple[Json, ...]] = field(default_factory=dict)
    streams: tuple[StreamStatus, ...] = ()
    setup_error: str | None = None
    # The apiserver's own health check (``frontend.cluster.apiserver``): a hung apiserver,
    # or one whose etcd is down, keeps watches open but silent.
    api_problem: str | None = None
    api_stale_since: datetime | None = None
    api_state: ApiState = "unknown"
    # The watch cache's streams, for readers that follow changes instead of re-reading
    # everything (``frontend.board.index``); fixed objects (``FixedObjects``) have none.
    journals: tuple[JournalView, ...] = ()

    @property
    def settled(self) -> bool:
        """Every stream has an answer from the apiserver, data or a final "no" (or no
        cluster is configured): the board is no longer loading."""
        return not self.configured or (bool(self.streams) and all(s.settled for s in self.streams))

    @property
    def synced(self) -> bool:
        """Every stream has listed its kind (or no cluster is configured). A forbidden
        list is settled but not synced: the board cannot see what it needs."""
        return not self.configured or (bool(self.streams) and all(s.synced for s in self.streams))

    @property
    def stale_since(self) -> datetime | None:
        stale = [s.stale_since for s in self.streams if s.stale_since is not None]
        if self.api_stale_since is not None:
            stale.append(self.api_stale_since)
        return min(stale) if stale else None

    @property
    def problems(self) -> tuple[str, ...]:
        seen = dict.fromkeys(s.problem for s in self.streams if s.problem)
        if self.api_problem:
            seen = {self.api_problem: None, **seen}
        if self.setup_error:
            seen = {self.setup_error: None, **seen}
        return tuple(seen)

    def of_kind(self, kind: str) -> tuple[Json, ...]:
        """The objects of one kind, by its REST plural (``"pods"``)."""
        return self.objects.get(kind, ())

    def of_kind_in(self, kind: str, namespaces: Collection[str]) -> Iterator[Json]:
        """The objects of one kind in NAMESPACES: from those namespaces' streams when each
        watches one namespace (no other object is touched), else filtered."""
        views = [view for view in self.journals if view.plural == kind]
        if views and all(view.namespace for view in views):
            for view in views:
                if view.namespace in namespaces:
                    yield from view.items.values()
            return
        for obj in self.of_kind(kind):
            if (obj.get("metadata") or {}).get("namespace") in namespaces:
                yield obj


class ObjectSource(Protocol):
    """What the app needs from the watch cache (tests pass fixed objects instead)."""

    def start(self) -> None: ...
    def stop(self) -> None: ...
    def snapshot(self) -> ObjectSnapshot: ...
