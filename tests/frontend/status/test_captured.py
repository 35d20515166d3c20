"""Invariants every captured scenario must satisfy, whatever the control plane recorded.

Scenario-specific expectations live next to the rules they exercise (test_health.py etc.);
these run over every file in tests/fixtures/k8s, so a newly captured scenario is covered too.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict

import pytest

from frontend.status.card import deployment_card
from frontend.status.health import HealthCode, argo_deployment_health
from frontend.status.objects import deleting, flag
from frontend.status.pods import pod_row
from frontend.status.rollout import rollout_status
from tests.frontend.status.fixtures import Capture, load, scenarios

SCENARIOS: list[object] = [*scenarios()] or [
    pytest.param("", marks=pytest.mark.skip(reason="no captures yet: run `make fixtures`"))
]


@pytest.fixture(params=SCENARIOS)
def capture(request: pytest.FixtureRequest) -> Capture:
    return load(str(request.param))


def test_card_builds_and_serialises(capture: Capture) -> None:
    assert capture.deployment is not None
    card = deployment_card(
        capture.deployment, capture.replicasets, capture.pods, capture.events, capture.captured_at
    )
    assert json.loads(json.dumps(asdict(card)))["name"] == capture.deployment["metadata"]["name"]
    assert len(card.pods) <= len(capture.pods)


def test_kubectl_and_argo_agree_on_done(capture: Capture) -> None:
    # docs/specs/rollout-semantics.md: Argo CD's rules are kubectl's plus paused (and deletion).
    dep = capture.deployment
    assert dep is not None
    kubectl, argo = rollout_status(dep), argo_deployment_health(dep)
    # Argo CD answers these two before kubectl's rules run.
    if deleting(dep):
        assert (argo.code, argo.message) == (HealthCode.PROGRESSING, "Pending deletion")
        return
    if flag(dep, "spec", "paused"):
        assert (argo.code, argo.message) == (HealthCode.SUSPENDED, "Deployment is paused")
        return
    assert kubectl.done is (argo.code is HealthCode.HEALTHY)
    assert kubectl.error is (argo.code is HealthCode.DEGRADED)


def test_pod_columns_are_well_formed(capture: Capture) -> None:
    for obj in capture.pods:
        row = pod_row(obj, capture.captured_at)
        assert row.status
        assert re.fullmatch(r"\d+/\d+", row.ready)
        assert re.fullmatch(r"\d+( \(\S+ ago\))?", row.restarts_text)
        assert row.age not in ("<unknown>", "<invalid>")
