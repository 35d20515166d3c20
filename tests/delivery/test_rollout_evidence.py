"""rollout_failure on objects captured from a real control plane (tests/fixtures/k8s/).

The captured Deployments run tagged podinfo images; each case rewrites a tag into a
digest (``repository@sha256:...``, as the overlays pin them), so the promoted version
and an older one can be told apart the way verify tells them apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from delivery.rollout_evidence import (
    DeadlineConfirmation,
    confirmation_seconds,
    held_by_registry,
    not_delivered,
    rollout_failure,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "k8s"
NEW = "sha256:" + "a" * 64
OLD = "sha256:" + "b" * 64
OTHER = "sha256:" + "c" * 64
PODINFO = "ghcr.io/stefanprodan/podinfo"

Obj = dict[str, Any]


def captured(scenario: str, digests: dict[str, str]) -> Obj:
    """A capture with each ``podinfo:<tag>`` of DIGESTS rewritten as ``podinfo@<digest>``."""
    text = (FIXTURES / f"{scenario}.json").read_text()
    for tag, digest in digests.items():
        text = text.replace(f'"{PODINFO}:{tag}"', f'"{PODINFO}@{digest}"')
    doc: Obj = json.loads(text)
    return doc


def judge(doc: Obj, digest: str | None) -> str | None:
    return rollout_failure(doc["deployment"], doc["pods"], doc["events"], digest)


def deadline_exceeded() -> Obj:
    return captured("progress-deadline-exceeded", {"6.9.0": NEW})


def stale_generation() -> Obj:
    doc = deadline_exceeded()
    doc["deployment"]["metadata"]["generation"] = 2  # observedGeneration stays 1
    return doc


DEADLINE = 'ProgressDeadlineExceeded: ReplicaSet "web-84f955569" has timed out progressing.'
PROBE = "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503 (x2)"


@pytest.mark.parametrize(
    ("doc", "digest", "expected"),
    [
        pytest.param(
            deadline_exceeded, NEW, f"{DEADLINE}; {PROBE}; {PROBE}",
            id="deadline-exceeded-at-the-digest-quotes-two-warnings",
        ),
        pytest.param(stale_generation, NEW, None, id="deadline-of-a-stale-generation"),
        pytest.param(deadline_exceeded, OTHER, None, id="deadline-of-a-template-at-another-digest"),
        pytest.param(deadline_exceeded, None, DEADLINE, id="deadline-without-a-digest"),
        pytest.param(
            lambda: captured("crashloop", {"6.9.0": NEW}), NEW,
            "pod web-5745db7dd-fxdfb: container app CrashLoopBackOff; "
            "BackOff: Back-off restarting failed container (x2); "
            "BackOff: Back-off restarting failed container (x2)",
            id="new-pod-crashloop-at-once",
        ),
        pytest.param(
            lambda: captured("image-pull-backoff", {"6.9.0": NEW}), NEW,
            "pod web-7c9bfff9f5-48ww9: container app ImagePullBackOff; "
            "Failed: Error: ImagePullBackOff (x2); Failed: Error: ImagePullBackOff (x2)",
            id="new-pod-image-pull-backoff-at-once",
        ),
        pytest.param(
            lambda: captured("new-rs-image-pull-backoff", {"6.9.0": OLD, "does-not-exist": NEW}),
            NEW,
            "pod web-7d74458cf9-xx9kq: container app ImagePullBackOff; "
            "Failed: Error: ImagePullBackOff (x2)",
            id="the-one-new-pod-stuck-while-old-pods-serve",
        ),
        pytest.param(
            lambda: captured("crashloop", {"6.9.0": OLD}), NEW, None,
            id="old-pods-problems-ignored",
        ),
        pytest.param(
            lambda: captured("crashloop", {"6.9.0": NEW}), None, None,
            id="pod-problems-unjudged-without-a-digest",
        ),
        pytest.param(
            lambda: captured("rolling-update-updating", {"6.9.0": OLD, "6.9.1": NEW}), NEW, None,
            id="progressing-normally",
        ),
        pytest.param(
            lambda: captured("complete", {"6.9.0": NEW}), NEW, None, id="complete",
        ),
        pytest.param(
            lambda: captured("generation-not-observed", {"6.9.0": OLD, "6.9.1": NEW}), NEW, None,
            id="new-generation-not-observed-yet",
        ),
        pytest.param(
            lambda: captured("init-crashloop", {"6.9.0": NEW}), NEW,
            "pod web-59d8f7948d-8nmzl: container init CrashLoopBackOff; "
            "BackOff: Back-off restarting failed init container (x2); "
            "BackOff: Back-off restarting failed init container (x2)",
            id="new-pod-init-container-crashloop-at-once",
        ),
    ],
)  # fmt: skip
def test_rollout_failure(doc: Callable[[], Obj], digest: str | None, expected: str | None) -> None:
    assert judge(doc(), digest) == expected


def test_warnings_are_the_new_pods_newest_first_at_most_two() -> None:
    doc = captured("crashloop", {"6.9.0": NEW})
    pod = doc["pods"][0]["metadata"]["name"]

    def event(reason: str, when: dict[str, str], count: int | None, name: str = pod) -> Obj:
        involved = {"kind": "Pod", "name": name}
        return {"type": "Warning", "reason": reason, "message": f" {reason} happened\n",
                "involvedObject": involved, "count": count, **when}  # fmt: skip

    doc["events"] = [
        event("Oldest", {"lastTimestamp": "2026-11-26T04:30:00Z"}, 5),
        event("Newest", {"eventTime": "2026-11-26T04:32:00.000000Z"}, None),
        event("Middle", {"lastTimestamp": "2026-11-26T04:31:00Z"}, 3),
        event("OtherPod", {"lastTimestamp": "2026-11-26T04:33:00Z"}, 1, name="web-old-abcde"),
        {**event("Normal", {"lastTimestamp": "2026-11-26T04:34:00Z"}, 1), "type": "Normal"},
    ]
    reason = judge(doc, NEW)
    assert reason == (
        f"pod {pod}: container app CrashLoopBackOff; "
        "Newest: Newest happened (x1); Middle: Middle happened (x3)"
    )


def test_a_waiting_reason_that_waiting_cures_is_no_failure() -> None:
    doc = captured("crashloop", {"6.9.0": NEW})
    for pod in doc["pods"]:
        for status in pod["status"]["containerStatuses"]:
            status["state"] = {"waiting": {"reason": "ContainerCreating"}}
    assert judge(doc, NEW) is None


def test_sparse_objects_are_no_failure() -> None:
    assert rollout_failure({}, [{"metadata": {"name": "p"}}], [], NEW) is None
    assert rollout_failure({"status": {"conditions": []}}, [], [], None) is None


REFUSED = (
    'failed to pull and unpack image "127.0.0.1:41234/gitops-platform/backend@{d}": failed to '
    'resolve image: failed to do request: Head "http://127.0.0.1:41234/v2/gitops-platform/'
    'backend/manifests/{d}": dial tcp 127.0.0.1:41234: connect: connection refused'
)
MISSING = 'failed to pull and unpack image "127.0.0.1:41234/gitops-platform/backend@{d}": not found'


def pulls_failing(fixture: str, waiting: str, event: str | None, deadline: bool = False) -> Obj:
    """A capture whose new pods wait with WAITING, each with a kubelet ``Failed`` EVENT."""
    doc = captured(fixture, {"6.9.0": NEW})
    for pod in doc["pods"]:
        for status in pod["status"]["containerStatuses"]:
            status["state"]["waiting"]["message"] = waiting.format(d=NEW)
    for item in doc["events"]:
        if item["reason"] == "Failed" and event is not None:
            item["message"] = f'Failed to pull image "backend@{NEW}": {event.format(d=NEW)}'
    if deadline:
        doc["deployment"]["status"]["conditions"] = deadline_exceeded()["deployment"]["status"][
            "conditions"
        ]
    return doc


@pytest.mark.parametrize(
    ("fixture", "waiting", "event", "deadline", "failed"),
    [
        pytest.param("err-image-pull", REFUSED, None, False, False, id="refused-in-the-message"),
        pytest.param("image-pull-backoff", "Back-off pulling image", REFUSED, False, False,
                     id="back-off-refused-in-the-newest-event"),
        pytest.param("image-pull-backoff", "Back-off pulling image", "dial tcp: i/o timeout",
                     False, False, id="timeout"),
        pytest.param("err-image-pull", "received unexpected HTTP status: 503 Service Unavailable",
                     None, False, False, id="registry-503"),
        pytest.param("err-image-pull", REFUSED, None, True, False,
                     id="deadline-missed-while-the-registry-was-away"),
        pytest.param("err-image-pull", MISSING, None, False, True, id="digest-not-found-fails"),
        pytest.param("image-pull-backoff", "Back-off pulling image", MISSING, True, True,
                     id="back-off-on-a-missing-digest-fails"),
    ],
)  # fmt: skip
def test_a_registry_that_does_not_answer_holds_the_rollout_without_failing_it(
    fixture: str, waiting: str, event: str | None, deadline: bool, failed: bool
) -> None:
    doc = pulls_failing(fixture, waiting, event, deadline)
    reason = judge(doc, NEW)
    assert (reason is not None) == failed, reason
    held = held_by_registry(doc["pods"], doc["events"], NEW)
    assert (held is None) == failed, held
    if held:
        assert held.endswith("the registry does not answer")


@pytest.mark.parametrize(
    ("deadline", "seconds"),
    [(15, 30.0), (45, 45.0), (600, 60.0), (None, 60.0), ("15", 60.0)],
)
def test_a_deadline_is_confirmed_over_one_more_deadline_within_bounds(
    deadline: object, seconds: float
) -> None:
    spec = {} if deadline is None else {"progressDeadlineSeconds": deadline}
    assert confirmation_seconds({"spec": spec}) == seconds


def test_a_deadline_verdict_counts_only_once_it_has_stood() -> None:
    doc = deadline_exceeded()
    deployment = doc["deployment"]
    deployment["spec"]["progressDeadlineSeconds"] = 15  # confirmed over 30 s
    verdict = judge(doc, NEW)
    assert verdict is not None
    confirm = DeadlineConfirmation()
    assert confirm.judge(verdict, deployment, 100.0) is None
    assert confirm.waiting(110.0) == 10.0
    assert confirm.judge(verdict, deployment, 129.9) is None
    assert confirm.judge(verdict, deployment, 130.0) == verdict
    # Progress clears it: the next deadline starts its confirmation anew.
    assert confirm.judge(None, deployment, 131.0) is None
    assert confirm.waiting(131.0) is None
    assert confirm.judge(verdict, deployment, 140.0) is None


def test_a_pods_verdict_is_never_delayed() -> None:
    doc = captured("crashloop", {"6.9.0": NEW})
    verdict = judge(doc, NEW)
    assert verdict is not None
    assert DeadlineConfirmation().judge(verdict, doc["deployment"], 0.0) == verdict


@pytest.mark.parametrize(
    ("doc", "digest", "expected"),
    [
        pytest.param(
            lambda: captured("complete", {"6.9.0": OLD}), NEW,
            f"the Deployment's template still pins podinfo@{OLD[:19]}..., not {NEW[:19]}...",
            id="template-at-the-old-digest",
        ),
        pytest.param(
            lambda: captured("complete", {"6.9.0": NEW}), NEW, None, id="template-at-the-digest",
        ),
        pytest.param(
            lambda: captured("rolling-update-updating", {"6.9.0": OLD, "6.9.1": NEW}), NEW, None,
            id="delivered-and-rolling-out",
        ),
        pytest.param(
            lambda: captured("progress-deadline-exceeded", {"6.9.0": NEW}), NEW, None,
            id="delivered-and-failing-is-judged-elsewhere",
        ),
        pytest.param(lambda: {"deployment": {}}, NEW, None, id="no-deployment-read-says-nothing"),
    ],
)  # fmt: skip
def test_not_delivered(doc: Callable[[], Obj], digest: str, expected: str | None) -> None:
    assert not_delivered(doc()["deployment"], digest) == expected
