"""Prints how many objects each differential test compared with the upstream code."""

from __future__ import annotations

import pytest

from tests.frontend.status.differential.compare import COMPARED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not COMPARED:
        return
    terminalreporter.section("differential tier: objects compared with upstream code")
    for what, count in sorted(COMPARED.items()):
        terminalreporter.write_line(f"{count:>7}  {what}")
