from __future__ import annotations

import pytest

from backend.readiness import Check, current, evaluate
from backend.runtime import DependencyResult, Faults, Lifecycle, Runtime


def _lifecycle(started: bool = True, draining: bool = False) -> Lifecycle:
    lifecycle = Lifecycle(startup_complete=started)
    if draining:
        lifecycle.begin_drain()
    return lifecycle


DEP = "http://127.0.0.1:9/healthz"


@pytest.mark.parametrize(
    ("case", "lifecycle", "faults", "results", "ready", "failing"),
    [
        (
            "all good",
            _lifecycle(),
            Faults(),
            {DEP: DependencyResult(DEP, True, "HTTP 200", 0)},
            True,
            [],
        ),
        (
            "starting",
            _lifecycle(started=False),
            Faults(),
            {DEP: DependencyResult(DEP, True, "", 0)},
            False,
            ["startup"],
        ),
        (
            "draining",
            _lifecycle(draining=True),
            Faults(),
            {DEP: DependencyResult(DEP, True, "", 0)},
            False,
            ["drain"],
        ),
        (
            "operator",
            _lifecycle(),
            Faults(readiness_disabled=True),
            {DEP: DependencyResult(DEP, True, "", 0)},
            False,
            ["operator"],
        ),
        ("dep never checked", _lifecycle(), Faults(), {}, False, [f"dependency:{DEP}"]),
        (
            "dep failing",
            _lifecycle(),
            Faults(),
            {DEP: DependencyResult(DEP, False, "HTTP 500", 0)},
            False,
            [f"dependency:{DEP}"],
        ),
        (
            "liveness drill does not touch readiness",
            _lifecycle(),
            Faults(liveness_failing=True, latency_ms=900, error_rate=1.0),
            {DEP: DependencyResult(DEP, True, "", 0)},
            True,
            [],
        ),
        (
            "several at once",
            _lifecycle(started=False, draining=True),
            Faults(readiness_disabled=True),
            {},
            False,
            ["startup", "drain", "operator", f"dependency:{DEP}"],
        ),
    ],
)
def test_readiness_lists_every_check(
    case: str,
    lifecycle: Lifecycle,
    faults: Faults,
    results: dict[str, DependencyResult],
    ready: bool,
    failing: list[str],
) -> None:
    verdict = evaluate(lifecycle, faults, [DEP], results)
    assert verdict.ready is ready, case
    assert [c.name for c in verdict.checks if not c.ok] == failing
    assert [c.name for c in verdict.checks][:3] == ["startup", "drain", "operator"]


def test_no_dependencies_configured_means_three_checks() -> None:
    verdict = evaluate(_lifecycle(), Faults(), [], {})
    assert verdict.ready
    assert len(verdict.checks) == 3


def test_current_verdict_waits_for_every_url_the_runtime_expects() -> None:
    other = "http://127.0.0.1:10/healthz"
    runtime = Runtime(
        lifecycle=_lifecycle(),
        readiness_urls=(DEP, other),
        dependency_results={
            DEP: DependencyResult(DEP, True, "HTTP 200 in 3 ms", 0),
            "http://removed.test/": DependencyResult("http://removed.test/", False, "gone", 0),
        },
    )
    verdict = current(runtime)
    assert verdict.ready is False
    assert verdict.checks[3:] == (
        Check(f"dependency:{DEP}", True, "HTTP 200 in 3 ms"),
        Check(f"dependency:{other}", False, "not checked yet"),
    )
