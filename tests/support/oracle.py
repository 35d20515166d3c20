"""The differential tier's oracles: upstream Go code answering about generated objects.

``tools/oracle/build.sh`` compiles two small programs from the Go module proxy (kubectl's
status viewers and the apiserver's pod table at the cluster's release; Argo CD's health and
hook code at the gitops-engine version Argo CD v3.2.11 resolves). Each reads one JSON
request per line and answers one JSON line; :class:`Oracles` keeps both running for a
session and asks them one object at a time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import IO, Any

from tools.platformkit.binaries import MissingPrerequisiteError
from tools.platformkit.paths import REPO_ROOT

BUILD_SCRIPT = REPO_ROOT / "tools" / "oracle" / "build.sh"
Obj = dict[str, Any]


class OracleRefusedError(RuntimeError):
    """An oracle could not judge a request (an object its code would not decode)."""


def missing_prerequisites() -> list[str]:
    missing = []
    if shutil.which("go") is None:
        missing.append("Go toolchain (`go` not on PATH; need Go >= 1.26 to build tools/oracle)")
    if shutil.which("flock") is None:
        missing.append("`flock` (used by tools/oracle/build.sh)")
    return missing


def ensure_built() -> Path:
    """Build (or reuse: a warm run is a no-op) both oracles; return their bin dir."""
    missing = missing_prerequisites()
    if missing:
        raise MissingPrerequisiteError("; ".join(missing))
    proc = subprocess.run(
        ["bash", str(BUILD_SCRIPT)], stdout=subprocess.PIPE, text=True, check=False
    )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{BUILD_SCRIPT} failed with exit code {proc.returncode}")
    return Path(lines[-1])


class _Process:
    def __init__(self, binary: Path) -> None:
        self.binary = binary
        self.proc = subprocess.Popen(
            [str(binary)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        pipes: tuple[IO[str] | None, IO[str] | None] = (self.proc.stdin, self.proc.stdout)
        if pipes[0] is None or pipes[1] is None:
            raise RuntimeError(f"{binary.name}: no pipes")
        self.stdin, self.stdout = pipes[0], pipes[1]

    def ask(self, fn: str, obj: Obj, **extra: Any) -> Obj:
        self.stdin.write(json.dumps({"fn": fn, "object": obj, **extra}) + "\n")
        self.stdin.flush()
        line = self.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.binary.name} exited with {self.proc.wait()}")
        answer: Obj = json.loads(line)
        if "invalid" in answer:
            raise OracleRefusedError(f"{self.binary.name}: {answer['invalid']}")
        return answer

    def close(self) -> None:
        self.stdin.close()
        self.proc.wait(timeout=10)
        self.stdout.close()


class Oracles:
    """Both oracles, started once; every method answers in the upstream code's own terms."""

    def __init__(self, bin_dir: Path) -> None:
        self._kube = _Process(bin_dir / "kube-oracle")
        self._argo = _Process(bin_dir / "argo-oracle")
        self.asked = 0

    def rollout_status(self, obj: Obj, revision: int = 0) -> tuple[str, bool, bool]:
        """kubectl's ``StatusViewer.Status``: (message, done, error); an error's text is the
        message."""
        self.asked += 1
        answer = self._kube.ask("rollout_status", obj, revision=revision)
        return answer["message"], answer["done"], answer["error"]

    def pod_row(self, obj: Obj) -> list[Any]:
        """The pod's row as the apiserver's table convertor prints it (wide)."""
        self.asked += 1
        cells: list[Any] = self._kube.ask("pod_row", obj)["cells"]
        return cells

    def health(self, obj: Obj) -> tuple[str, str]:
        """gitops-engine's ``GetResourceHealth`` without overrides: (status, message);
        status "" when it has no check for the kind."""
        self.asked += 1
        answer = self._argo.ask("health", obj)
        return answer["status"], answer["message"]

    def is_hook(self, obj: Obj) -> bool:
        self.asked += 1
        return bool(self._argo.ask("is_hook", obj)["hook"])

    def close(self) -> None:
        self._kube.close()
        self._argo.close()
