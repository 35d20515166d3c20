"""Staleness: a Flux reconciliation that stopped going ahead, judged from the recorded
Kustomizations (tests/fixtures/flux), their GitRepository (flux_sources.py) and a ``now``.

Each case is one explicit edit of a recorded object, named in its id.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from frontend.status.staleness import (
    REQUESTED_AT,
    Staleness,
    flux_staleness,
    go_duration,
    next_due,
    requested_at,
)
from tests.frontend.status.fixtures import load_flux, variant
from tests.frontend.status.flux_sources import NEWER, ago, gitrepository, token

Obj = dict[str, Any]
NOW = datetime(2026, 12, 1, 10, 20, tzinfo=UTC)
RECONCILING = load_flux("reconciling")
# The recorded reconcile in progress: Ready=Unknown from 10:14:29, Reconciling=True from
# 10:14:30, timeout 30s.
STARTED = datetime(2026, 12, 1, 10, 14, 30, tzinfo=UTC)
SOURCE_ASKED = "reconcile asked of GitRepository capflux/gitops-platform not handled"
DEV_ASKED = "reconcile asked of Kustomization capflux/gitops-platform-dev not handled"
NOT_ATTEMPTED = (
    "source revision main@sha1:c0ffeec0ffee not attempted by Kustomization "
    "capflux/gitops-platform-dev"
)
OVERDUE = "reconcile of Kustomization capflux/gitops-platform-dev started and not finished " \
          "(timeout 30s)"  # fmt: skip


def _ks(scenario: str, *edits: Callable[[Obj], None]) -> Obj:
    obj = load_flux(scenario).kustomization
    for edit in edits:
        obj = variant(obj, edit)
    return obj


def asked(
    at: datetime | str, handled: str = "2026-12-01T10:00:00.000000Z"
) -> Callable[[Obj], None]:
    def edit(obj: Obj) -> None:
        obj["metadata"].setdefault("annotations", {})[REQUESTED_AT] = (
            at if isinstance(at, str) else token(at)
        )
        obj["status"]["lastHandledReconcileAt"] = handled

    return edit


def suspended(obj: Obj) -> None:
    obj["spec"]["suspend"] = True


def _unix(moment: datetime) -> str:
    """The push hook's ``date +%s.%N``."""
    return f"{int(moment.timestamp())}.000000000"


CASES = [
    pytest.param(_ks("ready"), gitrepository(), NOW, Staleness(), id="all-quiet"),
    pytest.param(_ks("ready"), gitrepository(requested=token(ago(NOW, 5))), NOW,
                 Staleness(due=ago(NOW, 5) + timedelta(seconds=10)),
                 id="source-asked-5s-ago-is-within-its-grace"),
    pytest.param(_ks("ready"), gitrepository(requested=token(ago(NOW, 25))), NOW,
                 Staleness("SourceReconcileNotHandled", SOURCE_ASKED, ago(NOW, 25)),
                 id="source-asked-25s-ago-not-handled"),
    pytest.param(_ks("ready"), gitrepository(requested=_unix(ago(NOW, 25))), NOW,
                 Staleness("SourceReconcileNotHandled", SOURCE_ASKED, ago(NOW, 25)),
                 id="source-asked-by-the-push-hook-in-unix-seconds"),
    pytest.param(_ks("ready"), gitrepository(requested="please"), NOW,
                 Staleness("SourceReconcileNotHandled", SOURCE_ASKED, None),
                 id="source-asked-with-a-token-that-is-no-time-has-no-age"),
    pytest.param(_ks("ready"), gitrepository(requested=token(ago(NOW, 60)),
                                             handled=token(ago(NOW, 60))), NOW,
                 Staleness(), id="source-asked-and-handled"),
    pytest.param(_ks("ready"), gitrepository(requested=token(ago(NOW, 60)), suspend=True), NOW,
                 Staleness(), id="suspended-source-is-not-stale"),
    pytest.param(_ks("ready"), gitrepository(requested=token(NOW + timedelta(seconds=5))), NOW,
                 Staleness(due=NOW + timedelta(seconds=15)),
                 id="source-asked-ahead-of-this-clock-waits-its-grace"),
    pytest.param(_ks("ready", asked(ago(NOW, 20))), gitrepository(), NOW,
                 Staleness("ReconcileNotHandled", DEV_ASKED, ago(NOW, 20)),
                 id="ready+asked-20s-ago-not-handled"),
    pytest.param(_ks("ready", asked(ago(NOW, 20))), None, NOW,
                 Staleness("ReconcileNotHandled", DEV_ASKED, ago(NOW, 20)),
                 id="ready+asked-without-its-source-on-the-board"),
    pytest.param(_ks("ready", asked(ago(NOW, 60)), suspended), gitrepository(NEWER), NOW,
                 Staleness(), id="ready+asked+suspended-is-not-stale"),
    pytest.param(_ks("reconciling", asked(STARTED - timedelta(seconds=1.5))),
                 gitrepository(RECONCILING.revisions["attempted"]), STARTED + timedelta(seconds=15),
                 Staleness(due=STARTED + timedelta(seconds=60)),
                 id="reconciling+asked-before-it-began-is-being-handled"),
    pytest.param(_ks("reconciling"), gitrepository(RECONCILING.revisions["attempted"]),
                 STARTED + timedelta(seconds=61),
                 Staleness("ReconcileOverdue", OVERDUE, STARTED),
                 id="reconciling-past-its-timeout-and-grace"),
    pytest.param(_ks("reconciling"), gitrepository(NEWER, stored_at=STARTED - timedelta(seconds=9)),
                 STARTED + timedelta(seconds=5), Staleness(due=STARTED + timedelta(seconds=60)),
                 id="reconciling+a-newer-artifact-stored-before-it-began"),
    pytest.param(_ks("ready"), gitrepository(NEWER, stored_at=ago(NOW, 40)), NOW,
                 Staleness("RevisionNotAttempted", NOT_ATTEMPTED, ago(NOW, 40)),
                 id="ready+new-revision-stored-40s-ago-not-attempted"),
    pytest.param(_ks("ready"), gitrepository(NEWER, stored_at=ago(NOW, 10)), NOW,
                 Staleness(due=ago(NOW, 10) + timedelta(seconds=30)),
                 id="ready+new-revision-stored-10s-ago-is-within-its-grace"),
    pytest.param(_ks("dependency-not-ready"), gitrepository(NEWER, stored_at=ago(NOW, 300)), NOW,
                 Staleness(), id="staging-held-by-its-dependency-leaves-new-revisions-alone"),
    pytest.param(_ks("artifact-failed"), gitrepository(NEWER, stored_at=ago(NOW, 300)), NOW,
                 Staleness(), id="staging-that-cannot-download-the-artifact-says-so-itself"),
    pytest.param(_ks("stalled"), gitrepository(NEWER, stored_at=ago(NOW, 300)), NOW,
                 Staleness(), id="stalled-staging-waits-for-a-spec-change-and-says-so"),
    pytest.param(_ks("health-check-failed"), gitrepository(NEWER, stored_at=ago(NOW, 40)), NOW,
                 Staleness("RevisionNotAttempted", NOT_ATTEMPTED, ago(NOW, 40)),
                 id="failing-dev-leaving-the-fix-unattempted"),
    pytest.param(_ks("ready"), gitrepository(NEWER, stored_at=ago(NOW, 40),
                                             requested=token(ago(NOW, 25))), NOW,
                 Staleness("SourceReconcileNotHandled", SOURCE_ASKED, ago(NOW, 25)),
                 id="the-source-is-reported-first"),
]  # fmt: skip


@pytest.mark.parametrize(("kustomization", "source", "now", "expected"), CASES)
def test_flux_staleness(
    kustomization: Obj, source: Obj | None, now: datetime, expected: Staleness
) -> None:
    found = flux_staleness(kustomization, source, now)

    assert found == expected
    assert found.stale == (expected.reason is not None)


def test_a_new_revision_counts_from_the_kustomizations_creation_when_later() -> None:
    # An artifact stored long before the Kustomization existed is not "40 minutes" late.
    kustomization = _ks("ready")
    created = datetime(2026, 12, 1, 10, 14, 2, tzinfo=UTC)
    source = gitrepository(NEWER, stored_at=created - timedelta(minutes=40))

    found = flux_staleness(kustomization, source, NOW)

    assert (found.reason, found.since) == ("RevisionNotAttempted", created)


def test_every_recorded_kustomization_with_its_source_at_its_attempt_is_quiet() -> None:
    # As captured: each controller alive, nothing asked and left; judged when captured.
    for scenario in ("ready", "recovered", "reconciliation-failed", "build-failed",
                     "health-check-failed", "artifact-failed", "stalled"):  # fmt: skip
        capture = load_flux(scenario)
        revision = capture.revisions.get("attempted", capture.revisions["applied"])
        kustomization = capture.kustomization
        now = datetime.fromisoformat(kustomization["status"]["conditions"][0]["lastTransitionTime"])
        found = flux_staleness(kustomization, gitrepository(revision), now)
        assert not found.stale, (scenario, found)


@pytest.mark.parametrize(
    ("value", "moment"),
    [
        pytest.param("2026-12-01T10:14:22.066594Z",
                     datetime(2026, 12, 1, 10, 14, 22, 66594, tzinfo=UTC), id="flux-reconcile"),
        pytest.param("2026-12-01T10:14:22.066594123Z",
                     datetime(2026, 12, 1, 10, 14, 22, 66594, tzinfo=UTC), id="rfc3339-nano"),
        pytest.param("2026-12-01T11:14:22+01:00",
                     datetime(2026, 12, 1, 10, 14, 22, tzinfo=UTC), id="rfc3339-offset"),
        pytest.param("1796119200.500000000",
                     datetime(2026, 12, 1, 10, 0, 0, 500000, tzinfo=UTC), id="date-+%s.%N"),
        pytest.param("1796119200", datetime(2026, 12, 1, 10, tzinfo=UTC), id="date-+%s"),
        pytest.param("now", None, id="a-word"),
        pytest.param("", None, id="empty"),
        pytest.param("-5", None, id="negative"),
    ],
)  # fmt: skip
def test_requested_at(value: str, moment: datetime | None) -> None:
    assert requested_at(value) == moment


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("60s", 60), ("1m30s", 90), ("10m0s", 600), ("1h", 3600), ("1.5m", 90), ("500ms", 0.5),
     ("", None), ("60", None), ("1m 30s", None), ("ten minutes", None)],
)  # fmt: skip
def test_go_duration(value: str, seconds: float | None) -> None:
    found = go_duration(value)

    assert (found.total_seconds() if found is not None else None) == seconds


def test_next_due_is_the_earliest_grace_to_end_across_kustomizations() -> None:
    dev = _ks("ready", asked(ago(NOW, 4)))  # due in 6 s
    staging = _ks("dependency-not-ready", asked(ago(NOW, 2)))  # due in 8 s
    overdue = _ks("ready", asked(ago(NOW, 60)))  # stale already: nothing left to wait for

    assert next_due([dev, staging], [gitrepository()], NOW) == ago(NOW, 4) + timedelta(seconds=10)
    assert next_due([overdue], [gitrepository()], NOW) is None
    assert next_due([], [], NOW) is None
