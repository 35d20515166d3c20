"""A StatefulSet's or DaemonSet's card: the Deployment card's views, from their own objects.

Their pods are the workload's own (no ReplicaSet between), and their revisions are
ControllerRevisions: a pod's ``controller-revision-hash`` label names its revision (the
ControllerRevision's name for a StatefulSet; for a DaemonSet, the hash the
ControllerRevision carries in its own ``controller-revision-hash`` label). The current
revision is ``status.updateRevision`` for a StatefulSet and the highest-numbered
ControllerRevision for a DaemonSet, as their controllers decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from frontend.status.card import Counts, DeploymentCard, conditions, declared_image
from frontend.status.events import DEFAULT_MAX_EVENTS, EventIndex, Subjects, warning_events
from frontend.status.health import Health, early_degraded
from frontend.status.objects import (
    Obj,
    condition,
    container_images,
    controlled_by,
    label,
    mapping,
    name,
    namespace,
    number,
    text,
    uid,
)
from frontend.status.pods import pod_row
from frontend.status.provenance import provenance
from frontend.status.revisions import Revision, Revisions
from frontend.status.set_verdicts import (
    argo_daemonset_health,
    argo_statefulset_health,
    daemonset_rollout_status,
    statefulset_rollout_status,
)

POD_REVISION_LABEL = "controller-revision-hash"
REVISION_HASH_LABEL = "controller.kubernetes.io/hash"


def _revision_keys(revision: Obj) -> frozenset[str]:
    """What a pod's ``controller-revision-hash`` holds for REVISION, for either kind."""
    keys = (name(revision), label(revision, REVISION_HASH_LABEL), _hash(revision))
    return frozenset(k for k in keys if k)


def _hash(revision: Obj) -> str:
    """A DaemonSet's revision hash: its pods' label value (StatefulSets use the name)."""
    return label(revision, POD_REVISION_LABEL)


def _current_revision(kind: str, workload: Obj, revisions: Sequence[Obj]) -> Obj | None:
    if kind == "StatefulSet":
        wanted = text(workload, "status", "updateRevision")
        return next((r for r in revisions if name(r) == wanted), None)
    return max(revisions, key=lambda r: number(r, "revision"), default=None)


def _counts(kind: str, workload: Obj) -> Counts:
    status = mapping(workload, "status")
    if kind == "StatefulSet":
        desired, total = number(workload, "spec", "replicas"), number(status, "replicas")
        updated, ready = number(status, "updatedReplicas"), number(status, "readyReplicas")
        available = number(status, "availableReplicas")
        unavailable = max(desired - available, 0)
    else:
        desired, total = (
            number(status, "desiredNumberScheduled"),
            number(status, "currentNumberScheduled"),
        )
        updated, ready = number(status, "updatedNumberScheduled"), number(status, "numberReady")
        available, unavailable = (
            number(status, "numberAvailable"),
            number(status, "numberUnavailable"),
        )
    return Counts(desired, updated, ready, available, total, unavailable, max(total - updated, 0))


def _revision_row(revision: Obj, pods: Sequence[Obj], *, current: bool) -> Revision:
    ready = sum(1 for pod in pods if text(condition(pod, "Ready"), "status") == "True")
    template = mapping(revision, "data", "spec", "template")
    return Revision(
        revision=number(revision, "revision"),
        name=name(revision),
        pod_template_hash=label(revision, REVISION_HASH_LABEL) or _hash(revision),
        change_cause="",
        images=container_images(template),
        desired=len(pods),
        replicas=len(pods),
        ready=ready,
        available=ready,
        created=text(revision, "metadata", "creationTimestamp"),
        current=current,
        draining=not current and bool(pods),
        collapsed=not current and not pods,
        revision_history=(),
    )


def _health(kind: str, workload: Obj, current_pods: Sequence[Obj], now: datetime) -> Health:
    """Argo CD's verdict, Degraded early on a failing current revision, as for Deployments."""
    argo = argo_statefulset_health if kind == "StatefulSet" else argo_daemonset_health
    return early_degraded(argo(workload), workload, None, current_pods, now)


def set_card(
    workload: Mapping[str, Any],
    controller_revisions: Iterable[Mapping[str, Any]],
    pods: Iterable[Mapping[str, Any]],
    events: EventIndex | Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    kind: str,
    meta: Mapping[str, Any] | None = None,
    max_events: int = DEFAULT_MAX_EVENTS,
) -> DeploymentCard:
    """Combine every view of one StatefulSet or DaemonSet.

    ``kind`` is given, not read from the object: items of a LIST carry no ``kind``.
    """
    owned = [r for r in controller_revisions if controlled_by(r, workload)]
    own_pods = [pod for pod in pods if controlled_by(pod, workload)]
    current = _current_revision(kind, workload, owned)
    current_keys = _revision_keys(current) if current is not None else frozenset()
    by_revision = {
        name(r): [p for p in own_pods if label(p, POD_REVISION_LABEL) in _revision_keys(r)]
        for r in owned
    }
    current_pods = [p for p in own_pods if label(p, POD_REVISION_LABEL) in current_keys]
    rank = {
        label(p, POD_REVISION_LABEL): number(r, "revision")
        for r in owned
        for p in by_revision[name(r)]
    }
    # By identity: each pod is one object of OWN_PODS, so a set of ids, not list scans.
    current_ids = {id(p) for p in current_pods}
    ordered = sorted(own_pods, key=lambda p: (
        id(p) not in current_ids, -rank.get(label(p, POD_REVISION_LABEL), 0), name(p)
    ))  # fmt: skip
    rows = tuple(replace(pod_row(p, now), current=id(p) in current_ids) for p in ordered)
    history = sorted(
        (_revision_row(r, by_revision[name(r)], current=r is current) for r in owned),
        key=lambda row: row.revision, reverse=True,
    )  # fmt: skip
    current_row = next((row for row in history if row.current), None)
    subjects = Subjects(
        namespace=namespace(workload),
        uids=frozenset(u for u in (uid(workload), *(uid(p) for p in own_pods)) if u),
        names=frozenset({(kind, name(workload)), *(("Pod", name(p)) for p in own_pods)}),
        pod_prefixes=(f"{name(workload)}-",),
    )
    rollout = statefulset_rollout_status if kind == "StatefulSet" else daemonset_rollout_status
    return DeploymentCard(
        name=name(workload),
        namespace=namespace(workload),
        health=_health(kind, workload, current_pods, now),
        rollout=rollout(workload),
        counts=_counts(kind, workload),
        paused=False,
        revision=number(current, "revision"),
        pod_template_hash=label(current, REVISION_HASH_LABEL)
        or (_hash(current) if current else ""),
        image=declared_image(workload, current_pods),
        images=container_images(mapping(workload, "spec", "template")),
        conditions=conditions(workload),
        pods=rows,
        events=warning_events(events, subjects, now, max_events),
        revisions=Revisions(
            current=current_row, matched_by="revision" if current else "", history=tuple(history)
        ),
        provenance=provenance(workload, own_pods, meta),
        kind=kind,
    )
