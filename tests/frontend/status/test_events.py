"""Warning events about a card: one rule (``Subjects.involve``), an index only to find them fast."""

from __future__ import annotations

from typing import Any

import pytest

from frontend.status.events import EventIndex, Subjects, warning_events
from tools.platformkit.objects import NOW, event, mid_rollout

Obj = dict[str, Any]


def _subjects() -> Subjects:
    dep, replicasets, pods = mid_rollout()
    return Subjects.of(dep, replicasets, pods)


def _events() -> list[Obj]:
    dep, replicasets, pods = mid_rollout()
    return [
        event("Deployment", "web", "ProgressDeadlineExceeded", "by name", ago=50),
        event("Deployment", "renamed", "Odd", "by uid", uid=dep["metadata"]["uid"], ago=49),
        event("ReplicaSet", replicasets[1]["metadata"]["name"], "FailedCreate", "rs", ago=20),
        event("Pod", pods[0]["metadata"]["name"], "BackOff", "a live pod", ago=5),
        event("Pod", "web-5c8d7f9b6-gone1", "Failed", "a deleted pod of the new rs", ago=30),
        event("Pod", pods[0]["metadata"]["name"], "Pulled", "normal", type_="Normal", ago=1),
        event("Pod", "web-api-9a9a9a9a9-ppppp", "BackOff", "web-api's", ago=2),
        event("Deployment", "web-api", "Other", "web-api's deployment", ago=3),
        event("Deployment", "web", "Other", "another namespace", namespace="prod", ago=4),
        event("Service", "web", "Other", "same name, other kind", ago=6),
    ]


def test_event_index_finds_exactly_what_the_rule_involves() -> None:
    subjects, events = _subjects(), _events()

    found = EventIndex(events).about(subjects)

    expected = [e for e in events if e["type"] == "Warning" and subjects.involve(e)]
    assert found == expected
    assert [e["message"] for e in found] == [
        "by name", "by uid", "rs", "a live pod", "a deleted pod of the new rs",
    ]  # fmt: skip


def test_event_index_is_shared_by_cards_without_mixing_them() -> None:
    index = EventIndex(_events())
    api = Subjects(namespace="shop", uids=frozenset(), pod_prefixes=("web-api-9a9a9a9a9-",),
                   names=frozenset({("Deployment", "web-api")}))  # fmt: skip

    assert [e["message"] for e in index.about(api)] == ["web-api's", "web-api's deployment"]
    assert len(index.about(_subjects())) == 5


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_warning_events_are_newest_first_and_limited(limit: int) -> None:
    rows = warning_events(_events(), _subjects(), NOW, limit)

    assert [row.message for row in rows] == [
        "a live pod", "rs", "a deleted pod of the new rs", "by uid", "by name",
    ][:limit]  # fmt: skip
    assert all(row.type == "Warning" for row in rows)


def test_warning_events_read_an_index_and_a_list_alike() -> None:
    events = _events()

    assert warning_events(EventIndex(events), _subjects(), NOW) == warning_events(
        events, _subjects(), NOW
    )
