"""Process and port helpers for the supervisor: start detached, stop by PID only."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def free_port() -> int:
    # Small race until the component binds it; acceptable for a test cluster.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Popen objects of components started by this process: kept alive so their
# __del__ doesn't warn about running children, and used to reap them on stop.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def spawn(argv: list[str], log: Path, env: dict[str, str] | None = None) -> int:
    """Start a component in its own session so it outlives the CLI that started it."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


def is_ours(pid: int, binary: str) -> bool:
    """True if PID is alive and still runs BINARY (guards against PID reuse).

    Checks /proc/PID/exe, not cmdline: right after exec a Go binary's cmdline
    reads empty for a moment (measured), which looked like a dead process.
    """
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        _reap(pid)
        return False
    # A rebuilt binary shows as "<path> (deleted)"; the process is still ours.
    return exe.removesuffix(" (deleted)") == os.path.realpath(binary)


def _reap(pid: int) -> None:
    child = _CHILDREN.get(pid)
    if child is not None:
        child.poll()  # reaps and records the exit status (see exit_code)
        return
    # Not our child (started by another CLI run): init reaps it.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def exit_code(pid: int) -> int | None:
    """Exit status of a component this process started (None if unknown/running)."""
    child = _CHILDREN.get(pid)
    return None if child is None else child.poll()


def stop(pid: int, binary: str, timeout: float = 15.0) -> None:
    """SIGTERM, bounded wait, then SIGKILL: only this PID, and only if it is ours."""
    if is_ours(pid, binary):
        os.kill(pid, signal.SIGTERM if timeout > 0 else signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while is_ours(pid, binary) and time.monotonic() < deadline:
            time.sleep(0.1)
        if is_ours(pid, binary):
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while is_ours(pid, binary) and time.monotonic() < deadline:
                time.sleep(0.05)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.wait(timeout=30)  # reap now, so no zombie or Popen warning is left


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def https_get(url_host: str, port: int, path: str, ctx: ssl.SSLContext) -> tuple[int, str]:
    conn = http.client.HTTPSConnection(url_host, port, context=ctx, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


def http_get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


def wait_until(
    what: str, probe: Callable[[], bool], timeout: float, alive: Callable[[], bool]
) -> None:
    """Poll PROBE until true; fail fast if the process died (ALIVE false)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except (OSError, http.client.HTTPException):
            pass
        if not alive():
            raise RuntimeError(f"{what}: process exited during start-up")
        time.sleep(0.1)
    raise TimeoutError(f"{what}: not ready after {timeout:.0f}s")
