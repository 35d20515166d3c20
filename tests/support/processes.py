"""Start real service processes on loopback and stop them by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

SHA_A = "a" * 40
SHA_B = "b" * 40
FAULTS_TOKEN = "drill-token-0123456789"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServiceProcess:
    """A real service process; its combined output goes to a temporary log file."""

    argv: list[str]
    env: dict[str, str]
    host: str
    port: int
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServiceProcess:
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )
        return self

    def wait_until(self, path: str, status: int = 200, timeout: float = 20.0) -> float:
        """Poll ``path`` until it answers ``status``; return the seconds it took."""
        started = time.monotonic()
        deadline = started + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"process exited with {self.proc.returncode}:\n{self.output()}"
                )
            try:
                if httpx.get(self.url + path, timeout=1.0).status_code == status:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.02)
        raise AssertionError(f"{path} never answered {status} within {timeout}s:\n{self.output()}")

    def terminate(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait(self, timeout: float = 30.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def output(self) -> str:
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        """Stop the process we started (and only it), then close the log."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
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
