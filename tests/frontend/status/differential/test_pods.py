"""The pod columns on generated pods: the board's ``printPod`` port against the apiserver's
own table convertor (k8s.io/kubernetes pkg/printers at the cluster's release)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given

from frontend.status.pods import pod_status
from tests.frontend.status.differential.compare import COMPARED, DIFFERENTIAL, seeded, shown
from tests.support.apiobjects import pods
from tests.support.oracle import Obj, Oracles

pytestmark = pytest.mark.oracle

# "3 (5m2s ago)": the count is compared exactly; the age depends on each side's clock.
_RESTARTS = re.compile(r"(\d+)( \(.+ ago\))?")


def _restarts(cell: str) -> tuple[str, bool]:
    match = _RESTARTS.fullmatch(cell)
    assert match is not None, cell
    return match.group(1), match.group(2) is not None


def _compare(oracles: Oracles, pod: Obj, what: str) -> None:
    cells = oracles.pod_row(shown(pod))
    board = pod_status(pod, datetime.now(UTC))
    assert (board.ready, board.status, _restarts(board.restarts_text)) == (
        cells[1],
        cells[2],
        _restarts(cells[3]),
    )
    COMPARED[what] += 1


@seeded
@DIFFERENTIAL
@given(pod=pods())
def test_pod_columns_match_the_apiserver_table(oracles: Oracles, pod: Obj) -> None:
    _compare(oracles, pod, "kubectl get pods READY/STATUS/RESTARTS")


@seeded
@DIFFERENTIAL
@given(pod=pods(odd=True))
def test_pod_columns_match_the_apiserver_table_on_objects_no_server_returns(
    oracles: Oracles, pod: Obj
) -> None:
    """The zero time as a restart's finish or a deletion mark: what the typed Pod makes of it."""
    _compare(oracles, pod, "kubectl get pods READY/STATUS/RESTARTS (off-server values)")
