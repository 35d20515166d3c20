"""``kubectl rollout status`` on generated objects: the board's port against kubectl itself
(k8s.io/kubectl pkg/polymorphichelpers at the cluster's release)."""

from __future__ import annotations

import pytest
from hypothesis import given, reject
from hypothesis import strategies as st

from frontend.status.rollout import rollout_status
from frontend.status.set_verdicts import daemonset_rollout_status, statefulset_rollout_status
from tests.frontend.status.differential.compare import (
    COMPARED,
    DIFFERENTIAL,
    kubectl_message,
    seeded,
    shown,
)
from tests.support.apiobjects import daemonsets, deployments, statefulsets
from tests.support.oracle import Obj, OracleRefusedError, Oracles

pytestmark = pytest.mark.oracle

# --revision values around what generated annotations hold, plus int64's edges.
REVISIONS = st.one_of(
    st.just(0), st.integers(1, 5), st.sampled_from([2**63 - 1, 99999999999999999])
)


def _compare_deployment(oracles: Oracles, deployment: Obj, revision: int, what: str) -> None:
    message, done, error = oracles.rollout_status(shown(deployment), revision)
    board = rollout_status(deployment, revision)
    assert (board.message, board.done, board.error) == (kubectl_message(message), done, error)
    COMPARED[what] += 1


@seeded
@DIFFERENTIAL
@given(deployment=deployments(), revision=REVISIONS)
def test_deployment_rollout_status_matches_kubectl(
    oracles: Oracles, deployment: Obj, revision: int
) -> None:
    _compare_deployment(oracles, deployment, revision, "kubectl rollout status, Deployment")


@seeded
@DIFFERENTIAL
@given(deployment=deployments(odd=True), revision=REVISIONS)
def test_deployment_rollout_status_matches_kubectl_on_objects_no_server_returns(
    oracles: Oracles, deployment: Obj, revision: int
) -> None:
    """Odd revision annotations, odd names and versions: kubectl's parsing and quoting."""
    _compare_deployment(
        oracles, deployment, revision, "kubectl rollout status, Deployment (off-server values)"
    )


SETS = {
    "StatefulSet": (statefulsets, statefulset_rollout_status),
    "DaemonSet": (daemonsets, daemonset_rollout_status),
}


@pytest.mark.parametrize("odd", [False, True], ids=["server-shaped", "off-server values"])
@pytest.mark.parametrize("kind", SETS)
@seeded
@DIFFERENTIAL
@given(data=st.data())
def test_set_rollout_status_matches_kubectl(
    oracles: Oracles, kind: str, odd: bool, data: st.DataObject
) -> None:
    strategy, judge = SETS[kind]
    obj = data.draw(strategy(odd=odd), label=kind)
    try:
        message, done, error = oracles.rollout_status(shown(obj))
    except OracleRefusedError as exc:
        # kubectl has no viewer for a StatefulSet outside apps (extensions/v1beta1): no
        # verdict to compare, and the board watches apps/v1 only. Anything else fails.
        if "no status viewer has been implemented" not in str(exc):
            raise
        COMPARED[f"kubectl rollout status, {kind} (off-server values), no upstream viewer"] += 1
        reject()
    board = judge(obj)
    assert (board.message, board.done, board.error) == (kubectl_message(message), done, error)
    COMPARED[f"kubectl rollout status, {kind}{' (off-server values)' if odd else ''}"] += 1
