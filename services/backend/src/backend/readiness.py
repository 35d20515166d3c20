"""Readiness verdict as a pure function of the runtime state.

``current`` is the one verdict ``/readyz``, ``/meta`` and ``backend_ready`` all report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from backend.runtime import DependencyResult, Faults, Lifecycle, Runtime
from servicekit.redaction import redact_url


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


@dataclass(frozen=True)
class Verdict:
    ready: bool
    checks: tuple[Check, ...]


def evaluate(
    lifecycle: Lifecycle,
    faults: Faults,
    configured_dependencies: Iterable[str],
    results: dict[str, DependencyResult],
) -> Verdict:
    """List every check, like the apiserver's ``/readyz?verbose``; ready only if all pass."""
    checks = [
        Check(
            "startup",
            lifecycle.startup_complete,
            "start-up complete" if lifecycle.startup_complete else "start-up in progress",
        ),
        Check(
            "drain",
            not lifecycle.draining,
            "draining after SIGTERM" if lifecycle.draining else "not draining",
        ),
        Check(
            "operator",
            not faults.readiness_disabled,
            "disabled by an operator" if faults.readiness_disabled else "enabled",
        ),
    ]
    for url in configured_dependencies:
        result = results.get(url)
        # Named by the URL without its credentials: /readyz is unauthenticated.
        name = f"dependency:{redact_url(url)}"
        if result is None:
            checks.append(Check(name, False, "not checked yet"))
        else:
            checks.append(Check(name, result.ok, result.message))
    return Verdict(all(check.ok for check in checks), tuple(checks))


def state(runtime: Runtime) -> tuple[object, ...]:
    """What the verdict is a function of, cheaply: equal states give equal verdicts, so an
    answer made for one state serves every request until it changes (backend.answers)."""
    lifecycle, faults = runtime.lifecycle, runtime.faults
    own = (lifecycle.startup_complete, lifecycle.draining, faults.readiness_disabled)
    if not runtime.readiness_urls:
        return own
    results = runtime.dependency_results
    return own + tuple(
        (r.ok, r.message) if (r := results.get(url)) else None for url in runtime.readiness_urls
    )


def current(runtime: Runtime) -> Verdict:
    """The verdict of this process right now."""
    return evaluate(
        runtime.lifecycle, runtime.faults, runtime.readiness_urls, runtime.dependency_results
    )
