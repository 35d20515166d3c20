# ruff: noqa: E501 - rows hold kubectl's and Argo CD's exact messages, unbroken
"""StatefulSets and DaemonSets captured from the real control plane (tests/fixtures/k8s).

Each ``statefulset-*`` / ``daemonset-*`` file holds the workload, its ControllerRevisions,
its pods and the namespace's events, plus what the real ``kubectl rollout status
--watch=false`` printed for that same object (same resourceVersion). The pure rules of
``frontend.status.set_verdicts`` and the card of ``frontend.status.set_card`` run on them; kubectl's
message must be the one kubectl printed, and each scenario's verdict is pinned below.
Messages name revisions as ``{update}``/``{current}``: the object's own
``status.updateRevision``/``status.currentRevision``, which change on every capture.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import pytest

from frontend.status.health import Health, HealthCode
from frontend.status.objects import controlled_by, text
from frontend.status.rollout import RolloutStatus
from frontend.status.set_card import set_card
from frontend.status.set_verdicts import (
    argo_daemonset_health,
    argo_statefulset_health,
    daemonset_rollout_status,
    statefulset_rollout_status,
)
from tests.frontend.status.fixtures import SetCapture, load_set, set_scenarios

ONLY_ROLLING = "rollout status is only available for RollingUpdate strategy type"
HEALTHY, PROGRESSING = HealthCode.HEALTHY, HealthCode.PROGRESSING

Rules = tuple[Callable[[Mapping[str, Any]], RolloutStatus], Callable[[Mapping[str, Any]], Health]]
RULES: dict[str, Rules] = {
    "StatefulSet": (statefulset_rollout_status, argo_statefulset_health),
    "DaemonSet": (daemonset_rollout_status, argo_daemonset_health),
}


@dataclass(frozen=True)
class Expect:
    kubectl: str  # kubectl's message (``{update}``/``{current}`` filled from the status)
    done: bool
    error: bool  # kubectl exits 1 and prints ``error: <message>`` to stderr
    argo: HealthCode
    argo_message: str
    revision: int  # the card's current revision
    # revision -> (pods, Ready pods) on the card's revision rows
    revisions: dict[int, tuple[int, int]]
    # the pods the card marks current, in its order (StatefulSets: names are stable)
    current_pods: tuple[str, ...] | None = None


EXPECTED: dict[str, Expect] = {
    "statefulset-complete": Expect(
        "statefulset rolling update complete 3 pods at revision {current}...", True, False,
        HEALTHY, "statefulset rolling update complete 3 pods at revision {current}...",
        1, {1: (3, 3)}, ("web-0", "web-1", "web-2"),
    ),
    "statefulset-rolling-update-updating": Expect(
        "Waiting for 1 pods to be ready...", False, False,
        PROGRESSING, "Waiting for 1 pods to be ready...",
        2, {2: (1, 0), 1: (2, 2)}, ("web-2",),
    ),
    "statefulset-rolling-update-complete-revision-2": Expect(
        "statefulset rolling update complete 3 pods at revision {current}...", True, False,
        HEALTHY, "statefulset rolling update complete 3 pods at revision {current}...",
        2, {2: (3, 3), 1: (0, 0)}, ("web-0", "web-1", "web-2"),
    ),
    "statefulset-rolling-update-pod-terminating": Expect(
        "Waiting for partitioned roll out to finish: 0 out of 3 new pods have been updated...", False, False,
        PROGRESSING, "Waiting for partitioned roll out to finish: 0 out of 3 new pods have been updated...",
        2, {2: (0, 0), 1: (3, 3)}, (),
    ),
    "statefulset-partition-held": Expect(
        "partitioned roll out complete: 1 new pods have been updated...", True, False,
        HEALTHY, "partitioned roll out complete: 1 new pods have been updated...",
        2, {2: (1, 1), 1: (2, 2)}, ("web-2",),
    ),
    "statefulset-on-delete-waiting": Expect(
        ONLY_ROLLING, True, True, HEALTHY, "statefulset has 3 ready pods",
        2, {2: (0, 0), 1: (3, 3)}, (),
    ),
    "daemonset-complete": Expect(
        'daemon set "web" successfully rolled out', True, False, HEALTHY, "",
        1, {1: (2, 2)},
    ),
    "daemonset-rolling-update-updating": Expect(
        'Waiting for daemon set "web" rollout to finish: 1 out of 2 new pods have been updated...', False, False,
        PROGRESSING, 'Waiting for daemon set "web" rollout to finish: 1 out of 2 new pods have been updated...',
        2, {2: (1, 0), 1: (1, 1)},
    ),
    "daemonset-rolling-update-complete-revision-2": Expect(
        'daemon set "web" successfully rolled out', True, False, HEALTHY, "",
        2, {2: (2, 2), 1: (0, 0)},
    ),
    "daemonset-on-delete-waiting": Expect(
        ONLY_ROLLING, True, True, HEALTHY, "daemon set 0 out of 2 new pods have been updated",
        2, {2: (0, 0), 1: (2, 2)},
    ),
}  # fmt: skip

CAPTURED = set_scenarios()
SCENARIOS: list[object] = [*CAPTURED] or [
    pytest.param("", marks=pytest.mark.skip(reason="no captures yet: run `make fixtures`"))
]


@pytest.fixture(params=SCENARIOS)
def capture(request: pytest.FixtureRequest) -> SetCapture:
    return load_set(str(request.param))


def _filled(message: str, capture: SetCapture) -> str:
    return message.format(
        update=text(capture.workload, "status", "updateRevision"),
        current=text(capture.workload, "status", "currentRevision"),
    )


def test_every_capture_has_a_row_and_every_row_a_capture() -> None:
    assert sorted(EXPECTED) == CAPTURED
    assert set_scenarios("StatefulSet") == [n for n in CAPTURED if n.startswith("statefulset-")]
    assert set_scenarios("DaemonSet") == [n for n in CAPTURED if n.startswith("daemonset-")]


def test_the_capture_is_one_workload_with_its_own_objects(capture: SetCapture) -> None:
    assert capture.workload["kind"] == capture.kind
    assert str(capture.server_version).startswith("v1.")
    assert capture.controllerrevisions
    assert capture.pods
    for obj in (*capture.controllerrevisions, *capture.pods):
        assert controlled_by(obj, capture.workload), obj["metadata"]["name"]
    numbers = [r["revision"] for r in capture.controllerrevisions]
    assert numbers == sorted(numbers)


def test_kubectl_rule_says_what_kubectl_printed(capture: SetCapture) -> None:
    rollout = RULES[capture.kind][0](capture.workload)
    said = capture.kubectl
    assert said.command == f"kubectl rollout status {capture.kind.lower()}/web --watch=false"
    assert rollout.message == said.message
    # kubectl prints a status on stdout and exits 0, or an error on stderr and exits 1.
    if rollout.error:
        assert (said.exit_code, said.stdout, said.stderr) == (1, "", f"error: {rollout.message}\n")
    else:
        assert (said.exit_code, said.stdout, said.stderr) == (0, f"{rollout.message}\n", "")


def test_kubectl_verdict_per_scenario(capture: SetCapture) -> None:
    want = EXPECTED[capture.scenario]
    rollout = RULES[capture.kind][0](capture.workload)
    want_message = _filled(want.kubectl, capture)
    assert (rollout.message, rollout.done, rollout.error) == (want_message, want.done, want.error)


def test_argo_health_per_scenario(capture: SetCapture) -> None:
    want = EXPECTED[capture.scenario]
    health = RULES[capture.kind][1](capture.workload)
    assert (health.code, health.message) == (want.argo, _filled(want.argo_message, capture))


def test_set_card_per_scenario(capture: SetCapture) -> None:
    want = EXPECTED[capture.scenario]
    card = set_card(
        capture.workload,
        capture.controllerrevisions,
        capture.pods,
        capture.events,
        capture.captured_at,
        kind=capture.kind,
    )
    kubectl_rule, argo_rule = RULES[capture.kind]
    assert (card.kind, card.name) == (capture.kind, "web")
    assert card.namespace == capture.workload["metadata"]["namespace"]
    assert card.rollout == kubectl_rule(capture.workload)
    # No current pod fails, so nothing turns the verdict Degraded early: Argo CD's own.
    assert card.health == argo_rule(capture.workload)
    assert card.revision == want.revision
    history = {row.revision: (row.replicas, row.ready) for row in card.revisions.history}
    assert history == want.revisions
    assert [row.revision for row in card.revisions.history] == sorted(history, reverse=True)
    assert card.revisions.current is not None
    assert card.revisions.current.revision == want.revision
    current = [row.name for row in card.pods if row.current]
    assert len(current) == want.revisions[want.revision][0]
    if want.current_pods is not None:
        assert tuple(current) == want.current_pods
    # Current pods first, then the others; every pod of the workload has a row.
    flags = [row.current for row in card.pods]
    assert flags == sorted(flags, reverse=True)
    assert sorted(row.name for row in card.pods) == sorted(
        p["metadata"]["name"] for p in capture.pods
    )
    assert json.loads(json.dumps(asdict(card)))["kind"] == capture.kind
