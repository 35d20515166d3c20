"""Both services' OpenAPI documents against what the running processes answer.

schemathesis (pinned in uv.lock) generates requests from each document, valid and
not, and checks every answer with all its checks: no 5xx, only documented status
codes and content types, bodies matching their schemas. Seeds are fixed, so a
failure reproduces. ``/events`` is left out: the stream never ends
(tests/frontend/routes/test_feed.py tests it). The drills run apart from the probes:
switched on by the fuzzer, they would make /healthz and /readyz answer their
documented 503s, which the "no server error" check counts.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.constants import FAULTS_TOKEN
from tools.platformkit.processes import ServiceProcess, backend_process, frontend_process

pytestmark = pytest.mark.process

ST = str(Path(sys.executable).with_name("st"))
RUNS: dict[str, tuple[Callable[[], ServiceProcess], list[str]]] = {
    "backend": (lambda: backend_process({"BACKEND_LOG_LEVEL": "warning"}), []),
    "backend-drills": (
        lambda: backend_process(
            {
                "BACKEND_LOG_LEVEL": "warning",
                "BACKEND_FAULTS_ENABLED": "true",
                "BACKEND_FAULTS_TOKEN": FAULTS_TOKEN,
            }
        ),
        ["--include-path", "/faults", "-H", f"Authorization: Bearer {FAULTS_TOKEN}"],
    ),
    "frontend": (
        lambda: frontend_process({"FRONTEND_LOG_LEVEL": "warning"}),
        ["--exclude-path", "/events"],
    ),
}


@pytest.mark.parametrize("run", sorted(RUNS))
def test_every_answer_matches_the_openapi_document(
    run: str, started: list[ServiceProcess], tmp_path: Path
) -> None:
    make, options = RUNS[run]
    proc = make().start()
    started.append(proc)
    proc.wait_until("/readyz")
    argv = [
        ST, "run", f"{proc.url}/openapi.json", "--checks", "all", "--max-examples", "25",
        "--seed", "20261201", "--no-color", *options,
    ]  # fmt: skip
    # cwd: schemathesis keeps its example database in the working directory.
    result = subprocess.run(
        argv, capture_output=True, text=True, cwd=tmp_path, timeout=240, check=False
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Tested: " in result.stdout
