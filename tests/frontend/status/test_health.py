"""Argo CD health and the board's early Degraded rule (docs/specs/rollout-semantics.md)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from frontend.status.card import deployment_card
from frontend.status.health import (
    Health,
    HealthCode,
    argo_deployment_health,
    deployment_health,
    is_worse,
    pod_health,
    replicaset_health,
    worst,
)
from tools.platformkit.objects import (
    IMAGE_V1,
    IMAGE_V2,
    NOW,
    at,
    condition,
    container_status,
    deployment,
    edited,
    mid_rollout,
    pod,
    replicaset,
    rolled_out,
    terminated_state,
    waiting_state,
)

Obj = dict[str, Any]
WAITING = "Waiting for rollout to finish: "
DEADLINE = condition(
    "Progressing",
    "False",
    "ProgressDeadlineExceeded",
    'ReplicaSet "web-5c8d7f9b6" has timed out progressing.',
)
PAUSED = condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
QUOTA_MESSAGE = 'pods "web-5c8d7f9b6-q2w3e" is forbidden: exceeded quota: compute, requested: cpu=1'
QUOTA = condition("ReplicaFailure", "True", "FailedCreate", QUOTA_MESSAGE)
BACK_OFF = "back-off 40s restarting failed container=app pod=web-5c8d7f9b6-zzzzz_apps(pod-uid)"
NEW_POD = "web-5c8d7f9b6-zzzzz"


def _board_health(dep: Obj, replicasets: list[Obj], pods: list[Obj]) -> Health:
    """The board's verdict as the card wires it: the current ReplicaSet and its pods found once."""
    return deployment_card(dep, replicasets, pods, [], NOW).health


def _paused(obj: Obj) -> None:
    obj["spec"]["paused"] = True


def _deleting(obj: Obj) -> None:
    obj["metadata"]["deletionTimestamp"] = at(5)
    obj["metadata"]["deletionGracePeriodSeconds"] = 0


def _hook_finalizer(obj: Obj) -> None:
    _deleting(obj)
    obj["metadata"]["finalizers"] = ["argocd.argoproj.io/hook-finalizer"]


# --- Argo CD's Deployment health, exactly (test vectors A-G) -------------------------------

ARGO_DEPLOYMENT_CASES = [
    pytest.param(
        deployment(generation=3, observed=2),
        Health(
            HealthCode.PROGRESSING,
            f"{WAITING}observed deployment generation less than desired generation",
        ),
        id="A-generation-not-observed",
    ),
    pytest.param(
        deployment(updated=1, conditions=[DEADLINE]),
        Health(HealthCode.DEGRADED, 'Deployment "web" exceeded its progress deadline'),
        id="B-progress-deadline-exceeded",
    ),
    pytest.param(
        deployment(total=4, updated=1, available=3),
        Health(HealthCode.PROGRESSING, f"{WAITING}1 out of 3 new replicas have been updated..."),
        id="C-new-replicas-not-updated",
    ),
    pytest.param(
        deployment(total=4, updated=3, available=3),
        Health(HealthCode.PROGRESSING, f"{WAITING}1 old replicas are pending termination..."),
        id="D-old-replicas-pending-termination",
    ),
    pytest.param(
        deployment(total=3, updated=3, available=2),
        Health(HealthCode.PROGRESSING, f"{WAITING}2 of 3 updated replicas are available..."),
        id="E-updated-replicas-not-available",
    ),
    pytest.param(deployment(), Health(HealthCode.HEALTHY, ""), id="F-rolled-out-is-healthy"),
    pytest.param(
        edited(deployment(conditions=[PAUSED]), _paused),
        Health(HealthCode.SUSPENDED, "Deployment is paused"),
        id="G-paused-is-suspended",
    ),
    pytest.param(
        edited(deployment(generation=3, observed=2, conditions=[DEADLINE]), _paused),
        Health(HealthCode.SUSPENDED, "Deployment is paused"),
        id="paused-checked-before-generation-and-deadline",
    ),
    pytest.param(
        deployment(replicas=0, total=0, updated=0, ready=0, available=0),
        Health(HealthCode.HEALTHY, ""),
        id="scaled-to-zero-is-healthy",
    ),
    pytest.param(
        edited(deployment(), _deleting),
        Health(HealthCode.PROGRESSING, "Pending deletion"),
        id="K-deletion-in-progress-is-pending-deletion",
    ),
    pytest.param(
        edited(deployment(), _hook_finalizer),
        Health(HealthCode.HEALTHY, ""),
        id="deletion-held-by-argo-hook-finalizer-uses-normal-rules",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), ARGO_DEPLOYMENT_CASES)
def test_argo_deployment_health_matches_gitops_engine(obj: Obj, expected: Health) -> None:
    assert argo_deployment_health(obj) == expected


@pytest.mark.parametrize(("obj", "expected"), ARGO_DEPLOYMENT_CASES)
def test_board_health_equals_argo_when_pods_are_fine(obj: Obj, expected: Health) -> None:
    _, replicasets, pods = rolled_out()
    assert _board_health(obj, replicasets, pods) == expected


@pytest.mark.parametrize(
    ("api_version", "expected"),
    [
        pytest.param("apps/v1", Health(HealthCode.HEALTHY, ""), id="apps-v1-is-judged"),
        pytest.param(None, Health(HealthCode.HEALTHY, ""), id="list-item-without-version"),
        pytest.param(
            "apps/v1beta2",
            Health(HealthCode.UNKNOWN, "unsupported Deployment GVK: apps/v1beta2, Kind=Deployment"),
            id="other-apps-version-is-unknown",
        ),
    ],
)
def test_only_apps_v1_deployments_are_judged(api_version: str | None, expected: Health) -> None:
    obj = deployment()
    obj.pop("apiVersion", None)
    if api_version is not None:
        obj["apiVersion"] = api_version
    assert argo_deployment_health(obj) == expected


def test_names_are_quoted_as_go_quotes_them() -> None:
    obj = edited(deployment(conditions=[DEADLINE]), lambda d: d["metadata"].update(name='a"b'))
    assert (
        argo_deployment_health(obj).message == 'Deployment "a\\"b" exceeded its progress deadline'
    )


def test_zero_deletion_time_is_no_deletion_to_argo() -> None:
    obj = edited(
        deployment(), lambda d: d["metadata"].update(deletionTimestamp="0001-01-01T00:00:00Z")
    )
    assert argo_deployment_health(obj) == Health(HealthCode.HEALTHY, "")


def test_replica_failure_is_ignored_by_argo() -> None:
    assert argo_deployment_health(deployment(updated=1, conditions=[QUOTA])) == Health(
        HealthCode.PROGRESSING, f"{WAITING}1 out of 3 new replicas have been updated..."
    )


def test_absent_deployment_is_missing() -> None:
    assert deployment_health(None, None, [], NOW) == Health(
        HealthCode.MISSING, "Deployment does not exist"
    )


# --- The board's early Degraded rule ---------------------------------------------------------


def _with_new_pod(**pod_fields: Any) -> tuple[Obj, list[Obj], list[Obj]]:
    """Mid-rollout (vector C shape) with the new ReplicaSet's only pod replaced."""
    dep, replicasets, pods = mid_rollout()
    return (
        dep,
        replicasets,
        [*pods[:-1], pod(replicasets[1], "zzzzz", created_ago=20, **pod_fields)],
    )


def _waiting_pod(
    reason: str, message: str = "", *, phase: str = "Pending"
) -> tuple[Obj, list[Obj], list[Obj]]:
    status = container_status(state=waiting_state(reason, message), ready=False)
    return _with_new_pod(phase=phase, ready=False, statuses=[status])


def _crashing_init() -> tuple[Obj, list[Obj], list[Obj]]:
    init_spec = {"name": "migrate", "image": IMAGE_V2, "command": ["migrate"], "resources": {}}
    init = container_status(
        "migrate",
        state=waiting_state("CrashLoopBackOff", "back-off 20s restarting failed container=migrate"),
        ready=False,
        restarts=2,
        last_state=terminated_state(1, "Error"),
    )
    main = container_status(state=waiting_state("PodInitializing"), ready=False)
    conditions = [
        condition(
            "Initialized",
            "False",
            "ContainersNotInitialized",
            "containers with incomplete status: [migrate]",
        ),
        condition("Ready", "False", "ContainersNotReady", "containers with unready status: [app]"),
        condition("PodScheduled", "True", ""),
    ]
    return _with_new_pod(
        phase="Pending",
        statuses=[main],
        init_statuses=[init],
        init_containers=[init_spec],
        conditions=conditions,
    )


def _unschedulable(seconds: float) -> tuple[Obj, list[Obj], list[Obj]]:
    scheduled = condition(
        "PodScheduled",
        "False",
        "Unschedulable",
        "0/1 nodes are available: 1 Insufficient cpu.",
        ago=seconds,
    )
    del scheduled["lastUpdateTime"]
    return _with_new_pod(phase="Pending", ready=False, statuses=[], conditions=[scheduled])


def _old_pod_pulling() -> tuple[Obj, list[Obj], list[Obj]]:
    dep, replicasets, pods = mid_rollout()
    bad = container_status(
        state=waiting_state("ImagePullBackOff", "Back-off pulling image"), image=IMAGE_V1
    )
    pods[0] = pod(replicasets[0], "aaaaa", phase="Pending", ready=False, statuses=[bad])
    return dep, replicasets, pods


def _terminating_crash() -> tuple[Obj, list[Obj], list[Obj]]:
    dep, replicasets, pods = _waiting_pod("CrashLoopBackOff", BACK_OFF, phase="Running")
    _deleting(pods[-1])
    return dep, replicasets, pods


def _replica_failure_on_deployment() -> tuple[Obj, list[Obj], list[Obj]]:
    dep, replicasets, pods = mid_rollout()
    dep["status"]["conditions"].append(copy.deepcopy(QUOTA))
    return dep, replicasets, pods


def _replica_failure_on_new_replicaset(status: str = "True") -> tuple[Obj, list[Obj], list[Obj]]:
    dep, replicasets, pods = mid_rollout()
    replicasets[1]["status"]["conditions"] = [{**QUOTA, "status": status}]
    return dep, replicasets, pods


def _paused_crash() -> tuple[Obj, list[Obj], list[Obj]]:
    dep, replicasets, pods = _waiting_pod("CrashLoopBackOff", BACK_OFF, phase="Running")
    _paused(dep)
    return dep, replicasets, pods


def _two_crashes() -> tuple[Obj, list[Obj], list[Obj]]:
    dep, replicasets, pods = _waiting_pod("CrashLoopBackOff", BACK_OFF, phase="Running")
    dep["status"]["conditions"].append(copy.deepcopy(QUOTA))
    statuses = [container_status(state=waiting_state("ErrImagePull", "pull failed"), ready=False)]
    for suffix in ("yyyyy", "xxxxx"):
        pods.append(
            pod(
                replicasets[1],
                suffix,
                phase="Pending",
                ready=False,
                statuses=copy.deepcopy(statuses),
            )
        )
    return dep, replicasets, pods


PROGRESSING_C = Health(
    HealthCode.PROGRESSING, f"{WAITING}1 out of 3 new replicas have been updated..."
)
QUOTA_CAUSE = f"deployment web: ReplicaFailure FailedCreate: {QUOTA_MESSAGE}"

EARLY_CASES = [
    pytest.param(
        _waiting_pod("CrashLoopBackOff", BACK_OFF, phase="Running"),
        f"pod {NEW_POD}: container app waiting: CrashLoopBackOff ({BACK_OFF})",
        id="H-crashloopbackoff-on-current-revision",
    ),
    pytest.param(
        _crashing_init(),
        f"pod {NEW_POD}: init container migrate waiting: CrashLoopBackOff "
        "(back-off 20s restarting failed container=migrate)",
        id="crashloopbackoff-in-init-container",
    ),
    pytest.param(
        _waiting_pod("ImagePullBackOff", 'Back-off pulling image "ghcr.io/acme/backend:2.0.0"'),
        f"pod {NEW_POD}: container app waiting: ImagePullBackOff "
        '(Back-off pulling image "ghcr.io/acme/backend:2.0.0")',
        id="I-imagepullbackoff-on-new-replicaset",
    ),
    pytest.param(
        _waiting_pod("ErrImagePull", "rpc error: code = NotFound"),
        f"pod {NEW_POD}: container app waiting: ErrImagePull (rpc error: code = NotFound)",
        id="errimagepull",
    ),
    pytest.param(
        _waiting_pod("CreateContainerConfigError", 'configmap "web-config" not found'),
        f"pod {NEW_POD}: container app waiting: CreateContainerConfigError "
        '(configmap "web-config" not found)',
        id="createcontainerconfigerror",
    ),
    pytest.param(
        _waiting_pod("InvalidImageName", 'Failed to apply default image tag "Bad:Name"'),
        f"pod {NEW_POD}: container app waiting: InvalidImageName "
        '(Failed to apply default image tag "Bad:Name")',
        id="invalidimagename-which-argo-misses",
    ),
    pytest.param(
        _waiting_pod("RunContainerError"),
        f"pod {NEW_POD}: container app waiting: RunContainerError",
        id="waiting-without-message",
    ),
    pytest.param(
        _unschedulable(16),
        f"pod {NEW_POD}: unschedulable for 16s: 0/1 nodes are available: 1 Insufficient cpu.",
        id="J-unschedulable-over-15s",
    ),
    pytest.param(_replica_failure_on_deployment(), QUOTA_CAUSE, id="replica-failure-on-deployment"),
    pytest.param(
        _replica_failure_on_new_replicaset(),
        f"replicaset web-5c8d7f9b6: ReplicaFailure FailedCreate: {QUOTA_MESSAGE}",
        id="replica-failure-on-new-replicaset-before-deployment-copy",
    ),
    pytest.param(
        _two_crashes(),
        f"{QUOTA_CAUSE}; "
        "pod web-5c8d7f9b6-xxxxx: container app waiting: ErrImagePull (pull failed); "
        "pod web-5c8d7f9b6-yyyyy: container app waiting: ErrImagePull (pull failed); and 1 more",
        id="several-causes-summarised-deployment-first-then-pods-by-name",
    ),
]


@pytest.mark.parametrize(("scenario", "message"), EARLY_CASES)
def test_failing_current_revision_is_degraded_early(
    scenario: tuple[Obj, list[Obj], list[Obj]], message: str
) -> None:
    dep, replicasets, pods = scenario
    health = _board_health(dep, replicasets, pods)
    assert (health.code, health.message) == (HealthCode.DEGRADED, message)
    assert argo_deployment_health(dep).code is HealthCode.PROGRESSING  # Argo alone waits


NOT_EARLY_CASES = [
    pytest.param(
        _waiting_pod("ContainerCreating"), PROGRESSING_C, id="containercreating-is-transient"
    ),
    pytest.param(_waiting_pod("PodInitializing"), PROGRESSING_C, id="podinitializing-is-transient"),
    pytest.param(_unschedulable(15), PROGRESSING_C, id="unschedulable-exactly-15s-still-in-grace"),
    pytest.param(_unschedulable(5), PROGRESSING_C, id="unschedulable-under-15s"),
    pytest.param(_old_pod_pulling(), PROGRESSING_C, id="imagepullbackoff-on-old-replicaset-only"),
    pytest.param(_terminating_crash(), PROGRESSING_C, id="crashing-pod-already-terminating"),
    pytest.param(
        _replica_failure_on_new_replicaset("False"), PROGRESSING_C, id="replica-failure-false"
    ),
    pytest.param(
        _paused_crash(),
        Health(HealthCode.SUSPENDED, "Deployment is paused"),
        id="paused-stays-suspended",
    ),
]


@pytest.mark.parametrize(("scenario", "expected"), NOT_EARLY_CASES)
def test_healthy_signals_do_not_degrade_early(
    scenario: tuple[Obj, list[Obj], list[Obj]], expected: Health
) -> None:
    dep, replicasets, pods = scenario
    assert _board_health(dep, replicasets, pods) == expected


def test_early_degraded_lists_every_cause() -> None:
    dep, replicasets, pods = _two_crashes()
    health = _board_health(dep, replicasets, pods)
    assert len(health.causes) == 4
    assert health.causes[-1].startswith(f"pod {NEW_POD}: container app waiting: CrashLoopBackOff")


def test_crashing_pod_of_another_deployment_is_ignored() -> None:
    dep, replicasets, pods = mid_rollout()
    stranger_rs = replicaset("5c8d7f9b6", revision=1, image=IMAGE_V2, owner_uid="someone-else")
    stranger_rs["metadata"]["uid"] = "rs-uid-stranger"
    bad = container_status(state=waiting_state("CrashLoopBackOff", BACK_OFF), ready=False)
    stranger = pod(stranger_rs, "qqqqq", ready=False, statuses=[bad])
    assert _board_health(dep, [*replicasets, stranger_rs], [*pods, stranger]) == PROGRESSING_C


def test_board_health_judges_only_the_current_pods_it_is_given() -> None:
    dep, replicasets, pods = _waiting_pod("CrashLoopBackOff", BACK_OFF, phase="Running")
    current, crashing = replicasets[1], pods[-1]

    assert deployment_health(dep, current, [crashing], NOW).code is HealthCode.DEGRADED
    assert deployment_health(dep, current, [], NOW) == PROGRESSING_C


def test_board_health_reads_replica_failure_of_the_current_replicaset_it_is_given() -> None:
    dep, replicasets, _ = _replica_failure_on_new_replicaset()

    assert deployment_health(dep, replicasets[1], [], NOW).code is HealthCode.DEGRADED
    assert deployment_health(dep, None, [], NOW) == PROGRESSING_C


def test_deadline_exceeded_keeps_argo_message_over_early_causes() -> None:
    dep, replicasets, pods = _waiting_pod("CrashLoopBackOff", BACK_OFF, phase="Running")
    dep["status"]["conditions"] = [DEADLINE]
    assert _board_health(dep, replicasets, pods) == Health(
        HealthCode.DEGRADED, 'Deployment "web" exceeded its progress deadline'
    )


# --- Argo CD's Pod and ReplicaSet health ---------------------------------------------------

_RS = rolled_out()[1]
NEW_RS = _RS[1]


def _pod(**fields: Any) -> Obj:
    return pod(NEW_RS, "abcde", **fields)


def _not_ready(**status_fields: Any) -> list[Obj]:
    return [container_status(ready=False, **status_fields)]


def _annotated(obj: Obj, annotations: dict[str, str]) -> Obj:
    return edited(obj, lambda o: o["metadata"].setdefault("annotations", {}).update(annotations))


def _policy(obj: Obj, policy: str) -> Obj:
    return edited(obj, lambda o: o["spec"].update(restartPolicy=policy))


def _status(obj: Obj, **fields: Any) -> Obj:
    return edited(obj, lambda o: o["status"].update(fields))


CRASHING = _not_ready(
    state=waiting_state("CrashLoopBackOff", BACK_OFF),
    restarts=3,
    last_state=terminated_state(1, "Error"),
)
POD_CASES = [
    pytest.param(_pod(), Health(HealthCode.HEALTHY, ""), id="running-and-ready"),
    pytest.param(
        _pod(ready=False, statuses=CRASHING),
        Health(HealthCode.DEGRADED, BACK_OFF),
        id="H-crashloopbackoff",
    ),
    pytest.param(
        _pod(
            phase="Pending",
            ready=False,
            statuses=_not_ready(state=waiting_state("ImagePullBackOff", "Back-off pulling image")),
        ),
        Health(HealthCode.DEGRADED, "Back-off pulling image"),
        id="I-imagepullbackoff",
    ),
    pytest.param(
        _status(
            _pod(phase="Pending", ready=False, statuses=[], conditions=[]),
            message="0/1 nodes are available",
        ),
        Health(HealthCode.PROGRESSING, "0/1 nodes are available"),
        id="J-unschedulable-pending-is-progressing",
    ),
    pytest.param(
        edited(_pod(), _deleting),
        Health(HealthCode.PROGRESSING, "Pending deletion"),
        id="K-terminating",
    ),
    pytest.param(
        _pod(
            phase="Pending",
            ready=False,
            statuses=_not_ready(state=waiting_state("InvalidImageName", "bad name")),
        ),
        Health(HealthCode.PROGRESSING, ""),
        id="invalidimagename-missed-by-argo",
    ),
    pytest.param(
        _pod(
            phase="Pending",
            ready=False,
            init_statuses=[
                container_status(
                    "init", state=waiting_state("CrashLoopBackOff", "init back-off"), ready=False
                )
            ],
            statuses=_not_ready(state=waiting_state("PodInitializing")),
        ),
        Health(HealthCode.PROGRESSING, ""),
        id="init-container-crash-ignored-by-argo",
    ),
    pytest.param(
        _policy(_pod(ready=False, statuses=CRASHING), "Never"),
        Health(HealthCode.PROGRESSING, ""),
        id="waiting-rule-needs-restart-policy-always",
    ),
    pytest.param(
        _annotated(
            _policy(_pod(ready=False, statuses=CRASHING), "Never"),
            {"argocd.argoproj.io/ignore-restart-policy": "true"},
        ),
        Health(HealthCode.DEGRADED, BACK_OFF),
        id="ignore-restart-policy-annotation",
    ),
    pytest.param(
        _annotated(
            _policy(_pod(ready=False, statuses=CRASHING), "Never"),
            {
                "argocd.argoproj.io/ignore-restart-policy": "true",
                "argocd.argoproj.io/hook": "PreSync",
            },
        ),
        Health(HealthCode.PROGRESSING, ""),
        id="ignore-restart-policy-annotation-not-for-hooks",
    ),
    # hook.IsHook, found by the differential tier: an empty Argo hook annotation makes a
    # hook, a lone Skip and Helm's crd-install do not.
    *(
        pytest.param(
            _annotated(
                _policy(_pod(ready=False, statuses=CRASHING), "Never"),
                {"argocd.argoproj.io/ignore-restart-policy": "true", key: value},
            ),
            expected,
            id=f"ignore-restart-policy-with-{key.split('/')[0]}-{value or 'empty'}",
        )
        for key, value, expected in (
            ("argocd.argoproj.io/hook", "", Health(HealthCode.PROGRESSING, "")),
            ("argocd.argoproj.io/hook", "Skip", Health(HealthCode.DEGRADED, BACK_OFF)),
            ("argocd.argoproj.io/hook", "Skip, Skip", Health(HealthCode.DEGRADED, BACK_OFF)),
            ("helm.sh/hook", "crd-install", Health(HealthCode.DEGRADED, BACK_OFF)),
            ("helm.sh/hook", "pre-install", Health(HealthCode.PROGRESSING, "")),
        )
    ),
    pytest.param(
        _pod(
            ready=False,
            statuses=_not_ready(last_state=terminated_state(137, "OOMKilled"), restarts=1),
        ),
        Health(HealthCode.DEGRADED, ""),
        id="running-not-ready-after-a-restart",
    ),
    pytest.param(
        _pod(ready=False, statuses=_not_ready()),
        Health(HealthCode.PROGRESSING, ""),
        id="running-not-ready-yet",
    ),
    pytest.param(
        _policy(_pod(), "OnFailure"),
        Health(HealthCode.PROGRESSING, ""),
        id="running-hook-pod-is-progressing",
    ),
    pytest.param(
        edited(_pod(), lambda o: o["spec"].pop("restartPolicy", None)),
        Health(HealthCode.UNKNOWN, ""),
        id="running-pod-without-restart-policy-matches-no-case",
    ),
    pytest.param(
        _pod(
            phase="Succeeded",
            ready=False,
            statuses=_not_ready(state=terminated_state(0, "Completed")),
        ),
        Health(HealthCode.HEALTHY, ""),
        id="succeeded",
    ),
    pytest.param(
        _status(
            _pod(phase="Failed", ready=False),
            reason="Evicted",
            message="The node was low on resource: memory.",
        ),
        Health(HealthCode.DEGRADED, "The node was low on resource: memory."),
        id="failed-with-pod-message",
    ),
    pytest.param(
        _pod(
            phase="Failed",
            ready=False,
            statuses=_not_ready(state=terminated_state(137, "OOMKilled")),
        ),
        Health(HealthCode.DEGRADED, "OOMKilled"),
        id="failed-oomkilled",
    ),
    pytest.param(
        _pod(phase="Failed", ready=False, statuses=_not_ready(state=terminated_state(3, "Error"))),
        Health(HealthCode.DEGRADED, 'container "app" failed with exit code 3'),
        id="failed-exit-code",
    ),
    pytest.param(
        _pod(
            phase="Failed",
            ready=False,
            statuses=[
                edited(
                    container_status(ready=False, state=terminated_state(1, "Error")),
                    lambda s: s["state"]["terminated"].update(message="panic: boom"),
                )
            ],
        ),
        Health(HealthCode.DEGRADED, "panic: boom"),
        id="failed-termination-message",
    ),
    pytest.param(
        _status(_pod(), phase="Unknown"), Health(HealthCode.UNKNOWN, ""), id="unknown-phase"
    ),
]


@pytest.mark.parametrize(("obj", "expected"), POD_CASES)
def test_pod_health_matches_gitops_engine(obj: Obj, expected: Health) -> None:
    assert pod_health(obj) == expected


def _rs_status(**fields: Any) -> Obj:
    return edited(NEW_RS, lambda o: o["status"].update(fields))


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(NEW_RS, Health(HealthCode.HEALTHY, ""), id="all-available"),
        pytest.param(
            edited(NEW_RS, lambda o: o["metadata"].update(generation=2)),
            Health(
                HealthCode.PROGRESSING,
                f"{WAITING}observed replica set generation less than desired generation",
            ),
            id="generation-not-observed",
        ),
        pytest.param(
            _rs_status(conditions=[QUOTA]),
            Health(HealthCode.DEGRADED, QUOTA_MESSAGE),
            id="replica-failure",
        ),
        pytest.param(
            _rs_status(availableReplicas=1),
            Health(HealthCode.PROGRESSING, f"{WAITING}1 out of 3 new replicas are available..."),
            id="not-all-available",
        ),
        pytest.param(
            replicaset("6b7c9d8f4", revision=1, image=IMAGE_V1, replicas=0),
            Health(HealthCode.HEALTHY, ""),
            id="old-replicaset-scaled-to-zero",
        ),
        pytest.param(
            edited(NEW_RS, _deleting),
            Health(HealthCode.PROGRESSING, "Pending deletion"),
            id="deleting",
        ),
    ],
)
def test_replicaset_health_matches_gitops_engine(obj: Obj, expected: Health) -> None:
    assert replicaset_health(obj) == expected


# --- Codes and ordering --------------------------------------------------------------------


def test_health_order_is_argo_cd_order() -> None:
    ordered = sorted(HealthCode, key=lambda code: code.severity)
    assert [code.value for code in ordered] == [
        "Healthy",
        "Suspended",
        "Progressing",
        "Missing",
        "Degraded",
        "Unknown",
    ]


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [
        pytest.param(
            HealthCode.HEALTHY, HealthCode.DEGRADED, True, id="degraded-worse-than-healthy"
        ),
        pytest.param(
            HealthCode.DEGRADED,
            HealthCode.PROGRESSING,
            False,
            id="progressing-not-worse-than-degraded",
        ),
        pytest.param(HealthCode.MISSING, HealthCode.UNKNOWN, True, id="unknown-is-worst"),
        pytest.param(HealthCode.SUSPENDED, HealthCode.SUSPENDED, False, id="equal-is-not-worse"),
    ],
)
def test_is_worse(current: HealthCode, new: HealthCode, expected: bool) -> None:
    assert is_worse(current, new) is expected


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        pytest.param([], HealthCode.HEALTHY, id="none-is-healthy"),
        pytest.param(
            [HealthCode.SUSPENDED, HealthCode.PROGRESSING], HealthCode.PROGRESSING, id="progressing"
        ),
        pytest.param(
            [HealthCode.DEGRADED, HealthCode.MISSING, HealthCode.HEALTHY],
            HealthCode.DEGRADED,
            id="degraded",
        ),
    ],
)
def test_worst(codes: list[HealthCode], expected: HealthCode) -> None:
    assert worst(codes) is expected


def test_health_codes_serialise_as_their_names() -> None:
    assert json.dumps({"code": HealthCode.DEGRADED}) == '{"code": "Degraded"}'
    assert f"{HealthCode.SUSPENDED}" == "Suspended"
