"""Current ReplicaSet and rollout history (docs/specs/rollout-semantics.md)."""

from __future__ import annotations

from typing import Any

import pytest

from frontend.status.revisions import belongs_to, owned_replicasets, revisions
from tools.platformkit.objects import (
    IMAGE_V1,
    IMAGE_V2,
    deployment,
    edited,
    mid_rollout,
    pod,
    replicaset,
    rolled_out,
    template,
)

Obj = dict[str, Any]
IMAGE_V3 = "ghcr.io/acme/backend:3.0.0"


def _scenario_template_changed_not_observed() -> tuple[Obj, list[Obj]]:
    dep, replicasets, _ = rolled_out()
    dep["metadata"]["generation"] = 3
    dep["spec"]["template"] = template(IMAGE_V3)
    return dep, replicasets


def _scenario_rollback_not_observed() -> tuple[Obj, list[Obj]]:
    # `kubectl rollout undo` patched the template back to revision 1's; the annotation still says 2.
    dep, replicasets, _ = rolled_out()
    dep["spec"]["template"] = template(IMAGE_V1)
    return dep, replicasets


def _scenario_duplicate_templates() -> tuple[Obj, list[Obj]]:
    dep, replicasets, _ = rolled_out()
    twin = replicaset("7f8e9d0c1", revision=3, image=IMAGE_V2, created_ago=10)
    return dep, [twin, *replicasets]


def _scenario_foreign_replicaset() -> tuple[Obj, list[Obj]]:
    dep, replicasets, _ = rolled_out()
    foreign = replicaset(
        "5c8d7f9b6", revision=9, image=IMAGE_V2, created_ago=9999, owner_uid="other"
    )
    foreign["metadata"]["uid"] = "rs-uid-foreign"
    return dep, [foreign, *replicasets]


def _scenario_no_replicasets() -> tuple[Obj, list[Obj]]:
    return deployment(revision=0), []


def _scenario_api_nulls_and_empties() -> tuple[Obj, list[Obj]]:
    # The API serialises "creationTimestamp": null in templates; a missing key must compare equal.
    dep, replicasets, _ = rolled_out()
    del dep["spec"]["template"]["metadata"]["creationTimestamp"]
    dep["spec"]["template"]["spec"]["securityContext"] = {}
    return dep, replicasets


@pytest.mark.parametrize(
    ("scenario", "expected_name", "expected_match"),
    [
        pytest.param(rolled_out()[:2], "web-5c8d7f9b6", "template", id="template-match"),
        pytest.param(
            mid_rollout()[:2], "web-5c8d7f9b6", "template", id="template-match-mid-rollout"
        ),
        pytest.param(
            _scenario_template_changed_not_observed(),
            "web-5c8d7f9b6",
            "revision",
            id="new-template-not-created-yet-falls-back-to-revision-annotation",
        ),
        pytest.param(
            _scenario_rollback_not_observed(),
            "web-6b7c9d8f4",
            "template",
            id="template-match-wins-over-revision-annotation-on-rollback",
        ),
        pytest.param(
            _scenario_duplicate_templates(),
            "web-5c8d7f9b6",
            "template",
            id="oldest-of-equal-templates",
        ),
        pytest.param(
            _scenario_foreign_replicaset(),
            "web-5c8d7f9b6",
            "template",
            id="replicaset-of-another-owner-ignored",
        ),
        pytest.param(
            _scenario_api_nulls_and_empties(), "web-5c8d7f9b6", "template", id="nulls-equal-missing"
        ),
        pytest.param(_scenario_no_replicasets(), None, "", id="no-replicasets-yet"),
    ],
)
def test_find_current_replicaset(
    scenario: tuple[Obj, list[Obj]], expected_name: str | None, expected_match: str
) -> None:
    dep, replicasets = scenario
    owned = owned_replicasets(dep, replicasets)
    current, matched_by = owned.current, owned.matched_by
    assert current is None or any(current is rs for rs in owned.replicasets)
    assert (current["metadata"]["name"] if current else None, matched_by) == (
        expected_name,
        expected_match,
    )


def test_history_is_newest_first_with_roles() -> None:
    dep, replicasets, _ = mid_rollout()
    replicasets[0]["metadata"]["annotations"]["kubernetes.io/change-cause"] = "deploy 1.0.0"
    replicasets[1]["metadata"]["annotations"]["kubernetes.io/change-cause"] = "deploy 2.0.0"
    history = revisions(owned_replicasets(dep, replicasets))
    assert history.current is not None
    assert history.current.name == "web-5c8d7f9b6"
    assert [(r.revision, r.change_cause, r.images) for r in history.history] == [
        (2, "deploy 2.0.0", (IMAGE_V2,)),
        (1, "deploy 1.0.0", (IMAGE_V1,)),
    ]
    new, old = history.history
    assert (new.current, new.draining, new.collapsed) == (True, False, False)
    assert (old.current, old.draining, old.collapsed) == (False, True, False)
    assert (old.desired, old.replicas, old.ready, old.available) == (3, 3, 3, 3)


@pytest.mark.parametrize(
    ("replicas_field", "value", "draining", "collapsed"),
    [
        pytest.param(None, 0, False, True, id="old-scaled-to-zero-is-collapsed"),
        pytest.param("spec", 1, True, False, id="old-with-desired-replicas-drains"),
        pytest.param("status", 1, True, False, id="old-with-pods-still-terminating-drains"),
    ],
)
def test_old_replicaset_roles(
    replicas_field: str | None, value: int, draining: bool, collapsed: bool
) -> None:
    dep, replicasets, _ = rolled_out()
    if replicas_field:
        replicasets[0][replicas_field]["replicas"] = value
    old = revisions(owned_replicasets(dep, replicasets)).history[1]
    assert (old.revision, old.draining, old.collapsed) == (1, draining, collapsed)


def test_revision_history_annotation_after_rollback() -> None:
    dep, replicasets, _ = rolled_out()
    replicasets[1]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = "1,3"
    assert revisions(owned_replicasets(dep, replicasets)).history[0].revision_history == (1, 3)


def test_owned_replicasets_filter_by_controller_uid_oldest_first() -> None:
    dep, replicasets = _scenario_foreign_replicaset()
    owned = owned_replicasets(dep, replicasets[::-1])
    names = [rs["metadata"]["name"] for rs in owned.replicasets]
    assert names == ["web-6b7c9d8f4", "web-5c8d7f9b6"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(lambda _: None, True, id="controller-owner-reference"),
        pytest.param(
            lambda p: p["metadata"].pop("ownerReferences"), True, id="orphan-matched-by-hash"
        ),
        pytest.param(
            lambda p: p["metadata"]["ownerReferences"][0].update(uid="rs-uid-other"),
            False,
            id="same-hash-other-owner",
        ),
        pytest.param(
            lambda p: (
                p["metadata"].pop("ownerReferences"),
                p["metadata"]["labels"].update({"pod-template-hash": "0000000"}),
            ),
            False,
            id="orphan-with-other-hash",
        ),
    ],
)
def test_pod_belongs_to_replicaset(edit: Any, expected: bool) -> None:
    _, replicasets, pods = rolled_out()
    assert belongs_to(edited(pods[0], edit), replicasets[1]) is expected
    assert belongs_to(pod(replicasets[0], "old00"), replicasets[1]) is False
