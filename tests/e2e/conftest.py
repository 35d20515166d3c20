"""Drill fixtures: the timings report (the drill's real node is tests.support.realnode's)."""

from __future__ import annotations

import pytest

from tests.e2e.timings import TIMINGS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in TIMINGS:
        terminalreporter.write_line(f"[drill] {line}")
