from __future__ import annotations

from backend.runtime import Faults, Lifecycle


def test_a_second_drain_signal_keeps_the_first_drain_start() -> None:
    lifecycle = Lifecycle(startup_complete=True)
    lifecycle.begin_drain()
    first = lifecycle.drain_started_monotonic
    lifecycle.begin_drain()
    assert lifecycle.draining is True
    assert first is not None
    assert lifecycle.drain_started_monotonic == first


def test_clearing_faults_switches_every_drill_off() -> None:
    faults = Faults(readiness_disabled=True, liveness_failing=True, latency_ms=250, error_rate=0.5)
    faults.clear()
    assert faults == Faults()
