"""The environments view: one row per application, one cell per environment, built from the
board (its cards and the live objects) and, when the board reads the config repository,
the delivery records (pure).

An application is a workload name delivered by the environments' Kustomizations (the
services of this repository: ``backend``, ``frontend``). Each cell says what that
environment runs (version, digest, commit, the config revision Flux applied), how it is
(health, a rollout in flight, why it failed, Warning events), whether the delivery records
verified it, and since when. Between adjacent cells: what a promotion would change.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from delivery.report import Event
from frontend.environments.chain import (
    Applied,
    Environment,
    argo_environments,
    argo_inventory,
    environments,
    inventory,
)
from frontend.environments.changes import Change, promotion_changes, settings
from frontend.environments.configrepo import ConfigOverlays, Unreadable
from frontend.environments.overlays import (
    Overlay,
    OverlayError,
    app_images,
    overlay_changes,
    overlay_directory,
)
from frontend.status.health import HealthCode
from frontend.status.objects import Obj, timestamp
from frontend.status.provenance import image_tag
from frontend.status.shas import short_sha

if TYPE_CHECKING:  # the board holds the view: only its annotations name the board's types
    from frontend.board.model import Entry, Group

SCHEMA = "environments/v1"


@dataclass(frozen=True)
class Cell:
    environment: str
    namespace: str
    anchor: str  # the card's id on the board
    version: str  # the image tag (or digest) the workload declares
    digest: str | None  # short sha256 the current revision's pods run, when they report it
    commit: str | None  # short source commit the backend's /meta reports
    config_revision: str | None  # short revision Flux last applied to this environment
    health: HealthCode
    health_message: str
    moving: bool  # a rollout is in flight
    failure: str | None  # why it failed, when Degraded
    # Warning events about the workload, its ReplicaSets and its current revision's pods
    # (older pods' warnings are the past), and their distinct reasons, newest first.
    warnings: int
    warning_reasons: tuple[str, ...]
    since: datetime | None  # when the running revision was created
    verified: str | None  # the delivery records' last outcome here: verified, failed, ...
    verified_at: datetime | None


@dataclass(frozen=True)
class Step:
    """Promoting ``earlier``'s version to ``later``: what would change (empty: nothing)."""

    earlier: str
    later: str
    changes: tuple[Change, ...]
    # "config": the two overlays in the config repository at the revisions Flux applied;
    # "live": the live workloads (no config repository, or it could not be read: ``note``).
    basis: str = "live"
    note: str | None = None  # the overlays and revisions compared, or why not


@dataclass(frozen=True)
class Row:
    application: str
    cells: tuple[Cell | None, ...]  # one per environment, None where it is not delivered
    steps: tuple[Step, ...]  # one per adjacent pair that both run it


@dataclass(frozen=True)
class EnvironmentsView:
    schema: str
    environments: tuple[Environment, ...]
    rows: tuple[Row, ...]


EMPTY = EnvironmentsView(SCHEMA, (), ())


def _version(image: str) -> str:
    """``repo/app:1.2@sha256:…`` or ``repo/app:1.2`` to ``1.2``; a digest-only image to it."""
    tag = image_tag(image)
    if tag:
        return tag
    digest = image.partition("@")[2]
    return short_sha(digest.removeprefix("sha256:")) if digest else "latest"


def _cell(env: Environment, entry: Entry, verification: Event | None, revision: str | None) -> Cell:
    card = entry.card
    current_pods = {pod.name for pod in card.pods if pod.current}
    current_events = [e for e in card.events if e.kind != "Pod" or e.name in current_pods]
    # What the current revision's pods run; pods of an old revision may still be there.
    running = next(
        (pod.digests for pod in card.pods if pod.current and pod.digests),
        card.provenance.running,
    )
    current = card.revisions.current
    code = card.health.code
    return Cell(
        environment=env.name,
        namespace=card.namespace,
        anchor=entry.anchor,
        version=_version(card.images[0] if card.images else card.image),
        digest=short_sha(running[0].removeprefix("sha256:")) if running else None,
        commit=short_sha(card.provenance.meta_git_sha) if card.provenance.meta_git_sha else None,
        config_revision=revision,
        health=code,
        health_message=card.health.message,
        moving=not card.rollout.done and code != HealthCode.DEGRADED,
        failure=card.health.message if code == HealthCode.DEGRADED else None,
        warnings=sum(event.count or 1 for event in current_events),
        warning_reasons=tuple(dict.fromkeys(event.reason for event in current_events)),
        since=timestamp(current.created) if current is not None else None,
        verified=verification.kind if verification is not None else None,
        verified_at=verification.at if verification is not None else None,
    )


def environments_view(
    board_groups: Sequence[Group],
    kustomizations: Sequence[Obj],
    workloads: Sequence[Obj],
    verifications: Mapping[str, Event] | None = None,
    applications: Sequence[Obj] = (),
) -> EnvironmentsView:
    """The view of the board's applications across the environments of KUSTOMIZATIONS
    (and of Argo CD APPLICATIONS).

    ``workloads`` are the live workloads (for what a promotion would change);
    ``verifications`` the newest delivery record per environment name, if known.
    """
    return EnvironmentsMemo().view(
        board_groups, kustomizations, lambda _namespaces: workloads, verifications, applications
    )


def _same(now: tuple[Obj, ...], then: tuple[Obj, ...]) -> bool:
    return len(now) == len(then) and all(a is b for a, b in zip(now, then, strict=True))


AppKey = tuple[str, int]  # (application, environment index)
# The live Deployments of the given namespaces (others may come too).
Workloads = Callable[[Collection[str]], Iterable[Obj]]


class EnvironmentsMemo:
    """The view, kept between board versions and redone only where it may have changed.

    The board builder keeps a namespace's ``Group`` object while nothing in it changes,
    and the watch cache replaces an object when it changes, so identities say enough: a
    change in one delivered namespace redoes the cells of that namespace's workloads (a
    cell whose card is the same object is kept), and the rows and promotion steps of
    those applications; every other row stays the same object, so the page is sent only
    the rows that changed (``frontend.board.memo``). New Kustomizations, environment
    labels or delivery records redo the whole view. A change off the delivered
    namespaces costs a dict of groups.
    """

    def __init__(self, config: ConfigOverlays | None = None) -> None:
        self._config = config  # the config repository's overlays, when the board reads it
        self._generation = config.generation if config is not None else 0
        self._overlays: dict[int, Overlay | str] = {}  # environment index -> overlay, or why not
        self._view = EMPTY
        self._kustomizations: tuple[Obj, ...] = ()
        self._applications: tuple[Obj, ...] = ()
        self._envs: tuple[Environment, ...] = ()
        self._labels: dict[str, str] = {}
        self._verifications: Mapping[str, Event] | None = None
        self._groups: dict[str, Group] = {}  # delivered namespace -> the group last seen
        # (application, environment index) -> (the entry, the cell made of it)
        self._cells: dict[AppKey, tuple[Entry, Cell]] = {}
        self._placed: dict[str, set[AppKey]] = {}  # namespace -> the cells it holds
        self._objects: dict[str, dict[str, Obj]] = {}  # namespace -> name -> live workload
        self._steps: dict[AppKey, tuple[Obj | None, Obj | None, Step]] = {}
        self._rows: dict[str, Row] = {}
        self._order: list[str] = []  # applications by name, as the rows are listed
        self._position: dict[str, int] = {}
        self._listed: list[Row] = []
        self._workloads: Workloads = lambda _namespaces: ()
        self._stale: set[str] = set()  # namespaces whose live workloads were not read since
        # namespace -> (environment index, workload) for every workload applied there
        self._applied: dict[str, list[tuple[int, Applied]]] = {}
        self._delivered: set[str] = set()
        self.builds = 0  # views made (a kept view is not counted)

    def _reset(
        self,
        kustomizations: tuple[Obj, ...] = (),
        applications: tuple[Obj, ...] = (),
        labels: dict[str, str] | None = None,
        verifications: Mapping[str, Event] | None = None,
    ) -> None:
        """Start again from these sources: every cache goes with the environments."""
        builds = self.builds
        self.__init__(self._config)  # type: ignore[misc]
        self.builds = builds
        self._kustomizations, self._applications = kustomizations, applications
        self._labels, self._verifications = labels or {}, verifications
        self._envs = environments(kustomizations, self._labels) + argo_environments(
            applications, self._labels
        )
        for index, env in enumerate(self._envs):
            for applied in env.workloads:
                self._applied.setdefault(applied.namespace, []).append((index, applied))
        self._delivered = set(self._applied)

    def view(
        self,
        board_groups: Sequence[Group],
        kustomizations: Sequence[Obj],
        workloads: Workloads,
        verifications: Mapping[str, Event] | None = None,
        applications: Sequence[Obj] = (),
    ) -> EnvironmentsView:
        """The view of this board version; ``workloads(namespaces)`` gives the live
        workloads of those namespaces (others may come too), read only when needed."""
        if not kustomizations and not applications:
            if self._view is not EMPTY:
                self._reset()
            return EMPTY
        current, apps = tuple(kustomizations), tuple(applications)
        same = _same(current, self._kustomizations) and _same(apps, self._applications)
        delivered = (
            self._delivered
            if same
            else {w.namespace for k in current for w in inventory(k)}
            | {w.namespace for a in apps for w in argo_inventory(a)}
        )
        groups = {g.namespace: g for g in board_groups if g.namespace in delivered}
        labels = {ns: g.environment for ns, g in groups.items() if g.environment}
        generation = self._config.generation if self._config is not None else 0
        if (
            not same
            or labels != self._labels
            or verifications is not self._verifications
            or generation != self._generation
        ):
            self._reset(current, apps, labels, verifications)
            self._generation = generation
        changed = {ns for ns in delivered if groups.get(ns) is not self._groups.get(ns)}
        if not changed and self._view is not EMPTY:
            return self._view
        self._groups = groups
        self._update(changed, groups, workloads)
        self.builds += 1
        return self._view

    def _update(self, changed: set[str], groups: Mapping[str, Group], workloads: Workloads) -> None:
        # Live workloads are read only for a promotion step that needs them.
        self._workloads, self._stale = workloads, self._stale | changed
        apps: set[str] = set()
        for ns in changed:
            group = groups.get(ns)
            entries = {(e.card.kind, e.card.name): e for e in group.entries} if group else {}
            before = self._placed.get(ns, set())
            seen: set[AppKey] = set()
            for index, applied in self._applied.get(ns, ()):
                key = (applied.name, index)
                entry = entries.get((applied.kind, applied.name))
                if entry is None or key in seen or (key in self._cells and key not in before):
                    continue  # no card, or the environment runs it from another namespace
                seen.add(key)
                kept = self._cells.get(key)
                if kept is not None and kept[0] is entry:
                    # A card that is the same object makes the same cell, and the same
                    # card means the same workload: its row needs nothing.
                    continue
                self._cells[key] = (entry, self._cell(index, entry))
                apps.add(applied.name)
            for key in before - seen:
                del self._cells[key]
                apps.add(key[0])
            self._placed[ns] = seen
        reshaped = False
        for app in apps:
            reshaped |= self._row(app)
        if reshaped:
            self._order = sorted(self._rows)
            self._position = {app: i for i, app in enumerate(self._order)}
            self._listed = [self._rows[app] for app in self._order]
        else:
            for app in apps:
                self._listed[self._position[app]] = self._rows[app]
        self._view = EnvironmentsView(SCHEMA, self._envs, tuple(self._listed))

    def _object(self, ns: str, app: str) -> Obj | None:
        """APP's live workload in NS, reading NS's workloads again if it changed since."""
        if ns in self._stale:
            self._stale.discard(ns)
            found: dict[str, Obj] = {}
            for obj in self._workloads([ns]):
                meta = obj.get("metadata") or {}
                if meta.get("namespace") == ns:
                    found.setdefault(meta.get("name", ""), obj)
            self._objects[ns] = found
        return self._objects.get(ns, {}).get(app)

    def _overlay(self, config: ConfigOverlays, index: int) -> Overlay | str:
        """Environment INDEX's overlay at the revision it applied, or why there is none."""
        found = self._overlays.get(index)
        if found is not None:
            return found
        env = self._envs[index]
        if env.config_commit is None or env.config_path is None:
            found = f"{env.name} names no applied commit and path"
        else:
            try:
                directory = overlay_directory(env.config_path)
            except OverlayError as exc:
                found = f"{env.source}: {exc}"
            else:
                read = config.overlay(env.config_commit, directory)
                if read is None:
                    return "reading the config repository"  # asked again when it is read
                found = read.reason if isinstance(read, Unreadable) else read
        self._overlays[index] = found
        return found

    def _step(self, i: int, app: str, before: Obj | None, after: Obj | None) -> Step:
        """Promoting environment I's APP to I + 1: from the overlays at the revisions Flux
        applied when the board reads the config repository, else from the live objects."""
        earlier, later = self._envs[i], self._envs[i + 1]
        if self._config is not None:
            overlays = (self._overlay(self._config, i), self._overlay(self._config, i + 1))
            reason = next((o for o in overlays if isinstance(o, str)), None)
            if isinstance(overlays[0], Overlay) and isinstance(overlays[1], Overlay):
                running = [
                    value
                    for obj in (before, after)
                    if obj is not None
                    for key, value in settings(obj).items()
                    if key.startswith("image ")
                ]
                if app_images(overlays[0], app, running) | app_images(overlays[1], app, running):
                    changes = overlay_changes(app, overlays[0], overlays[1], running)
                    where = " → ".join(
                        f"{e.config_path} at {(e.config_commit or '')[:12]}"
                        for e in (earlier, later)
                    )
                    return Step(earlier.name, later.name, changes, "config", where)
                reason = f"neither overlay pins an image of {app}"
            note = f"from the live objects: {reason}"
            return Step(earlier.name, later.name, promotion_changes(before, after), "live", note)
        return Step(earlier.name, later.name, promotion_changes(before, after))

    def _cell(self, index: int, entry: Entry) -> Cell:
        env = self._envs[index]
        verification = (self._verifications or {}).get(env.name)
        return _cell(env, entry, verification, env.applied_revision)

    def _row(self, app: str) -> bool:
        """Redo APP's row; True when a row came or went (the order must be redone)."""
        envs = self._envs
        cells = tuple(
            found[1] if (found := self._cells.get((app, i))) else None for i in range(len(envs))
        )
        if not any(cells):
            return self._rows.pop(app, None) is not None
        steps = []
        for i in range(len(envs) - 1):
            earlier, later = cells[i], cells[i + 1]
            if earlier is None or later is None:
                continue
            before = self._object(earlier.namespace, app)
            after = self._object(later.namespace, app)
            kept = self._steps.get((app, i))
            if kept is None or kept[0] is not before or kept[1] is not after:
                kept = self._steps[(app, i)] = (before, after, self._step(i, app, before, after))
            steps.append(kept[2])
        old = self._rows.get(app)
        if old is not None and old.cells == cells and old.steps == tuple(steps):
            return False  # the same row: the page keeps it
        self._rows[app] = Row(app, cells, tuple(steps))
        return old is None
