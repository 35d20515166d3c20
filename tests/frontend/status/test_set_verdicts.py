# ruff: noqa: E501 - rows hold kubectl's and Argo CD's exact messages, unbroken
"""kubectl's and Argo CD's verdicts on StatefulSets and DaemonSets, as tables."""

from __future__ import annotations

from typing import Any

import pytest

from frontend.status.health import HealthCode
from frontend.status.set_verdicts import (
    argo_daemonset_health,
    argo_statefulset_health,
    daemonset_rollout_status,
    statefulset_rollout_status,
)

Json = dict[str, Any]
ONLY_ROLLING = "rollout status is only available for RollingUpdate strategy type"


def sts(
    *, generation: int = 2, observed: int = 2, replicas: int | None = 3, ready: int = 3,
    updated: int = 3, current_replicas: int = 3, strategy: str = "RollingUpdate",
    partition: int | None = 0, update: str = "db-7d9", current: str = "db-7d9",
    deleting: bool = False,
) -> Json:  # fmt: skip
    update_strategy: Json = {"type": strategy}
    if strategy == "RollingUpdate" and partition is not None:
        update_strategy["rollingUpdate"] = {"partition": partition}
    spec: Json = {"updateStrategy": update_strategy}
    if replicas is not None:
        spec["replicas"] = replicas
    meta: Json = {"name": "db", "namespace": "shop", "generation": generation}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    return {
        "kind": "StatefulSet", "metadata": meta, "spec": spec,
        "status": {"observedGeneration": observed, "readyReplicas": ready,
                   "updatedReplicas": updated, "currentReplicas": current_replicas,
                   "updateRevision": update, "currentRevision": current},
    }  # fmt: skip


STATEFULSET_CASES = [
    # (object, kubectl message, done, error, Argo code, Argo message)
    pytest.param(sts(observed=0), "Waiting for statefulset spec update to be observed...",
                 False, False, HealthCode.PROGRESSING,
                 "Waiting for statefulset spec update to be observed...", id="never-observed"),
    pytest.param(sts(generation=3), "Waiting for statefulset spec update to be observed...",
                 False, False, HealthCode.PROGRESSING,
                 "Waiting for statefulset spec update to be observed...", id="generation-ahead"),
    pytest.param(sts(ready=1), "Waiting for 2 pods to be ready...", False, False,
                 HealthCode.PROGRESSING, "Waiting for 2 pods to be ready...", id="not-ready"),
    pytest.param(sts(partition=2, updated=0, update="db-new"),
                 "Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated...",
                 False, False, HealthCode.PROGRESSING,
                 "Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated...",
                 id="partition-pending"),
    pytest.param(sts(partition=2, updated=1, update="db-new"),
                 "partitioned roll out complete: 1 new pods have been updated...", True, False,
                 HealthCode.HEALTHY, "partitioned roll out complete: 1 new pods have been updated...",
                 id="partition-complete"),
    # The API server defaults partition to 0, so a defaulted RollingUpdate is judged by
    # the partition branch, never by the revisions: kubectl's own behaviour, kept.
    pytest.param(sts(updated=1, update="db-new"),
                 "Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...",
                 False, False, HealthCode.PROGRESSING,
                 "Waiting for partitioned roll out to finish: 1 out of 3 new pods have been updated...",
                 id="defaulted-partition-mid-rollout"),
    pytest.param(sts(partition=None, updated=1, update="db-new"),
                 "waiting for statefulset rolling update to complete 1 pods at revision db-new...",
                 False, False, HealthCode.PROGRESSING,
                 "waiting for statefulset rolling update to complete 1 pods at revision db-new...",
                 id="no-rolling-update-block-mid-rollout"),
    pytest.param(sts(partition=None),
                 "statefulset rolling update complete 3 pods at revision db-7d9...", True, False,
                 HealthCode.HEALTHY,
                 "statefulset rolling update complete 3 pods at revision db-7d9...",
                 id="no-rolling-update-block-complete"),
    pytest.param(sts(replicas=None, ready=0, partition=None),
                 "statefulset rolling update complete 3 pods at revision db-7d9...", True, False,
                 HealthCode.HEALTHY,
                 "statefulset rolling update complete 3 pods at revision db-7d9...",
                 id="nil-replicas-skips-ready-check"),
    pytest.param(sts(strategy="OnDelete", ready=3), ONLY_ROLLING, True, True,
                 HealthCode.HEALTHY, "statefulset has 3 ready pods", id="on-delete"),
    pytest.param(sts(deleting=True), "partitioned roll out complete: 3 new pods have been updated...",
                 True, False, HealthCode.PROGRESSING, "Pending deletion", id="pending-deletion"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("obj", "message", "done", "error", "code", "argo_message"), STATEFULSET_CASES
)
def test_statefulset_verdicts(
    obj: Json, message: str, done: bool, error: bool, code: HealthCode, argo_message: str
) -> None:
    rollout = statefulset_rollout_status(obj)
    assert (rollout.message, rollout.done, rollout.error) == (message, done, error)
    health = argo_statefulset_health(obj)
    assert (health.code, health.message) == (code, argo_message)


def ds(
    *, generation: int = 4, observed: int = 4, desired: int = 2, updated: int = 2,
    available: int = 2, strategy: str = "RollingUpdate",
) -> Json:  # fmt: skip
    return {
        "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "shop",
                                          "generation": generation},
        "spec": {"updateStrategy": {"type": strategy}},
        "status": {"observedGeneration": observed, "desiredNumberScheduled": desired,
                   "updatedNumberScheduled": updated, "numberAvailable": available},
    }  # fmt: skip


DAEMONSET_CASES = [
    pytest.param(ds(generation=5), "Waiting for daemon set spec update to be observed...", False,
                 False, HealthCode.PROGRESSING,
                 "Waiting for rollout to finish: observed daemon set generation less than desired generation",
                 id="generation-ahead"),
    pytest.param(ds(updated=1),
                 'Waiting for daemon set "agent" rollout to finish: 1 out of 2 new pods have been updated...',
                 False, False, HealthCode.PROGRESSING,
                 'Waiting for daemon set "agent" rollout to finish: 1 out of 2 new pods have been updated...',
                 id="updating"),
    pytest.param(ds(available=0),
                 'Waiting for daemon set "agent" rollout to finish: 0 of 2 updated pods are available...',
                 False, False, HealthCode.PROGRESSING,
                 'Waiting for daemon set "agent" rollout to finish: 0 of 2 updated pods are available...',
                 id="not-available"),
    pytest.param(ds(), 'daemon set "agent" successfully rolled out', True, False,
                 HealthCode.HEALTHY, "", id="rolled-out"),
    pytest.param(ds(strategy="OnDelete", updated=1), ONLY_ROLLING, True, True, HealthCode.HEALTHY,
                 "daemon set 1 out of 2 new pods have been updated", id="on-delete"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("obj", "message", "done", "error", "code", "argo_message"), DAEMONSET_CASES
)
def test_daemonset_verdicts(
    obj: Json, message: str, done: bool, error: bool, code: HealthCode, argo_message: str
) -> None:
    rollout = daemonset_rollout_status(obj)
    assert (rollout.message, rollout.done, rollout.error) == (message, done, error)
    health = argo_daemonset_health(obj)
    assert (health.code, health.message) == (code, argo_message)
