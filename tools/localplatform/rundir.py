"""Where a running platform keeps its state, and how other commands find it.

``<run root>/<pid>/`` holds everything one ``up`` creates (git repositories, the work
clone, Flux's storage, logs, the board's kubeconfig) and is deleted when it stops.
``<run root>/current.json`` says where the running one is (PIDs, URLs, paths); it is
written at start and deleted at exit, so ``make promote-good`` and friends can talk to
it. ``<run root>/lock`` is held (flock) for the platform's lifetime: a second ``up``
finds it taken and says so. The run root is ``~/.cache/gitops-platform/run`` unless
``GITOPS_PLATFORM_RUN`` names another (the test uses its own).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from tools.platformkit import binaries


class AlreadyRunningError(RuntimeError):
    pass


class NotRunningError(RuntimeError):
    pass


def run_root() -> Path:
    default = binaries.cache_root() / "run"
    return Path(os.environ.get("GITOPS_PLATFORM_RUN", str(default)))


def current_file(root: Path | None = None) -> Path:
    return (root or run_root()) / "current.json"


@dataclass
class RuntimeInfo:
    """What ``current.json`` holds: enough for another process to drive the platform."""

    pid: int
    state_dir: str
    cluster: str
    namespace: str
    board_url: str = ""
    kubeconfig: str = ""  # admin kubeconfig of the local control plane
    server: str = ""
    ca_file: str = ""
    work_clone: str = ""
    remote: str = ""
    git_url: str = ""
    seeded_commit: str = ""
    real_node: bool = False  # dev's pods run on the real node (False: kwok's fakes)
    kubectl: str = ""
    service_url: str = ""  # the dev backend Service, by its ClusterIP (real node only)
    registry: str = ""  # the loopback registry holding this run's images
    progress_deadline_s: int = 30
    source_remote: str = ""  # the services' source, a bare repository on the git server
    source_clone: str = ""  # the person's work clone of it (make change-good|change-bad)
    source_url: str = ""
    prod_gate: str = "auto"  # auto: the runner promotes to prod; manual: make promote-prod
    pids: dict[str, int] = field(default_factory=dict)

    def save(self, root: Path | None = None) -> None:
        path = current_file(root)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=1) + "\n")
        tmp.replace(path)


def load(root: Path | None = None) -> RuntimeInfo:
    """The running platform's info, or NotRunningError saying how to start one."""
    path = current_file(root)
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise NotRunningError(
            f"no local platform is running ({path} not found); start one with `make run`"
        ) from None
    info = RuntimeInfo(**data)
    if not Path(f"/proc/{info.pid}").exists():
        raise NotRunningError(
            f"the platform recorded in {path} (pid {info.pid}) is gone; start one with `make run`"
        )
    return info


class Lock:
    """Held for the platform's lifetime; the kernel releases it if the process dies."""

    def __init__(self, root: Path) -> None:
        self.path = root / "lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            handle = self.path.open("a+")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise AlreadyRunningError(self._who()) from None
            # The holder unlinks the file when it stops: a lock on an unlinked file is no lock.
            with contextlib.suppress(FileNotFoundError):
                if os.stat(self.path).st_ino == os.fstat(handle.fileno()).st_ino:
                    self._file = handle
                    return
            handle.close()

    def _who(self) -> str:
        try:
            info = json.loads(current_file(self.path.parent).read_text())
        except (OSError, ValueError):
            return f"another `make run` holds {self.path} (still starting or stopping)"
        return (
            f"a local platform is already running (pid {info.get('pid')}, board "
            f"{info.get('board_url') or 'still starting'}). Use it, or stop it first: Ctrl-C "
            f"in its terminal, or `kill -INT {info.get('pid')}`."
        )

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with contextlib.suppress(OSError):  # the run root too, when nothing else is in it
            self.path.parent.rmdir()
