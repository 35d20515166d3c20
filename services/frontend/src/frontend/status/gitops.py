"""GitOps sync status per Deployment, from Argo CD Applications and Flux Kustomizations.

Argo CD lists what it manages in ``status.resources``; Flux in ``status.inventory.entries``
with ids ``<namespace>_<name>_<group>_<kind>``. Either maps onto the Deployment's card.

Beside the raw sync/health/revision, each entry says in plain words what the tool is doing
and, when it failed, why: a ``state`` (``ready``, ``reconciling``, ``failed``,
``suspended``, ``out-of-sync`` or ``unknown``), a ``phrase`` such as "reconciliation
failed", the ``reason`` and the tool's own ``message``, and the revision last applied
beside the one last attempted. Flux's rules follow its Kustomization status contract
(kustomize-controller's docs, "Kustomization Status"): a ``Ready=False`` Kustomization
has failed, whatever its ``Reconciling`` condition says (``ProgressingWithRetry``), and a
``Stalled=True`` one will not be retried until its spec changes.

A Flux entry also carries its GitRepository's verdict and artifact revision
(``frontend.status.flux_source``): a source that cannot fetch leaves the Kustomization
Ready on the last revision, and only the source says so. Given a ``now``, it says too
whether the reconciliation has stopped going ahead (``frontend.status.staleness``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from frontend.status.flux_source import flux_source, index_sources
from frontend.status.objects import (
    Obj,
    condition,
    items,
    mapping,
    name,
    namespace,
    text,
)
from frontend.status.staleness import Staleness, flux_staleness
from frontend.status.verdict import (
    FluxWords,
    State,
    Verdict,
    excerpt,
    flux_verdict_by,
    short_revision,
)

Key = tuple[str, str]  # (namespace, Deployment name)

# kustomize-controller v1 Ready=False reasons, in the words the card shows.
FLUX_FAILURES = {
    "ReconciliationFailed": "reconciliation failed",  # apply or server-side dry-run failed
    "BuildFailed": "build failed",  # kustomize build (or the generated kustomization) failed
    "HealthCheckFailed": "health check failed",  # wait/healthChecks not Current in time
    "DependencyNotReady": "waiting for dependency",  # a dependsOn entry is not Ready yet
    "ArtifactFailed": "source artifact unavailable",  # no source, no artifact, or no path
    "PruneFailed": "prune failed",  # garbage collection of removed objects failed
}
# Flux sets Ready=False for a canceled health check, then requeues at once: not a failure.
FLUX_CANCELED = "HealthCheckCanceled"
# Argo CD Application condition types that are errors (the others are warnings).
ARGO_ERRORS = {
    "ComparisonError": "comparison failed",
    "SyncError": "sync failed",
    "InvalidSpecError": "invalid spec",
}


@dataclass(frozen=True)
class GitOpsStatus:
    tool: str  # "Argo CD" or "Flux"
    source: str  # "<namespace>/<Application or Kustomization name>"
    sync: str  # Synced / OutOfSync / Unknown (Argo) or Ready / NotReady / Unknown (Flux)
    health: str | None
    revision: str | None
    message: str | None
    state: State = "unknown"
    phrase: str = "status unknown"  # what the card says, e.g. "reconciliation failed"
    reason: str | None = None  # the reason (Flux) or condition type (Argo CD) behind state
    applied_revision: str | None = None  # last revision applied successfully
    attempted_revision: str | None = None  # last revision tried, when it is not the applied one
    # Flux only (None for Argo CD): the Kustomization's GitRepository (``flux_source``).
    source_ref: str | None = None  # "<namespace>/<GitRepository name>"
    source_state: State | None = None  # "unknown" when the board does not see it
    source_phrase: str | None = None  # e.g. "source fetch failed"
    source_reason: str | None = None  # e.g. "GitOperationFailed"
    source_message: str | None = None  # source-controller's own message
    source_revision: str | None = None  # the artifact's: the last revision fetched, still applied
    # A reconciliation not going ahead (``staleness``), judged when the entry was built.
    stale: bool = False
    # SourceReconcileNotHandled, ReconcileNotHandled, RevisionNotAttempted, ReconcileOverdue
    stale_reason: str | None = None
    stale_phrase: str | None = None  # what is not going ahead, in words
    stale_since: datetime | None = None  # since when (None: stale, since an unknown time)

    @property
    def excerpt(self) -> str:
        """The message on one line, cut to MESSAGE_EXCERPT characters."""
        return excerpt(self.message)

    @property
    def truncated(self) -> bool:
        """Whether ``excerpt`` leaves part of the message out."""
        return excerpt(self.message) != " ".join((self.message or "").split())

    @property
    def applied_short(self) -> str | None:
        return short_revision(self.applied_revision) if self.applied_revision else None

    @property
    def attempted_short(self) -> str | None:
        return short_revision(self.attempted_revision) if self.attempted_revision else None

    @property
    def source_excerpt(self) -> str:
        return excerpt(self.source_message)

    @property
    def source_short(self) -> str | None:
        return short_revision(self.source_revision) if self.source_revision else None


def _source(obj: Obj) -> str:
    return f"{namespace(obj)}/{name(obj)}"


def _different(attempted: str, applied: str) -> str | None:
    return attempted if attempted and attempted != applied else None


# --- Flux -----------------------------------------------------------------------------


KUSTOMIZATION_WORDS = FluxWords(
    suspended="reconciliation suspended",
    stalled="reconciliation stalled",
    reconciling="reconciling",
    unobserved="reconciling (spec change not observed yet)",
    ready="ready",
    unknown="status unknown",
)


def _kustomization_not_ready(_obj: Obj, reason: str | None, message: str | None) -> Verdict:
    if reason == FLUX_CANCELED:
        return Verdict("reconciling", "reconciling (health check canceled)", reason, message)
    return Verdict(
        "failed", FLUX_FAILURES.get(reason or "", "reconciliation failed"), reason, message
    )


def flux_verdict(kustomization: Obj) -> Verdict:
    """What a Kustomization is doing, by its Ready, Stalled and Reconciling conditions."""
    return flux_verdict_by(kustomization, KUSTOMIZATION_WORDS, _kustomization_not_ready)


def flux_revisions(kustomization: Obj) -> tuple[str | None, str | None]:
    """The revision last applied, and the one last attempted when it differs."""
    applied = text(kustomization, "status", "lastAppliedRevision")
    attempted = text(kustomization, "status", "lastAttemptedRevision")
    return applied or None, _different(attempted, applied)


def _flux_source(
    kustomization: Obj, sources: Mapping[tuple[str, str], Obj], now: datetime | None
) -> dict[str, Any]:
    """The entry's source and staleness fields: the same for every workload it applied."""
    source = flux_source(kustomization, sources)
    if source is None:
        return {}
    found = flux_staleness(kustomization, source.obj, now) if now is not None else Staleness()
    verdict = source.verdict
    return {
        "source_ref": source.ref, "source_state": verdict.state,
        "source_phrase": verdict.phrase, "source_reason": verdict.reason,
        "source_message": verdict.message, "source_revision": source.revision,
        "stale": found.stale, "stale_reason": found.reason, "stale_phrase": found.phrase,
        "stale_since": found.since,
    }  # fmt: skip


def _flux(
    kustomization: Obj, sources: Mapping[tuple[str, str], Obj], now: datetime | None
) -> Iterator[tuple[Key, GitOpsStatus]]:
    ready = condition(kustomization, "Ready") or {}
    sync = {"True": "Ready", "False": "NotReady"}.get(text(ready, "status"), "Unknown")
    verdict = flux_verdict(kustomization)
    applied, attempted = flux_revisions(kustomization)
    extra: dict[str, Any] | None = None  # worked out once, for its first workload
    for entry in items(kustomization, "status", "inventory", "entries"):
        parts = text(entry, "id").split("_")
        if len(parts) != 4 or parts[2:] != ["apps", "Deployment"]:
            continue
        if extra is None:
            extra = _flux_source(kustomization, sources, now)
        yield (
            (parts[0], parts[1]),
            GitOpsStatus(
                tool="Flux",
                source=_source(kustomization),
                sync=sync,
                health=text(ready, "reason") or None,
                revision=applied,
                message=verdict.message,
                state=verdict.state,
                phrase=verdict.phrase,
                reason=verdict.reason,
                applied_revision=applied,
                attempted_revision=attempted,
                **extra,
            ),
        )


# --- Argo CD ----------------------------------------------------------------------------


def argo_verdict(app: Obj, sync: str) -> Verdict:
    """Error conditions first, then the last sync operation, then the sync status."""
    for found in items(app, "status", "conditions"):
        kind = text(found, "type")
        if kind.endswith("Error"):
            phrase = ARGO_ERRORS.get(kind, "application error")
            return Verdict("failed", phrase, kind, text(found, "message").strip() or None)
    operation = mapping(app, "status", "operationState")
    phase, op_message = text(operation, "phase"), text(operation, "message").strip() or None
    if phase in ("Failed", "Error"):
        return Verdict("failed", "sync failed", f"Sync{phase}", op_message)
    if phase in ("Running", "Terminating"):
        return Verdict("reconciling", "syncing", None, op_message)
    if sync == "Synced":
        return Verdict("ready", "synced", None, None)
    if sync == "OutOfSync":
        return Verdict("out-of-sync", "out of sync", None, None)
    return Verdict("unknown", "status unknown", None, None)


def argo_revisions(app: Obj) -> tuple[str | None, str | None]:
    """The revision last synced (history), and the one last tried when it differs."""
    history = items(app, "status", "history")
    applied = text(history[-1], "revision") if history else ""
    operation = mapping(app, "status", "operationState")
    attempted = text(operation, "syncResult", "revision") or text(
        operation, "operation", "sync", "revision"
    )
    return applied or None, _different(attempted, applied)


def _argo(app: Obj) -> Iterator[tuple[Key, GitOpsStatus]]:
    messages = [text(c, "message") for c in items(app, "status", "conditions")]
    destination = text(app, "spec", "destination", "namespace")
    applied, attempted = argo_revisions(app)
    for resource in items(app, "status", "resources"):
        if text(resource, "kind") != "Deployment" or text(resource, "group") != "apps":
            continue
        key = (text(resource, "namespace") or destination, text(resource, "name"))
        sync = text(resource, "status") or text(app, "status", "sync", "status") or "Unknown"
        verdict = argo_verdict(app, sync)
        # The failure's own message first, then every condition's, each once.
        found = dict.fromkeys(m for m in (verdict.message, *messages) if m)
        yield (
            key,
            GitOpsStatus(
                tool="Argo CD",
                source=_source(app),
                sync=sync,
                health=text(resource, "health", "status") or None,
                revision=text(app, "status", "sync", "revision") or None,
                message="; ".join(found) or None,
                state=verdict.state,
                phrase=verdict.phrase,
                reason=verdict.reason,
                applied_revision=applied,
                attempted_revision=attempted,
            ),
        )


def gitops_index(
    applications: Iterable[Mapping[str, Any]],
    kustomizations: Iterable[Mapping[str, Any]],
    gitrepositories: Iterable[Mapping[str, Any]] = (),
    now: datetime | None = None,
) -> dict[Key, tuple[GitOpsStatus, ...]]:
    """Which GitOps objects manage which Deployment, with their sync verdicts; each Flux
    entry with its GitRepository's, and, given ``now``, whether it has gone stale."""
    index: dict[Key, list[GitOpsStatus]] = {}
    for app in applications:
        for key, status in _argo(app):
            index.setdefault(key, []).append(status)
    sources = index_sources(gitrepositories)
    for kustomization in kustomizations:
        for key, status in _flux(kustomization, sources, now):
            index.setdefault(key, []).append(status)
    return {key: tuple(found) for key, found in index.items()}
