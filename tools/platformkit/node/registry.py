"""A loopback OCI registry: ``crane registry serve``, the node's image source.

containerd pulls the project's images from here (its hosts.toml maps ghcr.io to this
address), so the digests the overlays pin are real ones. crane's registry keeps blobs
on disk (``--disk``) and manifests in memory: a restarted registry over the same blob
directory has lost its tags and manifests, but a push of the same image uploads nothing
(the blobs are found, only manifests are written).

The registry runs as a child in its own session, like the control-plane components:
PID recorded in ``registry.pid``, output in ``registry.log`` (one line per request),
both in ``state_dir``; stopped by that PID only, and only while it still runs crane.
It listens on ``127.0.0.1:0`` and reads the port the kernel chose from its log
("serving on port N"), so there is no window in which another process takes the port.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from tools.platformkit import processes
from tools.platformkit.polling import wait_for

_SERVING = re.compile(rb"serving on port (\d+)")
LOG_NAME = "registry.log"
PID_NAME = "registry.pid"


class RegistryError(RuntimeError):
    """The registry could not start (the message holds the end of its log)."""


@dataclass
class Registry:
    """``crane registry serve`` on loopback. ``start()`` returns once ``GET /v2/`` answers 200."""

    bin_dir: Path  # holds crane (tools/platformkit/node/nodebins.py's bin_dir())
    state_dir: Path  # log, PID file and, unless BLOBS is given, the blob store
    blobs: Path | None = None  # a directory that outlives the run keeps later pushes cheap
    port: int = 0  # 0: the kernel picks one (read back from the log)
    pid: int = 0

    @property
    def crane(self) -> Path:
        return self.bin_dir / "crane"

    @property
    def blob_dir(self) -> Path:
        return self.blobs if self.blobs is not None else self.state_dir / "blobs"

    @property
    def log_path(self) -> Path:
        return self.state_dir / LOG_NAME

    @property
    def pid_path(self) -> Path:
        return self.state_dir / PID_NAME

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: how image references name this registry."""
        if not self.port:
            raise RegistryError("the registry has not been started")
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def argv(self) -> list[str]:
        return [str(self.crane), "registry", "serve",
                "--address", f"127.0.0.1:{self.port}", "--disk", str(self.blob_dir)]  # fmt: skip

    def start(self, timeout: float = 30.0) -> Registry:
        if not os.access(self.crane, os.X_OK):
            raise RegistryError(
                f"{self.crane} is missing: build the node binaries (tools/node/build.sh)"
            )
        if self.alive():
            raise RegistryError(f"this registry already runs (pid {self.pid})")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.blob_dir.mkdir(parents=True, exist_ok=True)  # crane does not create it
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.pid = processes.spawn(self.argv(), self.log_path)
        self.pid_path.write_text(f"{self.pid}\n")
        running = self.alive
        try:
            self.port = wait_for("crane registry: 'serving on port'",
                                 lambda: self._port_in_log(offset), timeout, every=0.02,
                                 alive=running)  # fmt: skip
            wait_for(f"GET {self.url}/v2/ answering 200",
                     lambda: processes.http_get(self.port, "/v2/")[0] == 200, timeout,
                     every=0.02, alive=running, tolerate=processes.CONNECTION_ERRORS)  # fmt: skip
        except (TimeoutError, RuntimeError) as exc:
            code = processes.exit_code(self.pid)
            self.stop(timeout=2)
            tail = processes.log_tail(self.log_path, 15)
            raise RegistryError(
                f"{' '.join(self.argv())}: {exc} (exit status {code}); {self.log_path}:\n{tail}"
            ) from None
        return self

    def _port_in_log(self, offset: int) -> int | None:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            found = _SERVING.search(log.read())
        return int(found.group(1)) if found else None

    def recorded_pid(self) -> int:
        """The PID in ``registry.pid`` (0 when there is none): a registry another process
        started with this state dir, such as a killed run's."""
        try:
            return int(self.pid_path.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0

    def alive(self) -> bool:
        return bool(self.pid) and processes.is_ours(self.pid, str(self.crane))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the registry by its PID (this object's, else the recorded one), only while
        that PID still runs crane; then forget the PID. Safe to call twice."""
        pid = self.pid or self.recorded_pid()
        if pid:
            processes.stop(pid, str(self.crane), timeout)
        self.pid = 0
        self.pid_path.unlink(missing_ok=True)
