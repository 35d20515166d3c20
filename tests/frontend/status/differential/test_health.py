"""Argo CD's health on generated objects: the board's ports against gitops-engine itself, at
the version Argo CD v3.2.11 resolves (``pkg/health``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontend.status.health import Health, argo_deployment_health, pod_health, replicaset_health
from frontend.status.set_verdicts import argo_daemonset_health, argo_statefulset_health
from tests.frontend.status.differential.compare import (
    COMPARED,
    DIFFERENTIAL,
    argo_pod_health,
    seeded,
    shown,
)
from tests.support.apiobjects import daemonsets, deployments, pods, replicasets, statefulsets
from tests.support.oracle import Obj, Oracles

pytestmark = pytest.mark.oracle

Judge = Callable[[Mapping[str, Any]], Health]
WORKLOADS: dict[str, tuple[Callable[..., st.SearchStrategy[Obj]], Judge]] = {
    "Deployment": (deployments, argo_deployment_health),
    "ReplicaSet": (replicasets, replicaset_health),
    "StatefulSet": (statefulsets, argo_statefulset_health),
    "DaemonSet": (daemonsets, argo_daemonset_health),
}


def _compare(oracles: Oracles, kind: str, obj: Obj, label: str) -> None:
    status, message = oracles.health(shown(obj))
    board = WORKLOADS[kind][1](obj)
    if status == "":
        # gitops-engine has no check for the kind outside the apps group (no verdict at
        # all); the board needs one and says Unknown, naming the version (the spec's
        # "Objects being deleted, and other versions").
        assert board.code.value == "Unknown"
        assert board.message.startswith(f"unsupported {kind} GVK: ")
        COMPARED[f"Argo CD health, {kind}{label}, no upstream check"] += 1
        return
    assert (board.code.value, board.message) == (status, message)
    COMPARED[f"Argo CD health, {kind}{label}"] += 1


@pytest.mark.parametrize("kind", WORKLOADS)
@seeded
@DIFFERENTIAL
@given(data=st.data())
def test_workload_health_matches_argo_cd(oracles: Oracles, kind: str, data: st.DataObject) -> None:
    _compare(oracles, kind, data.draw(WORKLOADS[kind][0](), label=kind), "")


@pytest.mark.parametrize("kind", WORKLOADS)
@seeded
@DIFFERENTIAL
@given(data=st.data())
def test_workload_health_matches_argo_cd_on_objects_no_server_returns(
    oracles: Oracles, kind: str, data: st.DataObject
) -> None:
    """Other versions, the zero deletion time, odd names: Argo CD's front door."""
    obj = data.draw(WORKLOADS[kind][0](odd=True), label=kind)
    _compare(oracles, kind, obj, " (off-server values)")


@seeded
@DIFFERENTIAL
@given(pod=pods())
def test_pod_health_matches_argo_cd(oracles: Oracles, pod: Obj) -> None:
    status, message = argo_pod_health(oracles, shown(pod))
    board = pod_health(pod)
    assert (board.code.value, board.message) == (status, message)
    COMPARED["Argo CD health, Pod"] += 1


@seeded
@DIFFERENTIAL
@given(pod=pods(odd=True))
def test_pod_health_matches_argo_cd_on_objects_no_server_returns(
    oracles: Oracles, pod: Obj
) -> None:
    status, message = argo_pod_health(oracles, shown(pod))
    board = pod_health(pod)
    assert (board.code.value, board.message) == (status, message)
    COMPARED["Argo CD health, Pod (off-server values)"] += 1
