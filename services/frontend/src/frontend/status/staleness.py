"""Whether a Flux reconciliation has stopped going ahead, from the objects and a ``now``.

Flux's controllers write what they did into their objects, not that they are alive: with
source-controller or kustomize-controller stopped, every object keeps its last status and
looks fine. What gives a stopped controller away is work asked of it and not done:

- a reconcile asked with ``reconcile.fluxcd.io/requestedAt`` (``flux reconcile``, this
  platform's pipeline and its push hook write it) that ``status.lastHandledReconcileAt``
  has not caught up with for more than REQUEST_GRACE. Controllers copy the token there
  when they finish the reconcile, normally well within a second;
- a new artifact of the source (``status.artifact.revision``, stored at its
  ``lastUpdateTime``) that the Kustomization has not attempted (``lastAttemptedRevision``)
  for more than REVISION_GRACE. kustomize-controller watches its sources and starts at
  once;
- a reconcile in progress past the Kustomization's timeout plus OVERDUE_GRACE:
  kustomize-controller marks the start of each (Ready=Unknown, Reconciling=True) and
  bounds it by ``spec.timeout``, so one that outlives that has been abandoned.

Each check keeps quiet where Flux explains the wait: a suspended object, a Kustomization
that leaves a new revision alone and says why (``DependencyNotReady``, ``ArtifactFailed``,
``Stalled``), or one whose reconcile in progress began after the ask or the new artifact.
Times in conditions and artifacts have whole seconds, so an ask is compared at the second
it was made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from frontend.status.flux_source import Key, index_sources, source_key
from frontend.status.objects import (
    Obj,
    annotation,
    aware,
    condition,
    flag,
    name,
    namespace,
    text,
    timestamp,
)
from frontend.status.verdict import short_revision

REQUESTED_AT = "reconcile.fluxcd.io/requestedAt"
REQUEST_GRACE = timedelta(seconds=10)
REVISION_GRACE = timedelta(seconds=30)
OVERDUE_GRACE = timedelta(seconds=30)

# Ready=False reasons for which kustomize-controller leaves a new revision unattempted
# and says why: a dependency not Ready, an artifact it could not download.
HELD = ("DependencyNotReady", "ArtifactFailed")

_UNIX_SECONDS = re.compile(r"^\d{1,12}(\.\d+)?$")
_GO_DURATION = re.compile(r"(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class Staleness:
    reason: str | None = None  # None: not stale
    phrase: str | None = None  # what is not going ahead, e.g. "reconcile asked of … not handled"
    since: datetime | None = None  # when it was asked (None: the ask's time is unknown)
    due: datetime | None = None  # when a check still within its grace turns stale

    @property
    def stale(self) -> bool:
        return self.reason is not None


@dataclass(frozen=True)
class _Check:
    reason: str
    phrase: str
    since: datetime | None  # None: stale at once, for how long is unknown
    grace: timedelta


def requested_at(token: str) -> datetime | None:
    """The moment a requestedAt token names: RFC 3339 (``flux reconcile``, the pipeline)
    or Unix seconds (the push hook's ``date +%s.%N``); None for any other token."""
    if _UNIX_SECONDS.match(token):
        return datetime.fromtimestamp(float(token), UTC)
    return timestamp(token)


def go_duration(value: str) -> timedelta | None:
    """A Go ``time.Duration`` string (``60s``, ``1m30s``, ``10m0s``); None if it is not one."""
    parts = _GO_DURATION.findall(value)
    if not value or "".join(number + unit for number, unit in parts) != value:
        return None
    return timedelta(seconds=sum(float(number) * _UNITS[unit] for number, unit in parts))


def _second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def in_progress_since(kustomization: Obj) -> datetime | None:
    """When kustomize-controller began the reconcile it is running; None when it runs none."""
    ready = condition(kustomization, "Ready") or {}
    reconciling = condition(kustomization, "Reconciling") or {}
    if text(ready, "status") != "Unknown" or text(reconciling, "status") != "True":
        return None
    began = [timestamp(text(c, "lastTransitionTime")) for c in (ready, reconciling)]
    return max((moment for moment in began if moment is not None), default=None)


def stalled(obj: Obj) -> bool:
    """Stalled=True: Flux will not retry until the spec changes, and says so."""
    return text(condition(obj, "Stalled"), "status") == "True"


def _ref(kind: str, obj: Obj) -> str:
    return f"{kind} {namespace(obj)}/{name(obj)}"


def _unhandled(kind: str, obj: Obj, reason: str, started: datetime | None) -> Iterator[_Check]:
    asked = annotation(obj, REQUESTED_AT)
    if not asked or asked == text(obj, "status", "lastHandledReconcileAt"):
        return
    at = requested_at(asked)
    if started is not None and (at is None or started >= _second(at)):
        return  # the reconcile in progress is the one asked for
    yield _Check(reason, f"reconcile asked of {_ref(kind, obj)} not handled", at, REQUEST_GRACE)


def _not_attempted(kustomization: Obj, source: Obj, started: datetime | None) -> Iterator[_Check]:
    revision = text(source, "status", "artifact", "revision")
    if not revision or revision == text(kustomization, "status", "lastAttemptedRevision"):
        return
    if text(condition(kustomization, "Ready"), "reason") in HELD or stalled(kustomization):
        return
    stored = timestamp(text(source, "status", "artifact", "lastUpdateTime"))
    created = timestamp(text(kustomization, "metadata", "creationTimestamp"))
    since = max((t for t in (stored, created) if t is not None), default=None)
    if started is not None and (since is None or started >= since):
        return
    phrase = (
        f"source revision {short_revision(revision)} not attempted by "
        f"{_ref('Kustomization', kustomization)}"
    )
    yield _Check("RevisionNotAttempted", phrase, since, REVISION_GRACE)


def _overdue(kustomization: Obj, started: datetime | None) -> Iterator[_Check]:
    spec_timeout = text(kustomization, "spec", "timeout") or text(kustomization, "spec", "interval")
    timeout = go_duration(spec_timeout)
    if started is None or timeout is None:
        return
    phrase = (
        f"reconcile of {_ref('Kustomization', kustomization)} started and not finished "
        f"(timeout {spec_timeout})"
    )
    yield _Check("ReconcileOverdue", phrase, started, timeout + OVERDUE_GRACE)


def _checks(kustomization: Obj, source: Obj | None) -> Iterator[_Check]:
    """Upstream first: the source's ask, then the Kustomization's, then its revision."""
    if source is not None and not flag(source, "spec", "suspend"):
        yield from _unhandled("GitRepository", source, "SourceReconcileNotHandled", None)
    if flag(kustomization, "spec", "suspend"):
        return
    started = in_progress_since(kustomization)
    yield from _unhandled("Kustomization", kustomization, "ReconcileNotHandled", started)
    if source is not None:
        yield from _not_attempted(kustomization, source, started)
    yield from _overdue(kustomization, started)


def flux_staleness(kustomization: Obj, source: Obj | None, now: datetime) -> Staleness:
    """The first check that is stale (or none), and when the next one would turn stale."""
    now = aware(now)
    found: _Check | None = None
    due: datetime | None = None
    for check in _checks(kustomization, source):
        if check.since is not None and now - check.since <= check.grace:
            ends = check.since + check.grace
            due = ends if due is None else min(due, ends)
        elif found is None:
            found = check
    if found is None:
        return Staleness(due=due)
    return Staleness(found.reason, found.phrase, found.since, due)


def next_due(
    kustomizations: Iterable[Obj], repositories: Iterable[Obj], now: datetime
) -> datetime | None:
    """The next moment a Kustomization's staleness changes with the clock alone."""
    sources: Mapping[Key, Obj] = index_sources(repositories)
    dues = []
    for kustomization in kustomizations:
        key = source_key(kustomization)
        source = sources.get(key) if key is not None else None
        due = flux_staleness(kustomization, source, now).due
        if due is not None:
            dues.append(due)
    return min(dues, default=None)
