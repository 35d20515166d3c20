"""StatefulSets and DaemonSets: ``kubectl rollout status`` and Argo CD's health, exactly.

kubectl: ``StatefulSetStatusViewer`` and ``DaemonSetStatusViewer`` (k8s.io/kubectl
pkg/polymorphichelpers/rollout_status.go); Argo CD: gitops-engine's
``getAppsv1StatefulSetHealth`` and ``getAppsv1DaemonSetHealth``. Checks run in their
order with their messages (kubectl's without the trailing newline). Where the two differ
(a non-RollingUpdate strategy is an error to kubectl, Healthy to Argo CD) each keeps its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from frontend.status.health import Health, HealthCode, front_door
from frontend.status.objects import Obj, go_quote, mapping, name, number, optional_number, text
from frontend.status.rollout import RolloutStatus

ROLLING_UPDATE = "RollingUpdate"
ON_DELETE = "OnDelete"
# kubectl names the StatefulSet constant for both kinds.
_ONLY_ROLLING = "rollout status is only available for RollingUpdate strategy type"


def _strategy(obj: Obj) -> str:
    return text(obj, "spec", "updateStrategy", "type")


def _generation_behind(obj: Obj) -> bool:
    return number(obj, "metadata", "generation") > number(obj, "status", "observedGeneration")


def _statefulset_waiting(sts: Obj) -> tuple[str, bool] | None:
    """The checks kubectl and Argo CD share, in their order: (message, done) or None."""
    if number(sts, "status", "observedGeneration") == 0 or _generation_behind(sts):
        return "Waiting for statefulset spec update to be observed...", False
    desired = optional_number(sts, "spec", "replicas")
    ready = number(sts, "status", "readyReplicas")
    if desired is not None and ready < desired:
        return f"Waiting for {desired - ready} pods to be ready...", False
    rolling = mapping(sts, "spec", "updateStrategy").get("rollingUpdate")
    if _strategy(sts) == ROLLING_UPDATE and rolling is not None:
        updated = number(sts, "status", "updatedReplicas")
        partition = optional_number(rolling, "partition")
        if desired is not None and partition is not None and updated < desired - partition:
            return (
                "Waiting for partitioned roll out to finish: "
                f"{updated} out of {desired - partition} new pods have been updated...",
                False,
            )
        return f"partitioned roll out complete: {updated} new pods have been updated...", True
    return None


def _statefulset_revisions(sts: Obj) -> tuple[str, bool]:
    update, current = text(sts, "status", "updateRevision"), text(sts, "status", "currentRevision")
    if update != current:
        updated = number(sts, "status", "updatedReplicas")
        return (
            f"waiting for statefulset rolling update to complete {updated} pods "
            f"at revision {update}...",
            False,
        )
    replicas = number(sts, "status", "currentReplicas")
    return f"statefulset rolling update complete {replicas} pods at revision {current}...", True


def statefulset_rollout_status(sts: Mapping[str, Any]) -> RolloutStatus:
    """``kubectl rollout status statefulset/<name>``."""
    if _strategy(sts) != ROLLING_UPDATE:
        return RolloutStatus(_ONLY_ROLLING, done=True, error=True)
    message, done = _statefulset_waiting(sts) or _statefulset_revisions(sts)
    return RolloutStatus(message, done=done, error=False)


def argo_statefulset_health(sts: Mapping[str, Any]) -> Health:
    """Argo CD's health for a live StatefulSet."""
    front = front_door(sts, "StatefulSet")
    if front is not None:
        return front
    waiting = _statefulset_waiting(sts)
    if waiting is None and _strategy(sts) == ON_DELETE:
        ready = number(sts, "status", "readyReplicas")
        return Health(HealthCode.HEALTHY, f"statefulset has {ready} ready pods")
    message, done = waiting or _statefulset_revisions(sts)
    return Health(HealthCode.HEALTHY if done else HealthCode.PROGRESSING, message)


def _daemonset_counts(ds: Obj) -> tuple[int, int, int]:
    status = mapping(ds, "status")
    return (
        number(status, "updatedNumberScheduled"),
        number(status, "desiredNumberScheduled"),
        number(status, "numberAvailable"),
    )


def _daemonset_waiting(ds: Obj) -> str | None:
    updated, desired, available = _daemonset_counts(ds)
    prefix = f"Waiting for daemon set {go_quote(name(ds))} rollout to finish: "
    if updated < desired:
        return f"{prefix}{updated} out of {desired} new pods have been updated..."
    if available < desired:
        return f"{prefix}{available} of {desired} updated pods are available..."
    return None


def daemonset_rollout_status(ds: Mapping[str, Any]) -> RolloutStatus:
    """``kubectl rollout status daemonset/<name>`` (which ignores ``--revision``)."""
    if _strategy(ds) != ROLLING_UPDATE:
        return RolloutStatus(_ONLY_ROLLING, done=True, error=True)
    if _generation_behind(ds):
        return RolloutStatus(
            "Waiting for daemon set spec update to be observed...", done=False, error=False
        )
    waiting = _daemonset_waiting(ds)
    if waiting is not None:
        return RolloutStatus(waiting, done=False, error=False)
    return RolloutStatus(
        f"daemon set {go_quote(name(ds))} successfully rolled out", done=True, error=False
    )


def argo_daemonset_health(ds: Mapping[str, Any]) -> Health:
    """Argo CD's health for a live DaemonSet."""
    front = front_door(ds, "DaemonSet")
    if front is not None:
        return front
    if _generation_behind(ds):
        return Health(
            HealthCode.PROGRESSING,
            "Waiting for rollout to finish: observed daemon set generation less than desired "
            "generation",
        )
    if _strategy(ds) == ON_DELETE:
        updated, desired, _ = _daemonset_counts(ds)
        return Health(
            HealthCode.HEALTHY, f"daemon set {updated} out of {desired} new pods have been updated"
        )
    waiting = _daemonset_waiting(ds)
    if waiting is not None:
        return Health(HealthCode.PROGRESSING, waiting)
    return Health(HealthCode.HEALTHY, "")
