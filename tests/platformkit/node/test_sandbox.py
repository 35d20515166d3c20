"""tools/node/sandbox: the pod sandbox ("pause") program exits 0 on SIGTERM/SIGINT and,
as PID 1 of a PID namespace, reaps the orphans re-parented to it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tools.platformkit.node.nodebins import SANDBOX_DIR


def _require(condition: bool, what: str) -> None:
    """Skip loudly when a prerequisite is missing; under CI=true, fail instead."""
    if condition:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and missing prerequisite: {what}", pytrace=False)
    pytest.skip(f"MISSING PREREQUISITE (not run): {what}")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sandbox built as tools/node/build.sh builds it (static, no proxy)."""
    go = shutil.which("go")
    _require(go is not None, "go (builds tools/node/sandbox)")
    assert go is not None
    out = tmp_path_factory.mktemp("sandbox") / "sandbox"
    env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOPROXY": "off",
           "GOFLAGS": "-trimpath -buildvcs=false"}  # fmt: skip
    subprocess.run([go, "build", "-o", str(out), "."], cwd=SANDBOX_DIR, env=env, check=True,
                   timeout=240)  # fmt: skip
    return out


def _stat(pid: int) -> tuple[str, str, int] | None:
    """(comm, state, ppid) of a process, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    head, _, rest = text.rpartition(")")
    fields = rest.split()
    return head.partition("(")[2], fields[0], int(fields[1])


def _children(pid: int) -> dict[int, str]:
    """Each child of ``pid`` and its state (Z: a zombie nobody reaped)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[2] == pid:
            found[int(entry.name)] = stat[1]
    return found


def _wait(what: str, condition: Callable[[], object], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def _settled(pid: int) -> None:
    """Wait until the Go runtime is past start-up (every thread asleep: main waits on its
    signal channel), so a signal meets signal.Notify's handler, not the default action."""
    _wait(f"{pid} asleep", lambda: (s := _stat(pid)) is not None and s[1] == "S")
    time.sleep(0.2)


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


def test_version(sandbox: Path) -> None:
    out = subprocess.run([str(sandbox), "--version"], capture_output=True, text=True,
                         check=True, timeout=10).stdout  # fmt: skip
    assert out.startswith("sandbox (gitops-platform.local/sandbox) go")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_exits_0_when_told_to_stop(
    sandbox: Path, sig: signal.Signals, procs: list[subprocess.Popen[bytes]]
) -> None:
    proc = subprocess.Popen([str(sandbox)])
    procs.append(proc)
    _settled(proc.pid)
    time.sleep(0.3)
    assert proc.poll() is None, "exited before any signal"

    proc.send_signal(sig)

    assert proc.wait(timeout=5) == 0


def test_reaps_orphans_as_pid_1(sandbox: Path, procs: list[subprocess.Popen[bytes]]) -> None:
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("needs root and unshare(1) to run the sandbox as PID 1 of a PID namespace")
    # sh forks `sleep`, then becomes the sandbox (PID 1) by exec: the sleep is its
    # child without it ever having started one, as an orphan re-parented to PID 1 is.
    proc = subprocess.Popen(
        [unshare, "--fork", "--pid", "--kill-child", "sh", "-c", f"sleep 1 & exec {sandbox}"]
    )
    procs.append(proc)
    pid = 0

    def sandbox_started() -> bool:
        nonlocal pid
        for child in _children(proc.pid):
            if (stat := _stat(child)) and stat[0] == "sandbox":
                pid = child
        return pid != 0

    _wait("the sandbox as PID 1", sandbox_started)
    assert list(_children(pid).values()) in (["S"], ["R"], ["Z"]), "no sleep child seen"

    # The sleep exits after 1 s; unreaped it would stay a zombie (state Z) forever.
    try:
        _wait("the sleep child reaped", lambda: not _children(pid), timeout=5)
    except TimeoutError:
        pytest.fail(f"children of the sandbox left unreaped: {_children(pid)}")
    _settled(pid)
    os.kill(pid, signal.SIGTERM)
    assert proc.wait(timeout=5) == 0
