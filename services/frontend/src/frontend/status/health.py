"""Health: Argo CD's (gitops-engine) codes and checks, plus the board's early Degraded rule.

``argo_*`` functions reproduce ``health.GetResourceHealth`` exactly for one object.
``deployment_health`` is the board's verdict: Argo CD's, turned Degraded early when the current
revision's pods or a ``ReplicaFailure`` condition show the rollout cannot finish.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from frontend.status.hooks import is_hook
from frontend.status.objects import (
    Obj,
    annotation,
    condition,
    deleting,
    flag,
    go_quote,
    items,
    mapping,
    name,
    number,
    optional_number,
    text,
)
from frontend.status.rollout import TIMED_OUT_REASON, replicas_waiting
from frontend.status.signals import argo_failing_reason, early_causes

HOOK_FINALIZER = "argocd.argoproj.io/hook-finalizer"
IGNORE_RESTART_POLICY = "argocd.argoproj.io/ignore-restart-policy"
# The board shows this many causes in the message; the rest are counted.
MAX_CAUSES_IN_MESSAGE = 3


class HealthCode(StrEnum):
    HEALTHY = "Healthy"
    SUSPENDED = "Suspended"
    PROGRESSING = "Progressing"
    MISSING = "Missing"
    DEGRADED = "Degraded"
    UNKNOWN = "Unknown"

    @property
    def severity(self) -> int:
        """Position in Argo CD's ``healthOrder``: higher is worse."""
        return _HEALTH_ORDER.index(self)


_HEALTH_ORDER = (
    HealthCode.HEALTHY,
    HealthCode.SUSPENDED,
    HealthCode.PROGRESSING,
    HealthCode.MISSING,
    HealthCode.DEGRADED,
    HealthCode.UNKNOWN,
)


def is_worse(current: HealthCode, new: HealthCode) -> bool:
    """Argo CD's ``IsWorse(current, new)``."""
    return new.severity > current.severity


def worst(codes: Iterable[HealthCode]) -> HealthCode:
    """The worst code, as Argo CD aggregates an application; Healthy when there is none."""
    return max(codes, key=lambda code: code.severity, default=HealthCode.HEALTHY)


@dataclass(frozen=True)
class Health:
    code: HealthCode
    message: str
    # Every early-Degraded cause; the message lists the first few.
    causes: tuple[str, ...] = ()


def pending_deletion(obj: Obj) -> Health | None:
    """GetResourceHealth's front door, for every kind: deletion wins unless a hook holds it."""
    finalizers = mapping(obj, "metadata").get("finalizers") or []
    if deleting(obj) and HOOK_FINALIZER not in finalizers:
        return Health(HealthCode.PROGRESSING, "Pending deletion")
    return None


def unsupported_version(obj: Obj, kind: str, api_version: str) -> Health | None:
    """gitops-engine judges one version per kind and says Unknown for the others.

    An object without ``apiVersion`` (a List item from the API) is the version watched.
    """
    version = text(obj, "apiVersion")
    if not version or version == api_version:
        return None
    group, _, rest = version.rpartition("/")
    # schema.GroupVersionKind's String(): "group/version, Kind=kind".
    return Health(HealthCode.UNKNOWN, f"unsupported {kind} GVK: {group}/{rest}, Kind={kind}")


def front_door(obj: Obj, kind: str, api_version: str = "apps/v1") -> Health | None:
    return pending_deletion(obj) or unsupported_version(obj, kind, api_version)


def _argo_deployment(deployment: Obj) -> Health:
    """gitops-engine ``getAppsv1DeploymentHealth``: kubectl's rules with paused checked first."""
    if flag(deployment, "spec", "paused"):
        return Health(HealthCode.SUSPENDED, "Deployment is paused")
    waiting = "Waiting for rollout to finish: "
    if number(deployment, "metadata", "generation") > number(
        deployment, "status", "observedGeneration"
    ):
        return Health(
            HealthCode.PROGRESSING,
            f"{waiting}observed deployment generation less than desired generation",
        )
    progressing = condition(deployment, "Progressing")
    if progressing is not None and progressing.get("reason") == TIMED_OUT_REASON:
        return Health(
            HealthCode.DEGRADED,
            f"Deployment {go_quote(name(deployment))} exceeded its progress deadline",
        )
    message = replicas_waiting(deployment, waiting)
    if message is None:
        return Health(HealthCode.HEALTHY, "")
    return Health(HealthCode.PROGRESSING, message)


def argo_deployment_health(deployment: Mapping[str, Any]) -> Health:
    """Argo CD's health for a live Deployment, exactly."""
    return front_door(deployment, "Deployment") or _argo_deployment(deployment)


def replicaset_health(replicaset: Mapping[str, Any]) -> Health:
    """Argo CD's ``getAppsv1ReplicaSetHealth`` behind the deletion front door."""
    front = front_door(replicaset, "ReplicaSet")
    if front is not None:
        return front
    waiting = "Waiting for rollout to finish: "
    if number(replicaset, "metadata", "generation") > number(
        replicaset, "status", "observedGeneration"
    ):
        return Health(
            HealthCode.PROGRESSING,
            f"{waiting}observed replica set generation less than desired generation",
        )
    failure = condition(replicaset, "ReplicaFailure")
    desired = optional_number(replicaset, "spec", "replicas")
    available = number(replicaset, "status", "availableReplicas")
    if failure is not None and failure.get("status") == "True":
        return Health(HealthCode.DEGRADED, text(failure, "message"))
    if desired is not None and available < desired:
        return Health(
            HealthCode.PROGRESSING,
            f"{waiting}{available} out of {desired} new replicas are available...",
        )
    return Health(HealthCode.HEALTHY, "")


def _restart_always(pod: Obj) -> bool:
    if text(pod, "spec", "restartPolicy") == "Always":
        return True
    # Argo CD v3.6 (gitops-engine/v3), ahead of the v3.2.11 the project runs: an opt-in for
    # non-hook pods with a finite restart policy (docs/specs/rollout-semantics.md).
    return annotation(pod, IGNORE_RESTART_POLICY) == "true" and not is_hook(pod)


def _failed_message(pod: Obj) -> str:
    statuses = items(pod, "status", "initContainerStatuses") + items(
        pod, "status", "containerStatuses"
    )
    for status in statuses:
        terminated = mapping(status, "state", "terminated")
        if not terminated:
            continue
        if text(terminated, "message"):
            return text(terminated, "message")
        if text(terminated, "reason") == "OOMKilled":
            return "OOMKilled"
        if number(terminated, "exitCode") != 0:
            exit_code = number(terminated, "exitCode")
            return f"container {go_quote(text(status, 'name'))} failed with exit code {exit_code}"
    return ""


# One return per Go branch keeps the port checkable against gitops-engine line by line.
def pod_health(pod: Mapping[str, Any]) -> Health:  # noqa: PLR0911
    """Argo CD's ``getCorev1PodHealth`` behind the deletion front door."""
    front = front_door(pod, "Pod", "v1")
    if front is not None:
        return front
    restart_always = _restart_always(pod)
    message = text(pod, "status", "message")
    if restart_always:
        # Main containers only: Argo CD ignores init containers here (the board does not).
        stuck = [
            mapping(status, "state", "waiting")
            for status in items(pod, "status", "containerStatuses")
            if mapping(status, "state", "waiting")
        ]
        failing = [w for w in stuck if argo_failing_reason(text(w, "reason"))]
        if failing:
            return Health(HealthCode.DEGRADED, ", ".join(text(w, "message") for w in failing))
    phase = text(pod, "status", "phase")
    if phase == "Pending":
        return Health(HealthCode.PROGRESSING, message)
    if phase == "Succeeded":
        return Health(HealthCode.HEALTHY, message)
    if phase == "Failed":
        return Health(HealthCode.DEGRADED, message or _failed_message(pod))
    if phase == "Running":
        if not restart_always:
            if text(pod, "spec", "restartPolicy") in ("OnFailure", "Never"):
                # Pods with a finite life are assumed to be hooks: Progressing, never Healthy.
                return Health(HealthCode.PROGRESSING, message)
            # No policy at all (never from a server, which defaults it): no case matches.
            return Health(HealthCode.UNKNOWN, message)
        ready = condition(pod, "Ready")
        if ready is not None and ready.get("status") == "True":
            return Health(HealthCode.HEALTHY, message)
        if any(
            mapping(status, "lastState", "terminated")
            for status in items(pod, "status", "containerStatuses")
        ):
            return Health(HealthCode.DEGRADED, message)
        return Health(HealthCode.PROGRESSING, message)
    return Health(HealthCode.UNKNOWN, message)


def summary(causes: Sequence[str]) -> str:
    shown = "; ".join(causes[:MAX_CAUSES_IN_MESSAGE])
    hidden = len(causes) - MAX_CAUSES_IN_MESSAGE
    return f"{shown}; and {hidden} more" if hidden > 0 else shown


def deployment_health(
    deployment: Mapping[str, Any] | None,
    current: Mapping[str, Any] | None,
    current_pods: Sequence[Mapping[str, Any]],
    now: datetime,
) -> Health:
    """The board's verdict: Argo CD's health, Degraded early on a failing current revision.

    ``current`` is the Deployment's current ReplicaSet and ``current_pods`` its pods, as the
    card found them (``revisions.owned_replicasets``). Suspended (paused), Pending deletion and
    an Argo CD Degraded verdict are kept as they are; only Healthy and Progressing can turn
    Degraded early.
    """
    if deployment is None:
        return Health(HealthCode.MISSING, "Deployment does not exist")
    return early_degraded(
        argo_deployment_health(deployment), deployment, current, current_pods, now
    )


def early_degraded(
    health: Health,
    workload: Mapping[str, Any],
    current: Mapping[str, Any] | None,
    current_pods: Sequence[Mapping[str, Any]],
    now: datetime,
) -> Health:
    """Argo CD's HEALTH of WORKLOAD, turned Degraded early by its current pods' failures.

    Only Healthy and Progressing can turn; a workload being deleted keeps its verdict.
    """
    if health.code not in (HealthCode.HEALTHY, HealthCode.PROGRESSING) or deleting(workload):
        return health
    causes = early_causes(workload, current, current_pods, now)
    if not causes:
        return health
    return Health(HealthCode.DEGRADED, summary(causes), tuple(causes))
