"""The real frontend process beside a real backend process, on loopback ports."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.constants import SHA_A
from tests.support.viewers import staying_viewers, storm
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import ServiceProcess, backend_process, frontend_process

pytestmark = pytest.mark.process


@pytest.fixture
def backend() -> Iterator[ServiceProcess]:
    proc = backend_process({"BACKEND_GIT_SHA": SHA_A, "BACKEND_VERSION": "1.2.3"}).start()
    try:
        proc.wait_until("/readyz")
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def frontend(backend: ServiceProcess) -> Iterator[ServiceProcess]:
    proc = frontend_process(
        {"FRONTEND_BACKEND_URL": backend.url, "FRONTEND_PROBE_INTERVAL_SECONDS": "0.2"}
    ).start()
    try:
        proc.wait_until("/readyz")
        yield proc
    finally:
        proc.stop()


def _wait_for_backend(frontend: ServiceProcess) -> dict[str, object]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        backend: dict[str, object] = httpx.get(frontend.url + "/api/v1/status").json()["backend"]
        if backend["git_sha"]:
            return backend
        time.sleep(0.1)
    raise AssertionError(frontend.output())


def test_frontend_shows_backend_build_without_cluster(frontend: ServiceProcess) -> None:
    backend = _wait_for_backend(frontend)

    assert (backend["git_sha"], backend["version"], backend["ready"]) == (SHA_A, "1.2.3", True)
    page = httpx.get(frontend.url + "/").text
    assert "No cluster configured" in page
    assert SHA_A[:12] in page


def test_frontend_marks_backend_stale_when_it_stops(
    frontend: ServiceProcess, backend: ServiceProcess
) -> None:
    _wait_for_backend(frontend)
    backend.stop()

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if httpx.get(frontend.url + "/api/v1/status").json()["backend"]["stale"]:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("backend never reported stale")
    assert "Stale backend data" in httpx.get(frontend.url + "/").text


def test_frontend_exits_cleanly_with_open_event_streams(frontend: ServiceProcess) -> None:
    with httpx.stream("GET", frontend.url + "/events", timeout=10) as stream:
        first = next(stream.iter_lines())
        started = time.monotonic()
        frontend.terminate(signal.SIGTERM)
        code = frontend.wait(timeout=15)

    assert first == "retry: 2000"
    assert code == 0
    assert time.monotonic() - started < 5, frontend.output()


def test_sigterm_ends_the_board_promptly_whatever_its_viewers_do(
    started: list[ServiceProcess],
) -> None:
    # Viewers that came and went in a storm, viewers reading along, and viewers that
    # half-closed (sent their FIN, still reading; uvicorn takes that for a goodbye and
    # may close them first): none may hold the process up.
    proc = frontend_process({"FRONTEND_BATCH_INTERVAL_MS": "20",
                             "FRONTEND_SHUTDOWN_TIMEOUT_SECONDS": "3"}).start()  # fmt: skip
    started.append(proc)
    proc.wait_until("/readyz")
    storm(proc.host, proc.port, rounds=4, viewers=15, seed=7)
    with (
        staying_viewers(proc.host, proc.port, 5) as reading,
        staying_viewers(proc.host, proc.port, 5, half_closed=True) as half_closed,
    ):
        viewers = reading + half_closed
        wait_for("every reading viewer's board", lambda: all(v.events for v in reading),
                 timeout=30)  # fmt: skip
        began = time.monotonic()
        proc.terminate(signal.SIGTERM)
        code = proc.wait(timeout=30)
        took = time.monotonic() - began
        for viewer in viewers:
            assert viewer.thread is not None
            viewer.thread.join(5)
        ended = [viewer.thread is not None and not viewer.thread.is_alive() for viewer in viewers]

    assert code == 0, proc.output()[-3000:]
    assert took < 3, "streams were ended at SIGTERM, not waited out to the shutdown bound"
    assert all(ended), "every stream was closed by the server"


@pytest.mark.parametrize(
    ("variable", "value"),
    [("FRONTEND_PORT", "99999"), ("FRONTEND_NAMESPACES", "UPPER")],
)
def test_frontend_bad_setting_exits_2_with_one_line(variable: str, value: str) -> None:
    proc = frontend_process({variable: value})

    result = subprocess.run(proc.argv, env=proc.env, capture_output=True, text=True, timeout=30,
                            check=False)  # fmt: skip

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"{variable}={value!r}" in lines[0]
    assert sys.executable  # the same interpreter as the tests
