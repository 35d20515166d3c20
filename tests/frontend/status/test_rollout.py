"""kubectl rollout status and the kubectl column of docs/specs/rollout-semantics.md's vectors."""

from __future__ import annotations

from typing import Any

import pytest

from frontend.status.rollout import RolloutStatus, rollout_status
from tools.platformkit.objects import condition, deployment, edited

WAITING = 'Waiting for deployment "web" rollout to finish: '
DEADLINE = condition(
    "Progressing",
    "False",
    "ProgressDeadlineExceeded",
    'ReplicaSet "web-5c8d7f9b6" has timed out progressing.',
)
PAUSED = condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
QUOTA = condition(
    "ReplicaFailure", "True", "FailedCreate", 'pods "web-5c8d7f9b6-x" is forbidden: exceeded quota'
)


def _paused(obj: dict[str, Any]) -> None:
    obj["spec"]["paused"] = True


def _with_revision_annotation(value: str) -> dict[str, Any]:
    obj = deployment()
    obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = value
    return obj


def _without_revision(obj: dict[str, Any]) -> None:
    del obj["metadata"]["annotations"]["deployment.kubernetes.io/revision"]


CASES = [
    pytest.param(
        deployment(generation=3, observed=2),
        RolloutStatus(
            "Waiting for deployment spec update to be observed...", done=False, error=False
        ),
        id="A-generation-not-observed",
    ),
    pytest.param(
        deployment(generation=3, observed=2, conditions=[DEADLINE]),
        RolloutStatus(
            "Waiting for deployment spec update to be observed...", done=False, error=False
        ),
        id="A-generation-checked-before-deadline",
    ),
    pytest.param(
        deployment(conditions=[DEADLINE], updated=1),
        RolloutStatus('deployment "web" exceeded its progress deadline', done=False, error=True),
        id="B-progress-deadline-exceeded-is-an-error",
    ),
    pytest.param(
        deployment(conditions=[{**DEADLINE, "status": "True"}]),
        RolloutStatus('deployment "web" exceeded its progress deadline', done=False, error=True),
        id="B-deadline-reason-checked-not-status",
    ),
    pytest.param(
        deployment(total=4, updated=1, available=3),
        RolloutStatus(
            f"{WAITING}1 out of 3 new replicas have been updated...", done=False, error=False
        ),
        id="C-new-replicas-not-updated",
    ),
    pytest.param(
        deployment(total=4, updated=3, available=3),
        RolloutStatus(
            f"{WAITING}1 old replicas are pending termination...", done=False, error=False
        ),
        id="D-old-replicas-pending-termination",
    ),
    pytest.param(
        deployment(total=3, updated=3, available=2),
        RolloutStatus(
            f"{WAITING}2 of 3 updated replicas are available...", done=False, error=False
        ),
        id="E-updated-replicas-not-available",
    ),
    pytest.param(
        deployment(),
        RolloutStatus('deployment "web" successfully rolled out', done=True, error=False),
        id="F-successfully-rolled-out",
    ),
    pytest.param(
        edited(deployment(conditions=[PAUSED]), _paused),
        RolloutStatus('deployment "web" successfully rolled out', done=True, error=False),
        id="G-paused-ignored-by-kubectl",
    ),
    pytest.param(
        edited(deployment(total=4, updated=1, available=3, conditions=[PAUSED]), _paused),
        RolloutStatus(
            f"{WAITING}1 out of 3 new replicas have been updated...", done=False, error=False
        ),
        id="paused-mid-rollout-keeps-waiting",
    ),
    pytest.param(
        deployment(replicas=0, total=0, updated=0, ready=0, available=0),
        RolloutStatus('deployment "web" successfully rolled out', done=True, error=False),
        id="scaled-to-zero-is-done",
    ),
    pytest.param(
        deployment(replicas=None, total=2, updated=2, available=2),
        RolloutStatus('deployment "web" successfully rolled out', done=True, error=False),
        id="nil-spec-replicas-skips-updated-check",
    ),
    pytest.param(
        deployment(total=3, updated=1, available=3, conditions=[QUOTA]),
        RolloutStatus(
            f"{WAITING}1 out of 3 new replicas have been updated...", done=False, error=False
        ),
        id="replica-failure-not-checked-by-kubectl",
    ),
    pytest.param(
        deployment(ready=1),
        RolloutStatus('deployment "web" successfully rolled out', done=True, error=False),
        id="ready-replicas-not-checked-by-kubectl",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), CASES)
def test_rollout_status_follows_kubectl(obj: dict[str, Any], expected: RolloutStatus) -> None:
    assert rollout_status(obj) == expected


@pytest.mark.parametrize(
    ("obj", "revision", "expected"),
    [
        pytest.param(
            deployment(revision=2),
            2,
            RolloutStatus('deployment "web" successfully rolled out', done=True, error=False),
            id="pinned-revision-matches",
        ),
        pytest.param(
            deployment(revision=2),
            3,
            RolloutStatus(
                "desired revision (3) is different from the running revision (2)",
                done=False,
                error=True,
            ),
            id="pinned-revision-differs",
        ),
        pytest.param(
            edited(deployment(), _without_revision),
            1,
            RolloutStatus(
                "desired revision (1) is different from the running revision (0)",
                done=False,
                error=True,
            ),
            id="pinned-revision-missing-annotation-reads-0",
        ),
        pytest.param(
            edited(
                deployment(),
                lambda d: d["metadata"]["annotations"].update(
                    {"deployment.kubernetes.io/revision": "x"}
                ),
            ),
            1,
            RolloutStatus(
                'cannot get the revision of deployment "web": '
                'strconv.ParseInt: parsing "x": invalid syntax',
                done=False,
                error=True,
            ),
            id="pinned-revision-unparsable",
        ),
        *(
            pytest.param(
                _with_revision_annotation(value),
                1,
                RolloutStatus(
                    f'cannot get the revision of deployment "web": '
                    f"strconv.ParseInt: parsing {quoted}: {why}",
                    done=False,
                    error=True,
                ),
                id=f"pinned-revision-{name}",
            )
            # Found by the differential tier: Python's int() took the first four.
            for name, value, quoted, why in (
                ("leading-space", " 1", '" 1"', "invalid syntax"),
                ("underscore", "1_0", '"1_0"', "invalid syntax"),
                ("arabic-indic-digit", "\u0661", '"\u0661"', "invalid syntax"),
                ("present-but-empty", "", '""', "invalid syntax"),
                ("over-int64", "9" * 20, f'"{"9" * 20}"', "value out of range"),
            )
        ),
        pytest.param(
            deployment(generation=3, observed=2),
            0,
            RolloutStatus(
                "Waiting for deployment spec update to be observed...", done=False, error=False
            ),
            id="no-pin-skips-revision-check",
        ),
    ],
)
def test_rollout_status_with_pinned_revision(
    obj: dict[str, Any], revision: int, expected: RolloutStatus
) -> None:
    assert rollout_status(obj, revision=revision) == expected


def test_rollout_messages_carry_no_trailing_newline() -> None:
    assert not rollout_status(deployment()).message.endswith("\n")
