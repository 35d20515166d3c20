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
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from frontend.status.objects import (
    Obj,
    condition,
    flag,
    items,
    mapping,
    name,
    namespace,
    number,
    text,
)
from frontend.status.shas import short_sha

Key = tuple[str, str]  # (namespace, Deployment name)
State = Literal["ready", "reconciling", "failed", "suspended", "out-of-sync", "unknown"]

# How much of a message the card shows; the whole text is in the element's title.
MESSAGE_EXCERPT = 240

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


def excerpt(message: str | None, limit: int = MESSAGE_EXCERPT) -> str:
    """Whitespace folded to single spaces, cut at a word boundary with an ellipsis."""
    flat = " ".join((message or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


_DIGEST = re.compile(r"^(?P<prefix>.*?:)?(?P<digest>[0-9a-f]{13,})$")


def short_revision(revision: str) -> str:
    """``main@sha1:<40 hex>`` to ``main@sha1:<12 hex>``; a bare SHA to its first 12.

    Flux v1 revisions are ``<ref>@<algorithm>:<digest>`` (or ``<algorithm>:<digest>``);
    Argo CD's are bare commit SHAs. Anything else is returned unchanged.
    """
    match = _DIGEST.match(revision)
    if not match:
        return revision
    return (match["prefix"] or "") + short_sha(match["digest"])


def _source(obj: Obj) -> str:
    return f"{namespace(obj)}/{name(obj)}"


def _different(attempted: str, applied: str) -> str | None:
    return attempted if attempted and attempted != applied else None


# --- Flux -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    state: State
    phrase: str
    reason: str | None
    message: str | None


def _verdict_of(
    cond: Obj, state: State, phrase: str, reason: str | None, message: str | None
) -> Verdict:
    """A verdict in COND's own reason and message, Ready's where it has none."""
    return Verdict(
        state, phrase, text(cond, "reason") or reason, text(cond, "message").strip() or message
    )


def flux_verdict(kustomization: Obj) -> Verdict:  # noqa: PLR0911
    """What a Kustomization is doing, by its Ready, Stalled and Reconciling conditions."""
    ready = condition(kustomization, "Ready") or {}
    stalled = condition(kustomization, "Stalled") or {}
    reconciling = condition(kustomization, "Reconciling") or {}
    ready_status, reason = text(ready, "status"), text(ready, "reason") or None
    message = text(ready, "message").strip() or None
    if flag(kustomization, "spec", "suspend"):
        return Verdict("suspended", "reconciliation suspended", reason, message)
    if text(stalled, "status") == "True":
        return _verdict_of(stalled, "failed", "reconciliation stalled", reason, message)
    if ready_status == "False":
        if reason == FLUX_CANCELED:
            return Verdict("reconciling", "reconciling (health check canceled)", reason, message)
        return Verdict(
            "failed", FLUX_FAILURES.get(reason or "", "reconciliation failed"), reason, message
        )
    if text(reconciling, "status") == "True":
        return _verdict_of(reconciling, "reconciling", "reconciling", reason, message)
    if ready_status == "True":
        observed = number(kustomization, "status", "observedGeneration")
        if number(kustomization, "metadata", "generation") > observed:
            return Verdict("reconciling", "reconciling (spec change not observed yet)", None, None)
        return Verdict("ready", "ready", reason, message)
    return Verdict("unknown", "status unknown", reason, message)


def flux_revisions(kustomization: Obj) -> tuple[str | None, str | None]:
    """The revision last applied, and the one last attempted when it differs."""
    applied = text(kustomization, "status", "lastAppliedRevision")
    attempted = text(kustomization, "status", "lastAttemptedRevision")
    return applied or None, _different(attempted, applied)


def _flux(kustomization: Obj) -> Iterator[tuple[Key, GitOpsStatus]]:
    ready = condition(kustomization, "Ready") or {}
    sync = {"True": "Ready", "False": "NotReady"}.get(text(ready, "status"), "Unknown")
    verdict = flux_verdict(kustomization)
    applied, attempted = flux_revisions(kustomization)
    for entry in items(kustomization, "status", "inventory", "entries"):
        parts = text(entry, "id").split("_")
        if len(parts) != 4 or parts[2:] != ["apps", "Deployment"]:
            continue
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
    applications: Iterable[Mapping[str, Any]], kustomizations: Iterable[Mapping[str, Any]]
) -> dict[Key, tuple[GitOpsStatus, ...]]:
    """Which GitOps objects manage which Deployment, with their sync verdicts."""
    index: dict[Key, list[GitOpsStatus]] = {}
    for app in applications:
        for key, status in _argo(app):
            index.setdefault(key, []).append(status)
    for kustomization in kustomizations:
        for key, status in _flux(kustomization):
            index.setdefault(key, []).append(status)
    return {key: tuple(found) for key, found in index.items()}
