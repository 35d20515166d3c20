"""The Deployment card: every view of one Deployment, combined."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest

from frontend.status.card import Counts, deployment_card
from frontend.status.health import HealthCode
from tools.platformkit.objects import (
    DEPLOYMENT_UID,
    DIGEST_V2,
    IMAGE_V2,
    NAMESPACE,
    NOW,
    container_status,
    event,
    mid_rollout,
    pod,
    replicaset,
    rolled_out,
    waiting_state,
)

Obj = dict[str, Any]


def _stranger() -> tuple[Obj, Obj]:
    """Another Deployment's ReplicaSet and pod in the same namespace."""
    rs = replicaset("9a9a9a9a9", revision=1, image="ghcr.io/acme/other:1", owner_uid="other-uid")
    rs["metadata"]["name"] = "api-9a9a9a9a9"
    rs["metadata"]["uid"] = "rs-uid-api"
    return rs, pod(rs, "ppppp")


def _events() -> list[Obj]:
    return [
        event(
            "Pod", "web-5c8d7f9b6-zzzzz", "BackOff", "Back-off restarting failed container", ago=5
        ),
        event(
            "Deployment", "web", "ProgressDeadlineExceeded", "timed out", ago=50, uid=DEPLOYMENT_UID
        ),
        event("ReplicaSet", "web-5c8d7f9b6", "FailedCreate", "exceeded quota", ago=20, count=7),
        event("Pod", "web-5c8d7f9b6-gone1", "Failed", "pod since deleted", ago=30),
        event("Pod", "web-5c8d7f9b6-zzzzz", "Pulled", "Successfully pulled", type_="Normal", ago=1),
        event("Pod", "api-9a9a9a9a9-ppppp", "BackOff", "someone else's pod", ago=2),
        event("Deployment", "web", "Other", "another namespace", ago=3)
        | {"involvedObject": {"kind": "Deployment", "name": "web", "namespace": "prod"}},
    ]


def _card(max_events: int = 10, meta: Obj | None = None) -> Any:
    dep, replicasets, pods = mid_rollout()
    stranger_rs, stranger_pod = _stranger()
    return deployment_card(
        dep,
        [stranger_rs, *replicasets],
        [stranger_pod, *pods],
        _events(),
        NOW,
        meta=meta,
        max_events=max_events,
    )


def test_card_combines_kubectl_argo_and_counts() -> None:
    card = _card()
    assert (card.name, card.namespace, card.revision, card.paused) == ("web", NAMESPACE, 2, False)
    assert card.health.code is HealthCode.PROGRESSING
    assert (
        card.health.message
        == "Waiting for rollout to finish: 1 out of 3 new replicas have been updated..."
    )
    assert card.rollout.message == (
        'Waiting for deployment "web" rollout to finish: '
        "1 out of 3 new replicas have been updated..."
    )
    assert card.rollout.done is False
    assert card.counts == Counts(
        desired=3, updated=1, ready=4, available=4, total=4, unavailable=0, old=3
    )
    assert [c.type for c in card.conditions] == ["Available", "Progressing"]


def test_card_image_is_tag_at_running_digest() -> None:
    card = _card()
    assert card.image == f"{IMAGE_V2}@{DIGEST_V2}"
    assert (card.images, card.pod_template_hash) == ((IMAGE_V2,), "5c8d7f9b6")


def test_card_pods_current_revision_first_and_only_its_own() -> None:
    card = _card()
    assert [(p.name, p.current) for p in card.pods] == [
        ("web-5c8d7f9b6-zzzzz", True),
        ("web-6b7c9d8f4-aaaaa", False),
        ("web-6b7c9d8f4-bbbbb", False),
        ("web-6b7c9d8f4-ccccc", False),
    ]


@pytest.mark.parametrize(
    ("max_events", "expected"),
    [
        pytest.param(
            10,
            [
                ("Pod", "web-5c8d7f9b6-zzzzz", "BackOff"),
                ("ReplicaSet", "web-5c8d7f9b6", "FailedCreate"),
                ("Pod", "web-5c8d7f9b6-gone1", "Failed"),
                ("Deployment", "web", "ProgressDeadlineExceeded"),
            ],
            id="warnings-about-deployment-replicasets-and-pods-newest-first",
        ),
        pytest.param(
            2,
            [
                ("Pod", "web-5c8d7f9b6-zzzzz", "BackOff"),
                ("ReplicaSet", "web-5c8d7f9b6", "FailedCreate"),
            ],
            id="limited",
        ),
        pytest.param(0, [], id="none-requested"),
    ],
)
def test_card_events(max_events: int, expected: list[tuple[str, str, str]]) -> None:
    card = _card(max_events)
    assert [(e.kind, e.name, e.reason) for e in card.events] == expected


def test_card_event_rows_carry_count_and_age() -> None:
    row = _card().events[1]
    assert (row.type, row.count, row.age, row.message) == ("Warning", 7, "20s", "exceeded quota")


def _pin(dep: Obj) -> None:
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = f"{IMAGE_V2}@{DIGEST_V2}"


def _no_containers(dep: Obj) -> None:
    dep["spec"]["template"]["spec"]["containers"] = []


def _no_running_digest(pods: list[Obj]) -> None:
    for each in pods:
        for status in each["status"]["containerStatuses"]:
            status["imageID"] = ""


@pytest.mark.parametrize(
    ("edit_deployment", "edit_pods", "expected"),
    [
        pytest.param(_pin, None, f"{IMAGE_V2}@{DIGEST_V2}", id="declared-digest-shown-as-is"),
        pytest.param(None, _no_running_digest, IMAGE_V2, id="no-digest-reported-yet"),
        pytest.param(_no_containers, None, "", id="template-without-containers"),
    ],
)
def test_card_image_when_the_digest_is_declared_or_unknown(
    edit_deployment: Any, edit_pods: Any, expected: str
) -> None:
    dep, replicasets, pods = mid_rollout()
    if edit_deployment:
        edit_deployment(dep)
    if edit_pods:
        edit_pods(pods)
    assert deployment_card(dep, replicasets, pods, [], NOW).image == expected


def test_card_turns_degraded_early_on_crashing_new_pod() -> None:
    dep, replicasets, pods = mid_rollout()
    crash = container_status(state=waiting_state("CrashLoopBackOff", "back-off 10s"), ready=False)
    pods[-1] = pod(replicasets[1], "zzzzz", ready=False, statuses=[crash])
    card = deployment_card(dep, replicasets, pods, [], NOW)
    assert card.health.code is HealthCode.DEGRADED
    assert card.health.message == (
        "pod web-5c8d7f9b6-zzzzz: container app waiting: CrashLoopBackOff (back-off 10s)"
    )
    assert card.pods[0].status == "CrashLoopBackOff"


def test_card_revisions_and_provenance() -> None:
    card = _card(meta={"git_sha": None, "image": {"ref": IMAGE_V2, "digest": DIGEST_V2}})
    assert card.revisions.current is not None
    assert card.revisions.current.revision == 2
    assert [r.draining for r in card.revisions.history] == [False, True]
    assert card.provenance.reasons == ("2 digests running: rollout in progress",)


def test_card_of_rolled_out_deployment() -> None:
    dep, replicasets, pods = rolled_out()
    card = deployment_card(dep, replicasets, pods, [], NOW)
    assert (card.health.code, card.rollout.done, card.provenance.mismatch) == (
        HealthCode.HEALTHY,
        True,
        False,
    )
    assert [r.collapsed for r in card.revisions.history] == [False, True]


def test_card_serialises_to_json_with_stable_fields() -> None:
    data = json.loads(json.dumps(asdict(_card())))
    assert list(data) == [
        "name",
        "namespace",
        "health",
        "rollout",
        "counts",
        "paused",
        "revision",
        "pod_template_hash",
        "image",
        "images",
        "conditions",
        "pods",
        "events",
        "revisions",
        "provenance",
        "kind",
        "nodes_not_ready",
    ]
    assert data["kind"] == "Deployment"
    assert data["health"] == {
        "code": "Progressing",
        "message": "Waiting for rollout to finish: 1 out of 3 new replicas have been updated...",
        "causes": [],
    }
    assert data["pods"][0]["current"] is True
    assert data["pods"][0]["node_ready"] is None  # set only from the pod's Node
