"""What the board says of a Node, which nodes it lists, and a card's pods on them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from frontend.status.card import deployment_card, on_nodes
from frontend.status.nodes import NodeState, node_state, node_states, shown_nodes
from tests.frontend.status.node_objects import CNI, LOST, cordoned, lost, node, not_ready
from tools.platformkit.objects import NOW, rollout

T0 = datetime(2026, 12, 7, 9, 0, 10, tzinfo=UTC)
T1 = datetime(2026, 12, 7, 10, 0, 50, tzinfo=UTC)
UNREACHABLE = (
    "node.kubernetes.io/unreachable:NoSchedule",
    "node.kubernetes.io/unreachable:NoExecute",
)


def _no_conditions() -> dict[str, Any]:
    obj = node()
    del obj["status"]["conditions"]
    return obj


def _two_ready_conditions() -> dict[str, Any]:
    obj = node()  # printNode keeps the last condition of a type
    obj["status"]["conditions"].append({"type": "Ready", "status": "False", "reason": "X"})
    return obj


KUBELET_READY = ("KubeletReady", "kubelet is posting ready status")
NOT_READY_TAINT = ("node.kubernetes.io/not-ready:NoSchedule",)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(
            node(), ("Ready", True, *KUBELET_READY, T0, False, ()), id="ready"
        ),
        pytest.param(
            lost(), ("NotReady", None, "NodeStatusUnknown", LOST, T1, False, UNREACHABLE),
            id="kubelet-stopped-posting",
        ),
        pytest.param(
            not_ready(), ("NotReady", False, "KubeletNotReady", CNI, T1, False, NOT_READY_TAINT),
            id="kubelet-says-not-ready",
        ),
        pytest.param(
            cordoned(), ("Ready,SchedulingDisabled", True, *KUBELET_READY, T0, True, ()),
            id="cordoned-other-taints-left-out",
        ),
        pytest.param(
            _no_conditions(), ("Unknown", None, "", "", None, False, ()), id="no-ready-condition"
        ),
        pytest.param(
            _two_ready_conditions(), ("NotReady", False, "X", "", None, False, ()),
            id="last-ready-condition-wins",
        ),
    ],
)  # fmt: skip
def test_node_state(obj: dict[str, Any], expected: tuple[object, ...]) -> None:
    state = node_state(obj)
    assert state.name == "gp-node0"
    got = (state.status, state.ready, state.reason, state.message, state.since,
           state.unschedulable, state.taints)  # fmt: skip
    assert got == expected


def test_a_heartbeat_or_a_pulled_image_changes_nothing_the_board_says() -> None:
    later = node(rv="101", heartbeat="2026-12-07T10:05:00Z")
    later["status"]["images"].append({"names": ["busybox"], "sizeBytes": 1})
    assert node_state(later) == node_state(node())


def _states(*objs: dict[str, Any]) -> dict[str, NodeState]:
    return node_states(objs)


@pytest.mark.parametrize(
    ("count", "on_board", "limit", "shown", "left_out"),
    [
        pytest.param(3, set(), 50, ["n1", "n0", "n2"], 0, id="few-all-not-ready-first"),
        pytest.param(5, {"n3", "n4"}, 4, ["n3", "n4"], 3, id="many-only-board-pods-nodes"),
        pytest.param(5, {"n0", "n2", "n3", "n4"}, 3, ["n0", "n2", "n3"], 2, id="capped"),
        pytest.param(0, set(), 50, [], 0, id="none-seen"),
    ],
)
def test_shown_nodes(
    count: int, on_board: set[str], limit: int, shown: list[str], left_out: int
) -> None:
    nodes = [lost(f"n{n}") if n == 1 else node(f"n{n}") for n in range(count)]
    listed, out = shown_nodes(_states(*nodes), on_board, limit)
    assert ([s.name for s in listed], out) == (shown, left_out)


def _card() -> Any:
    objs = rollout("web", "shop")
    by_kind = {k: [o for o in objs if o["kind"] == k] for k in ("Deployment", "ReplicaSet", "Pod")}
    pods = by_kind["Pod"]
    pods[-1]["spec"]["nodeName"] = "node-2"
    return deployment_card(by_kind["Deployment"][0], by_kind["ReplicaSet"], pods, [], NOW)


@pytest.mark.parametrize(
    ("nodes", "node_ready", "unready"),
    [
        pytest.param([node("node-1"), node("node-2")], [True, True, True], [], id="all-ready"),
        pytest.param(
            [lost("node-1"), node("node-2")], [None, None, True], ["node-1"], id="one-lost"
        ),
        pytest.param(
            [not_ready("node-2")], [None, None, False], ["node-2"],
            id="one-not-ready-one-not-seen",
        ),
        pytest.param([node("elsewhere")], [None, None, None], [], id="pods-nodes-not-seen"),
    ],
)  # fmt: skip
def test_on_nodes_marks_each_pod_with_its_nodes_readiness(
    nodes: list[dict[str, Any]], node_ready: list[bool | None], unready: list[str]
) -> None:
    card = on_nodes(_card(), node_states(nodes))
    assert [pod.node_ready for pod in card.pods] == node_ready
    assert [state.name for state in card.nodes_not_ready] == unready


def test_on_nodes_without_nodes_keeps_the_card_and_a_node_back_clears_it() -> None:
    card = _card()
    assert on_nodes(card, {}) is card  # the board may not list nodes: the card as built
    lost_card = on_nodes(card, _states(lost("node-1")))
    back = on_nodes(lost_card, _states(node("node-1")))
    assert back.nodes_not_ready == ()
    assert back == on_nodes(card, _states(node("node-1")))
    assert back != lost_card
    assert replace(back, pods=card.pods) != lost_card
