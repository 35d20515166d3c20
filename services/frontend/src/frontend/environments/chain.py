"""Environments from Flux Kustomizations (and Argo CD Applications): promotion order, what
blocks each, what each applied.

An environment is a Kustomization that applied at least one workload. Its place in the
promotion order comes from ``spec.dependsOn`` (an environment follows those it depends
on; ties by name), its name from the workloads' environment label where they carry one
(the Kustomization's name otherwise). ``Ready=False`` with ``DependencyNotReady`` is Flux
holding it back: the environments it depends on that are not Ready block it.

Argo CD Applications that deployed workloads (``status.resources``) come after, ordered as
an app of apps syncs them: by their ``argocd.argoproj.io/sync-wave`` annotation, then by
name. Argo CD records no dependency between Applications, so nothing blocks them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from frontend.cluster.kinds import card_anchor
from frontend.environments.overlays import commit_of
from frontend.status.gitops import argo_revisions, argo_verdict, flux_revisions, flux_verdict
from frontend.status.health import HealthCode
from frontend.status.objects import (
    Obj,
    annotation,
    condition,
    items,
    name,
    namespace,
    parse_int64,
    text,
)
from frontend.status.verdict import Verdict, short_revision

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
DEPENDENCY_NOT_READY = "DependencyNotReady"

Ref = tuple[str, str]  # (namespace, Kustomization name)


@dataclass(frozen=True)
class Applied:
    """One workload in a Kustomization's inventory."""

    kind: str
    namespace: str
    name: str
    health: HealthCode | None = None  # its card's, filled in by the view (None: no card)

    @property
    def anchor(self) -> str:
        return card_anchor(self.kind, self.namespace, self.name)


@dataclass(frozen=True)
class Blocker:
    environment: str  # the environment this one waits for
    phrase: str  # what that one is doing, e.g. "health check failed"


@dataclass(frozen=True)
class Environment:
    name: str
    source: str  # "<namespace>/<Kustomization>"
    verdict: Verdict
    applied_revision: str | None  # short, e.g. main@sha1:0123456789ab
    attempted_revision: str | None  # short, only when it differs from the applied one
    workloads: tuple[Applied, ...]
    blocked_by: tuple[Blocker, ...]
    message: str | None  # Flux's own words when blocked or failed

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w.namespace for w in self.workloads))

    tool: str = "Flux"  # or "Argo CD"
    # Where its config comes from: the full commit applied and the path in the repository
    # (what a promotion step reads from the config repository, when the board has it).
    config_commit: str | None = None
    config_path: str | None = None

    @property
    def anchor(self) -> str:
        prefix = "ks-" if self.tool == "Flux" else "app-"
        return prefix + self.source.replace("/", "-")


def inventory(kustomization: Obj) -> tuple[Applied, ...]:
    """The workloads in ``status.inventory``: ids are ``<namespace>_<name>_<group>_<kind>``."""
    found = []
    for entry in items(kustomization, "status", "inventory", "entries"):
        parts = text(entry, "id").split("_")
        if len(parts) == 4 and parts[2] == "apps" and parts[3] in WORKLOAD_KINDS:
            found.append(Applied(parts[3], parts[0], parts[1]))
    return tuple(found)


def _ref(kustomization: Obj) -> Ref:
    return (namespace(kustomization), name(kustomization))


def _depends(kustomization: Obj) -> tuple[Ref, ...]:
    own = namespace(kustomization)
    return tuple(
        (text(dep, "namespace") or own, text(dep, "name"))
        for dep in items(kustomization, "spec", "dependsOn")
    )


def promotion_order(kustomizations: Iterable[Obj]) -> list[Obj]:
    """Kustomizations with each after everything it depends on; ties by name (a
    Kustomization's dependencies are visited in name order, whatever order its
    ``dependsOn`` lists them in). A cycle, which Flux itself would never resolve, is
    broken where it is first entered: every Kustomization is listed once."""
    by_ref = {_ref(k): k for k in sorted(kustomizations, key=_ref)}
    placed: dict[Ref, Obj] = {}
    visiting: set[Ref] = set()

    def place(ref: Ref) -> None:
        if ref in placed or ref in visiting or ref not in by_ref:
            return
        visiting.add(ref)
        for dep in sorted(_depends(by_ref[ref])):
            place(dep)
        visiting.discard(ref)
        placed[ref] = by_ref[ref]

    for ref in by_ref:
        place(ref)
    return list(placed.values())


def environments(
    kustomizations: Iterable[Obj], environment_labels: Mapping[str, str]
) -> tuple[Environment, ...]:
    """The environments in promotion order. ``environment_labels`` maps a namespace to the
    environment label its workloads carry, where they carry one."""
    every = promotion_order(kustomizations)
    applied = {_ref(k): inventory(k) for k in every}
    ordered = [k for k in every if applied[_ref(k)]]
    prefix = _shared_prefix([name(k) for k in ordered])
    names = {_ref(k): _named(k, applied[_ref(k)], prefix, environment_labels) for k in ordered}
    # Every Kustomization's verdict: a dependency that applies no workload (an "infra"
    # one) still blocks or not by its own state.
    verdicts = {_ref(k): flux_verdict(k) for k in every}
    found = []
    for kustomization in ordered:
        ref = _ref(kustomization)
        ready = condition(kustomization, "Ready") or {}
        blocked = text(ready, "status") == "False" and text(ready, "reason") == DEPENDENCY_NOT_READY
        blockers = tuple(
            Blocker(names.get(dep, f"{dep[0]}/{dep[1]}"), _phrase(verdicts.get(dep)))
            for dep in _depends(kustomization)
            if blocked and (dep not in verdicts or verdicts[dep].state != "ready")
        )
        found.append(
            _environment(
                kustomization,
                called=names[ref],
                verdict=verdicts[ref],
                revisions=flux_revisions(kustomization),
                workloads=applied[ref],
                blocked_by=blockers,
                tool="Flux",
                path=text(kustomization, "spec", "path"),
            )
        )
    return tuple(found)


def _named(obj: Obj, workloads: tuple[Applied, ...], prefix: str, labels: Mapping[str, str]) -> str:
    """The environment label of the workloads' namespace, where they carry one; else the
    Kustomization's (or Application's) name less what all of them share
    ("gitops-platform-dev", "gitops-platform-staging": dev, staging)."""
    found = (labels.get(w.namespace) for w in workloads)
    return next((label for label in found if label), name(obj).removeprefix(prefix) or name(obj))


def _environment(
    obj: Obj,
    *,
    called: str,
    verdict: Verdict,
    revisions: tuple[str | None, str | None],
    workloads: tuple[Applied, ...],
    blocked_by: tuple[Blocker, ...],
    tool: str,
    path: str,
) -> Environment:
    applied, attempted = revisions
    return Environment(
        name=called,
        source=f"{namespace(obj)}/{name(obj)}",
        verdict=verdict,
        applied_revision=short_revision(applied) if applied else None,
        attempted_revision=short_revision(attempted) if attempted else None,
        workloads=workloads,
        blocked_by=blocked_by,
        message=verdict.message if verdict.state != "ready" else None,
        tool=tool,
        config_commit=commit_of(applied),
        config_path=path or None,
    )


def _shared_prefix(names: list[str]) -> str:
    """The dash-ended prefix every name starts with, when there are two names or more."""
    if len(names) < 2:
        return ""
    first, last = min(names), max(names)  # the most different pair bounds the shared part
    length = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first)
    )
    return first[: first.rfind("-", 0, length) + 1]


def _phrase(verdict: Verdict | None) -> str:
    return verdict.phrase if verdict is not None else "not found"


def argo_inventory(application: Obj) -> tuple[Applied, ...]:
    """The workloads in an Application's ``status.resources`` (its destination namespace
    where a resource names none)."""
    destination = text(application, "spec", "destination", "namespace")
    return tuple(
        Applied(text(r, "kind"), text(r, "namespace") or destination, text(r, "name"))
        for r in items(application, "status", "resources")
        if text(r, "group") == "apps" and text(r, "kind") in WORKLOAD_KINDS
    )


def _wave(application: Obj) -> int:
    try:
        return parse_int64(annotation(application, SYNC_WAVE) or "0")
    except ValueError:
        return 0  # Argo CD treats an unreadable wave as 0 too


def argo_environments(
    applications: Iterable[Obj], environment_labels: Mapping[str, str]
) -> tuple[Environment, ...]:
    """Applications that deployed workloads, by sync wave then name."""
    deployed = sorted(
        ((app, applied) for app in applications if (applied := argo_inventory(app))),
        key=lambda pair: (_wave(pair[0]), name(pair[0]), namespace(pair[0])),
    )
    prefix = _shared_prefix([name(app) for app, _ in deployed])
    return tuple(
        _environment(
            app,
            called=_named(app, applied, prefix, environment_labels),
            verdict=argo_verdict(app, text(app, "status", "sync", "status") or "Unknown"),
            revisions=argo_revisions(app),
            workloads=applied,
            blocked_by=(),
            tool="Argo CD",
            path=text(app, "spec", "source", "path"),
        )
        for app, applied in deployed
    )
