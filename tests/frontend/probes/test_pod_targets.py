"""Which backend pods the probes reach: running, selected, addressable, not terminating."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from frontend.probes.pod_targets import Target, backend_pod_targets, parse_selector

Json = dict[str, Any]
SELECTOR = "app.kubernetes.io/name=backend"


def _pod(name: str = "backend-1", edit: Callable[[Json], object] = lambda _: None) -> Json:
    pod: Json = {
        "metadata": {"name": name, "labels": {"app.kubernetes.io/name": "backend", "tier": "api"}},
        "status": {"phase": "Running", "podIP": "10.244.0.7"},
    }
    edit(pod)
    return pod


TARGET = [Target("backend-1", "http://10.244.0.7:8080")]

CASES = [
    pytest.param(_pod(), SELECTOR, TARGET, id="running-selected-pod"),
    pytest.param(
        _pod(), "app.kubernetes.io/name=backend,tier=api", TARGET, id="every-label-matches"
    ),
    pytest.param(_pod(), "app.kubernetes.io/name=backend,tier=web", [], id="one-label-differs"),
    pytest.param(_pod(), "app.kubernetes.io/name=frontend", [], id="not-selected"),
    pytest.param(_pod(), "missing=", [], id="empty-value-still-needs-the-label"),
    pytest.param(
        _pod(edit=lambda p: p["metadata"]["labels"].update(flag="")),
        "flag=",
        TARGET,
        id="empty-value-matches-an-empty-label",
    ),
    pytest.param(
        _pod(edit=lambda p: p["status"].update(phase="Pending")), SELECTOR, [], id="pending"
    ),
    pytest.param(
        _pod(edit=lambda p: p["status"].update(phase="Succeeded")), SELECTOR, [], id="finished"
    ),
    pytest.param(_pod(edit=lambda p: p["status"].pop("podIP")), SELECTOR, [], id="no-pod-ip-yet"),
    pytest.param(
        _pod(edit=lambda p: p["metadata"].update(deletionTimestamp="2026-03-01T12:00:00Z")),
        SELECTOR,
        [],
        id="terminating",
    ),
    pytest.param(
        _pod(edit=lambda p: p["metadata"].pop("labels")), SELECTOR, [], id="pod-without-labels"
    ),
    pytest.param(
        _pod(edit=lambda p: p["status"].update(podIP="fd00::7")),
        SELECTOR,
        [Target("backend-1", "http://[fd00::7]:8080")],
        id="ipv6-address-in-brackets",
    ),
]


@pytest.mark.parametrize(("pod", "selector", "expected"), CASES)
def test_backend_pod_targets(pod: Json, selector: str, expected: list[Target]) -> None:
    assert backend_pod_targets([pod], selector, 8080) == expected


def test_backend_pod_targets_keep_the_pods_order_and_use_the_port() -> None:
    pods = [_pod("backend-b"), _pod("frontend", lambda p: p["metadata"]["labels"].clear()),
            _pod("backend-a", lambda p: p["status"].update(podIP="10.244.0.8"))]  # fmt: skip

    targets = backend_pod_targets(pods, SELECTOR, 9000)

    assert targets == [
        Target("backend-b", "http://10.244.0.7:9000"),
        Target("backend-a", "http://10.244.0.8:9000"),
    ]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=backend", {"app": "backend"}),
        ("app=backend,tier=api", {"app": "backend", "tier": "api"}),
        ("app.kubernetes.io/name=", {"app.kubernetes.io/name": ""}),
    ],
)
def test_parse_selector(selector: str, expected: dict[str, str]) -> None:
    assert parse_selector(selector) == expected
