"""Every status view on the real objects of each captured scenario (tests/fixtures/k8s).

Rows name the docs/specs/rollout-semantics.md vector they exercise. Counts that depend on the
moment of capture (how far a rolling update had got) are matched with ``\\d+``; everything
else is the exact text kubectl or Argo CD would print. Variants a control plane cannot produce
are derived from a capture with one explicit edit, named in the test id.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from frontend.status.card import deployment_card
from frontend.status.health import Health, HealthCode, argo_deployment_health
from frontend.status.objects import HASH_LABEL, condition, timestamp
from frontend.status.pods import pod_row
from frontend.status.revisions import owned_replicasets, revisions
from frontend.status.rollout import rollout_status
from tests.frontend.status.fixtures import Capture, has, load, variant

Obj = dict[str, Any]
WAIT = re.escape('Waiting for deployment "web" rollout to finish: ')
ARGO_WAIT = re.escape("Waiting for rollout to finish: ")
DONE = re.escape('deployment "web" successfully rolled out')


def _board_health(dep: Obj, capture: Capture, now: datetime | None = None) -> Health:
    """The board's verdict as the card wires it, at the moment of capture unless told."""
    when = capture.captured_at if now is None else now
    return deployment_card(dep, capture.replicasets, capture.pods, [], when).health


def captured(name: str) -> Capture:
    if not has(name):
        pytest.skip(f"tests/fixtures/k8s/{name}.json not captured yet (make fixtures)")
    return load(name)


def _dep(capture: Capture) -> Obj:
    assert capture.deployment is not None
    return capture.deployment


# scenario, kubectl (message regex, done, error), Argo CD (code, message regex), board code
VERDICTS = [
    ("complete", (DONE, True, False), (HealthCode.HEALTHY, ""), HealthCode.HEALTHY),
    (
        "rolling-update-updating",
        (WAIT + r"\d out of 3 new replicas have been updated\.\.\.", False, False),
        (HealthCode.PROGRESSING, ARGO_WAIT + r"\d out of 3 new replicas have been updated\.\.\."),
        HealthCode.PROGRESSING,
    ),
    (
        "rolling-update-old-pending-termination",
        (WAIT + r"1 old replicas are pending termination\.\.\.", False, False),
        (HealthCode.PROGRESSING, ARGO_WAIT + r"1 old replicas are pending termination\.\.\."),
        HealthCode.PROGRESSING,
    ),
    (
        "rolling-update-complete-revision-2",
        (DONE, True, False),
        (HealthCode.HEALTHY, ""),
        HealthCode.HEALTHY,
    ),
    (
        "rolling-update-rolled-back",
        (DONE, True, False),
        (HealthCode.HEALTHY, ""),
        HealthCode.HEALTHY,
    ),
    (
        "updated-unavailable",
        (WAIT + r"2 of 3 updated replicas are available\.\.\.", False, False),
        (HealthCode.PROGRESSING, ARGO_WAIT + r"2 of 3 updated replicas are available\.\.\."),
        HealthCode.PROGRESSING,
    ),
    (
        "generation-not-observed",
        (re.escape("Waiting for deployment spec update to be observed..."), False, False),
        (
            HealthCode.PROGRESSING,
            ARGO_WAIT + "observed deployment generation less than desired generation",
        ),
        HealthCode.PROGRESSING,
    ),
    (
        "paused",
        (DONE, True, False),
        (HealthCode.SUSPENDED, "Deployment is paused"),
        HealthCode.SUSPENDED,
    ),
    (
        "progress-deadline-exceeded",
        (re.escape('deployment "web" exceeded its progress deadline'), False, True),
        (HealthCode.DEGRADED, re.escape('Deployment "web" exceeded its progress deadline')),
        HealthCode.DEGRADED,
    ),
    ("scaled-to-zero", (DONE, True, False), (HealthCode.HEALTHY, ""), HealthCode.HEALTHY),
    (
        "replica-failure-quota",
        (WAIT + r"1 out of 3 new replicas have been updated\.\.\.", False, False),
        (HealthCode.PROGRESSING, ARGO_WAIT + r"1 out of 3 new replicas have been updated\.\.\."),
        HealthCode.DEGRADED,
    ),
    *[
        (
            name,
            (WAIT + r"0 of 3 updated replicas are available\.\.\.", False, False),
            (HealthCode.PROGRESSING, ARGO_WAIT + r"0 of 3 updated replicas are available\.\.\."),
            HealthCode.DEGRADED,
        )
        for name in (
            "crashloop",
            "image-pull-backoff",
            "err-image-pull",
            "create-container-config-error",
            "invalid-image-name",
            "init-crashloop",
        )
    ],
    (
        "new-rs-image-pull-backoff",
        (WAIT + r"1 out of 3 new replicas have been updated\.\.\.", False, False),
        (HealthCode.PROGRESSING, ARGO_WAIT + r"1 out of 3 new replicas have been updated\.\.\."),
        HealthCode.DEGRADED,
    ),
    ("pod-terminating", (DONE, True, False), (HealthCode.HEALTHY, ""), HealthCode.HEALTHY),
    ("restarts", (DONE, True, False), (HealthCode.HEALTHY, ""), HealthCode.HEALTHY),
]


@pytest.mark.parametrize(
    ("name", "kubectl", "argo", "board"), [pytest.param(*row, id=row[0]) for row in VERDICTS]
)
def test_verdicts_on_captured_scenario(
    name: str,
    kubectl: tuple[str, bool, bool],
    argo: tuple[HealthCode, str],
    board: HealthCode,
) -> None:
    capture = captured(name)
    dep = _dep(capture)
    status = rollout_status(dep)
    assert re.fullmatch(kubectl[0], status.message), status.message
    assert (status.done, status.error) == kubectl[1:]
    argo_health = argo_deployment_health(dep)
    assert argo_health.code is argo[0]
    assert re.fullmatch(argo[1], argo_health.message), argo_health.message
    health = _board_health(dep, capture)
    assert health.code is board, health.message


# scenario, STATUS column of every pod (sorted), an early-Degraded message regex or None
POD_VIEWS = [
    ("complete", {"Running"}, None),
    (
        "crashloop",
        {"CrashLoopBackOff"},
        r"pod web-\w+-\w+: container app waiting: CrashLoopBackOff \(back-off .+\)",
    ),
    (
        "image-pull-backoff",
        {"ImagePullBackOff"},
        r"pod web-\w+-\w+: container app waiting: ImagePullBackOff \(.+\)",
    ),
    (
        "err-image-pull",
        {"ErrImagePull"},
        r"pod web-\w+-\w+: container app waiting: ErrImagePull \(.+\)",
    ),
    (
        "create-container-config-error",
        {"CreateContainerConfigError"},
        r"pod web-\w+-\w+: container app waiting: CreateContainerConfigError \(.+\)",
    ),
    (
        "invalid-image-name",
        {"InvalidImageName"},
        r"pod web-\w+-\w+: container app waiting: InvalidImageName \(.+\)",
    ),
    (
        "init-crashloop",
        {"Init:CrashLoopBackOff"},
        r"pod web-\w+-\w+: init container init waiting: CrashLoopBackOff \(back-off .+\)",
    ),
    (
        "new-rs-image-pull-backoff",
        {"Running", "ImagePullBackOff"},
        r"pod web-\w+-\w+: container app waiting: ImagePullBackOff.*",
    ),
    ("unschedulable", {"Pending"}, None),
    ("pod-terminating", {"Running", "Terminating"}, None),
    (
        "replica-failure-quota",
        {"Running"},
        r"deployment web: ReplicaFailure FailedCreate: .*exceeded quota.*",
    ),
]


@pytest.mark.parametrize(
    ("name", "statuses", "cause"), [pytest.param(*row, id=row[0]) for row in POD_VIEWS]
)
def test_pods_and_first_cause_on_captured_scenario(
    name: str, statuses: set[str], cause: str | None
) -> None:
    capture = captured(name)
    rows = [pod_row(p, capture.captured_at) for p in capture.pods]
    assert {row.status for row in rows} == statuses
    health = _board_health(_dep(capture), capture)
    if cause is None:
        assert health.causes == ()
    else:
        assert re.fullmatch(cause, health.causes[0]), health.causes


def test_restarts_column_on_captured_restarting_pods() -> None:
    capture = captured("restarts")
    for p in capture.pods:
        row = pod_row(p, capture.captured_at)
        assert re.fullmatch(r"3 \(\S+ ago\)", row.restarts_text), row.restarts_text
        assert (row.status, row.ready) == ("Running", "1/1")


def _scheduled_since(capture: Capture) -> Any:
    moments = [
        timestamp((condition(p, "PodScheduled") or {}).get("lastTransitionTime"))
        for p in capture.pods
    ]
    assert all(moments)
    return max(m for m in moments if m is not None)


@pytest.mark.parametrize(
    ("after", "code"),
    [
        pytest.param(
            timedelta(seconds=16),
            HealthCode.DEGRADED,
            id="J-unschedulable-16s-after-capture-time-shifted",
        ),
        pytest.param(
            timedelta(seconds=15), HealthCode.PROGRESSING, id="unschedulable-15s-still-in-grace"
        ),
        pytest.param(timedelta(seconds=3), HealthCode.PROGRESSING, id="unschedulable-3s-in-grace"),
    ],
)
def test_unschedulable_grace_on_captured_pods(after: timedelta, code: HealthCode) -> None:
    capture = captured("unschedulable")
    now = _scheduled_since(capture) + after
    health = _board_health(_dep(capture), capture, now)
    assert health.code is code, health.message
    if code is HealthCode.DEGRADED:
        assert re.fullmatch(r"pod web-\w+-\w+: unschedulable for 1[6-9]s: .*", health.causes[-1])


def _template_of_revision_1(capture: Capture) -> Obj:
    old = next(
        rs
        for rs in capture.replicasets
        if rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    )

    def edit(dep: Obj) -> None:
        dep["spec"]["template"] = variant(
            old["spec"]["template"], lambda t: t["metadata"]["labels"].pop(HASH_LABEL)
        )

    return variant(_dep(capture), edit)


def test_pull_backoff_on_new_replicaset_is_degraded_only_while_current() -> None:
    capture = captured("new-rs-image-pull-backoff")
    dep = _dep(capture)
    owned = owned_replicasets(dep, capture.replicasets)
    current, matched_by = owned.current, owned.matched_by
    assert current is not None
    assert (
        current["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        matched_by,
    ) == ("2", "template")
    assert _board_health(dep, capture).code is HealthCode.DEGRADED
    # Variant: the Deployment template set back to revision 1's (a rollback the controller has
    # not acted on yet): the failing pods now belong to an old revision, which never degrades.
    rolled_back = _template_of_revision_1(capture)
    health = _board_health(rolled_back, capture)
    assert health.code is HealthCode.PROGRESSING, health.message


def test_card_on_captured_mid_rollout_orders_current_pods_first() -> None:
    capture = captured("rolling-update-old-pending-termination")
    card = deployment_card(
        _dep(capture), capture.replicasets, capture.pods, capture.events, capture.captured_at
    )
    flags = [p.current for p in card.pods]
    assert flags == sorted(flags, reverse=True)
    assert card.revisions.current is not None
    assert card.revisions.current.revision == 2
    assert card.counts.old > 0


@pytest.mark.parametrize(
    ("name", "current_revision", "matched_by", "history"),
    [
        pytest.param("complete", 1, "template", [(1, False)], id="single-revision"),
        pytest.param(
            "rolling-update-complete-revision-2",
            2,
            "template",
            [(2, False), (1, True)],
            id="old-collapsed",
        ),
        pytest.param(
            "rolling-update-rolled-back",
            3,
            "template",
            [(3, False), (2, True)],
            id="rollback-reuses-rs",
        ),
        pytest.param(
            "generation-not-observed", 1, "revision", [(1, False)], id="A-template-not-yet-created"
        ),
        pytest.param(
            "scaled-to-zero", 1, "template", [(1, False)], id="scaled-to-zero-current-not-collapsed"
        ),
    ],
)
def test_revisions_on_captured_scenario(
    name: str, current_revision: int, matched_by: str, history: list[tuple[int, bool]]
) -> None:
    capture = captured(name)
    result = revisions(owned_replicasets(_dep(capture), capture.replicasets))
    assert result.current is not None
    assert (result.current.revision, result.matched_by) == (current_revision, matched_by)
    assert [(r.revision, r.collapsed) for r in result.history] == history


def test_rolled_back_replicaset_remembers_its_old_revision() -> None:
    capture = captured("rolling-update-rolled-back")
    current = revisions(owned_replicasets(_dep(capture), capture.replicasets)).current
    assert current is not None
    assert current.revision_history == (1,)


def test_warning_events_on_captured_crashloop() -> None:
    capture = captured("crashloop")
    card = deployment_card(
        _dep(capture), capture.replicasets, capture.pods, capture.events, capture.captured_at
    )
    assert card.events
    assert {e.reason for e in card.events} <= {"BackOff", "Failed"}
    seen = [e.last_seen for e in card.events]
    assert seen == sorted(seen, reverse=True)


def _set_deleting(dep: Obj) -> None:
    dep["metadata"]["deletionTimestamp"] = dep["metadata"]["creationTimestamp"]


def _set_paused(dep: Obj) -> None:
    dep["spec"]["paused"] = True


def _drop_replica_failure(dep: Obj) -> None:
    dep["status"]["conditions"] = [
        c for c in dep["status"]["conditions"] if c["type"] != "ReplicaFailure"
    ]


@pytest.mark.parametrize(
    ("name", "edit", "code", "message"),
    [
        pytest.param(
            "complete",
            _set_deleting,
            HealthCode.PROGRESSING,
            "Pending deletion",
            id="K-deployment-deletion-in-progress-derived-deletionTimestamp-set",
        ),
        pytest.param(
            "crashloop",
            _set_deleting,
            HealthCode.PROGRESSING,
            "Pending deletion",
            id="deleting-deployment-not-degraded-early-derived-deletionTimestamp-set",
        ),
        pytest.param(
            "rolling-update-updating",
            _set_paused,
            HealthCode.SUSPENDED,
            "Deployment is paused",
            id="paused-mid-rollout-derived-spec-paused-true",
        ),
        pytest.param(
            "init-crashloop",
            _set_paused,
            HealthCode.SUSPENDED,
            "Deployment is paused",
            id="paused-wins-over-early-degraded-derived-spec-paused-true",
        ),
        pytest.param(
            "replica-failure-quota",
            _drop_replica_failure,
            HealthCode.DEGRADED,
            r"replicaset web-\w+: ReplicaFailure FailedCreate: .*exceeded quota.*",
            id="replica-failure-on-rs-only-derived-deployment-condition-removed",
        ),
    ],
)
def test_derived_variants_of_captured_deployments(
    name: str, edit: Any, code: HealthCode, message: str
) -> None:
    capture = captured(name)
    dep = variant(_dep(capture), edit)
    health = _board_health(dep, capture)
    assert health.code is code
    assert re.fullmatch(message, health.message), health.message
