"""Early failure signals: why a rollout is stuck, long before its progress deadline fires.

Argo CD only marks a Deployment Degraded after ``ProgressDeadlineExceeded`` (600 s by default;
argo-cd#1652, #10259). The project's rule reads the current revision's pods and the
``ReplicaFailure`` condition instead, and says which pod and container is failing and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from frontend.status.durations import human_duration
from frontend.status.objects import (
    Obj,
    aware,
    condition,
    deleting,
    items,
    mapping,
    name,
    text,
    timestamp,
)

# kstatus' ScheduleWindow: the scheduler gets this long before Unschedulable counts as failed.
UNSCHEDULABLE_GRACE = timedelta(seconds=15)

# Kubelet waiting reasons that never recover on their own but escape Argo CD's prefix rule.
_EXTRA_FAILING_REASONS = frozenset({"InvalidImageName"})


def argo_failing_reason(reason: str) -> bool:
    """Argo CD's pod rule: ``Err*``, ``*Error``, ``*BackOff`` (CrashLoopBackOff, ErrImagePull)."""
    return reason.startswith("Err") or reason.endswith(("Error", "BackOff"))


def failing_waiting_reason(reason: str) -> bool:
    """The board's rule: Argo CD's, plus ``InvalidImageName``."""
    return argo_failing_reason(reason) or reason in _EXTRA_FAILING_REASONS


def _waiting_causes(pod: Obj) -> list[str]:
    causes = []
    # Init containers first: they run first, and a crashing init blocks every main container.
    kinds = (("initContainerStatuses", "init container"), ("containerStatuses", "container"))
    for key, kind in kinds:
        for status in items(pod, "status", key):
            waiting = mapping(status, "state", "waiting")
            reason = text(waiting, "reason")
            if not failing_waiting_reason(reason):
                continue
            cause = f"pod {name(pod)}: {kind} {text(status, 'name')} waiting: {reason}"
            message = text(waiting, "message")
            causes.append(f"{cause} ({message})" if message else cause)
    return causes


def _unschedulable_cause(pod: Obj, now: datetime) -> str | None:
    scheduled = condition(pod, "PodScheduled")
    if scheduled is None or scheduled.get("status") != "False":
        return None
    if scheduled.get("reason") != "Unschedulable":
        return None
    since = timestamp(scheduled.get("lastTransitionTime")) or timestamp(
        mapping(pod, "metadata").get("creationTimestamp")
    )
    if since is None:
        return None
    stuck = aware(now) - since
    if stuck <= UNSCHEDULABLE_GRACE:
        return None
    cause = f"pod {name(pod)}: unschedulable for {human_duration(stuck)}"
    message = text(scheduled, "message")
    return f"{cause}: {message}" if message else cause


def pod_causes(pod: Obj, now: datetime) -> list[str]:
    """Why this pod will not become ready without a change, or nothing while it still might."""
    # A pod already being deleted is on its way out; its replacement gets judged instead.
    if deleting(pod):
        return []
    causes = _waiting_causes(pod)
    unschedulable = _unschedulable_cause(pod, now)
    if unschedulable is not None:
        causes.append(unschedulable)
    return causes


def replica_failure_cause(obj: Obj | None, kind: str) -> str | None:
    """``ReplicaFailure=True`` (e.g. FailedCreate on a quota), which kubectl never reports."""
    failure = condition(obj, "ReplicaFailure")
    if failure is None or failure.get("status") != "True":
        return None
    detail = ": ".join(part for part in (text(failure, "reason"), text(failure, "message")) if part)
    cause = f"{kind} {name(obj)}: ReplicaFailure"
    return f"{cause} {detail}" if detail else cause


def early_causes(
    deployment: Obj, current: Obj | None, current_pods: Iterable[Obj], now: datetime
) -> list[str]:
    """Every early Degraded cause, Deployment first, then its new ReplicaSet, then pods by name."""
    # The controller copies the new ReplicaSet's ReplicaFailure onto the Deployment; report the
    # ReplicaSet's own copy only when the Deployment has not caught up yet.
    failure = replica_failure_cause(deployment, "deployment")
    if failure is None and current is not None:
        failure = replica_failure_cause(current, "replicaset")
    causes = [] if failure is None else [failure]
    for pod in sorted(current_pods, key=name):
        causes.extend(pod_causes(pod, now))
    return causes
