"""Real processes, stopped by PID only (never by name).

- ``free_port``: a loopback port nothing listens on, for any process the platform or a
  test starts.
- Control-plane components (``tools.platformkit.cluster.controlplane``): ``spawn`` starts one
  detached in its own session, ``is_ours`` / ``stop`` / ``exit_code`` / ``rss_mib``
  look after it by PID, ``http_get`` / ``https_get`` probe it (waited on with
  ``polling.wait_for``, tolerating ``CONNECTION_ERRORS``),
  ``log_tail`` reads the end of its log; ``stop_child`` stops a ``Popen`` child.
- Service processes: ``ServiceProcess``, built by ``backend_process`` and
  ``frontend_process`` with a clean environment, on loopback; ``run_console`` runs a
  service's console script to completion, and ``occupied_port`` is a port it cannot bind.
- ``run_pipeline``: the pipeline's commands (``promote``, ``verify``, ``rollback``, the records).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from tools.platformkit import polling
from tools.platformkit.paths import REPO_ROOT

# What a probe of a server that is still starting may raise: not yet, not a failure.
CONNECTION_ERRORS = (OSError, http.client.HTTPException)

# A backend URL nothing listens on (the discard port): probes fail fast, never leave the host.
DEAD_BACKEND = "http://127.0.0.1:9"


def free_port(host: str = "127.0.0.1") -> int:
    # Small race until the process binds it; acceptable on a test machine.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def occupied_port() -> Iterator[int]:
    """A loopback port we are listening on: a command that tried to serve there would fail."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port: int = sock.getsockname()[1]
        yield port


# --- Control-plane components: detached, looked after by PID ---------------------------

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
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # A zombie has no exe link: reap it first (the supervisor restarts parts that exited,
    # and an unreaped one would stay a zombie until the platform stops).
    if stat.rsplit(")", 1)[-1].split()[0] == "Z":
        _reap(pid)
        return False
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
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


def stop_child(
    proc: subprocess.Popen[bytes], sig: int = signal.SIGINT, timeout: float = 10
) -> None:
    """Stop a child this process started with SIG; SIGKILL if it is still up after TIMEOUT."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def log_tail(path: Path, lines: int) -> str:
    """The last LINES lines of a process's log ("" while there is none)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def rss_mib(pid: int) -> float:
    """RSS of PID in MiB; 0 once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _answer(conn: http.client.HTTPConnection, path: str) -> tuple[int, str]:
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


def https_get(url_host: str, port: int, path: str, ctx: ssl.SSLContext) -> tuple[int, str]:
    return _answer(http.client.HTTPSConnection(url_host, port, context=ctx, timeout=5), path)


def http_get(port: int, path: str) -> tuple[int, str]:
    return _answer(http.client.HTTPConnection("127.0.0.1", port, timeout=5), path)


# --- Service processes: the backend and the frontend on loopback ------------------------


@dataclass
class ServiceProcess:
    """A real service process; its combined output goes to a log file.

    ``own_session``: started in a session of its own, so a Ctrl-C in the terminal
    reaches only whoever started it (``make run``), which then stops it by PID.
    """

    argv: list[str]
    env: dict[str, str]
    host: str
    port: int
    log_path: Path
    own_session: bool = False
    stop_signal: int = signal.SIGINT
    proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc is not None else 0

    def start(self) -> ServiceProcess:
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=self.own_session,
            cwd=REPO_ROOT,  # ``python -m tools...`` resolves from the checkout
        )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.log_path, lines)

    def wait_until(self, path: str, status: int = 200, timeout: float = 20.0) -> float:
        """Poll ``path`` until it answers ``status``; return the seconds it took."""
        started = time.monotonic()

        def answered() -> bool:
            return httpx.get(self.url + path, timeout=1.0).status_code == status

        try:
            polling.wait_for(f"{path} answering {status}", answered, timeout, every=0.02,
                             alive=lambda: self._started().poll() is None,
                             tolerate=(httpx.TransportError,))  # fmt: skip
        except (TimeoutError, RuntimeError) as exc:
            code = self._started().poll()
            raise AssertionError(f"{exc} (exit status {code}):\n{self.output()}") from None
        return time.monotonic() - started

    def _started(self) -> subprocess.Popen[bytes]:
        if self.proc is None:
            raise RuntimeError(f"{self.argv[-1]} was never started")
        return self.proc

    def terminate(self, sig: int = signal.SIGTERM) -> None:
        self._started().send_signal(sig)

    def wait(self, timeout: float = 30.0) -> int:
        return self._started().wait(timeout=timeout)

    def output(self) -> str:
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 10) -> None:
        """Stop the process we started (and only it), then close the log."""
        if self.proc is not None:
            stop_child(self.proc, self.stop_signal, timeout)
        if self._log is not None:
            self._log.close()
            self._log = None


def backend_process(
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> ServiceProcess:
    """A backend process (not started) with a clean ``BACKEND_*`` environment."""
    port = port or free_port(host)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("BACKEND_")}
    clean.update(
        {"BACKEND_HOST": host, "BACKEND_PORT": str(port), "BACKEND_DRAIN_DELAY_SECONDS": "0"}
    )
    clean.update(env or {})
    fd, log_name = tempfile.mkstemp(prefix="backend-", suffix=".log")
    os.close(fd)
    return ServiceProcess([sys.executable, "-m", "backend"], clean, host, port, Path(log_name))


def frontend_process(
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    module: str = "frontend",
    log_path: Path | None = None,
) -> ServiceProcess:
    """A frontend process (not started) with a clean ``FRONTEND_*`` environment; MODULE is
    what ``python -m`` runs (``tools.localplatform.boardstart`` waits for its kubeconfig)."""
    port = port or free_port(host)
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FRONTEND_") and k != "KUBERNETES_SERVICE_HOST"
    }
    clean.update({"FRONTEND_HOST": host, "FRONTEND_PORT": str(port)})
    clean.update(env or {})
    if log_path is None:
        fd, log_name = tempfile.mkstemp(prefix="frontend-", suffix=".log")
        os.close(fd)
        log_path = Path(log_name)
    return ServiceProcess([sys.executable, "-m", module], clean, host, port, log_path)


def run_console(
    service: str, *args: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``.venv/bin/<service> args...``, the way an image's ENTRYPOINT runs it, with only
    ``env`` among the service's variables."""
    prefix = f"{service.upper()}_"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(prefix)}
    clean.update(env or {})
    script = Path(sys.executable).parent / service
    return subprocess.run(
        [str(script), *args], env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def run_pipeline(
    name: str, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """A pipeline command (``promote``, ``verify``, ``rollback``, ``delivery-record``,
    ``delivery-metrics``), run exactly as CI does."""
    module = {
        "promote": "promote_cli",
        "verify": "verify_cli",
        "rollback": "rollback_cli",
        "delivery-record": "record_cli",
        "delivery-metrics": "metrics_cli",
        "pipeline": "pipeline.cli",
    }[name]
    argv = [sys.executable, "-m", f"delivery.{module}", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd, timeout=300)
