"""The drill's GitOps parts: the config repository the pipeline pushes to, and Flux on it.

- ``ConfigRepo``: the pipeline's work clone of a bare repository (the forge), seeded
  with this checkout's real ``k8s/`` tree. Every change to the cluster is a commit
  pushed here; Flux's GitRepository pulls it over smart HTTP (``GitServer``).
- ``FluxView``: what ``flux reconcile`` and ``flux get`` do, read through the raw API
  client so the drill's many short polls do not each start a kubectl process.

Nothing here applies a delivered manifest: only Flux's kustomize-controller does.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from delivery.git import run as git
from tests.support.board import wait_for
from tests.support.bootstrap import SOURCE_NAME, kustomization_name
from tests.support.flux import NAMESPACE, Flux, ready_condition
from tests.support.kube import ApiClient

ROOT = Path(__file__).resolve().parents[2]
Json = dict[str, Any]
_PATHS = {
    "GitRepository": f"/apis/source.toolkit.fluxcd.io/v1/namespaces/{NAMESPACE}/gitrepositories",
    "Kustomization": f"/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{NAMESPACE}/kustomizations",
}


def tool(name: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run one of the delivery console scripts exactly as CI does."""
    module = {"promote": "promote_cli", "verify": "verify_cli", "rollback": "rollback_cli"}[name]
    argv = [sys.executable, "-m", f"delivery.{module}", *args]
    return subprocess.run(argv, capture_output=True, text=True, check=False, cwd=cwd, timeout=300)


def flux_revision(sha: str, branch: str = "main") -> str:
    """How Flux names a commit in ``lastAppliedRevision`` and artifacts."""
    return f"{branch}@sha1:{sha}"


@dataclass
class ConfigRepo:
    remote: Path
    work: Path

    @classmethod
    def create(cls, root: Path, remote: Path | None = None) -> ConfigRepo:
        """Seed ``remote`` (a new bare repository under ``root`` if None) from ``k8s/``."""
        work = root / "work"
        if remote is None:
            remote = root / "remote.git"
            subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
        subprocess.run(
            ["git", "clone", "-q", str(remote), str(work)], check=True, capture_output=True
        )
        git(work, "config", "user.name", "github-actions[bot]")
        git(work, "config", "user.email", "ci@example.invalid")
        shutil.copytree(ROOT / "k8s", work / "k8s")
        git(work, "add", "k8s")
        git(work, "commit", "-qm", "chore: seed the config repository")
        git(work, "push", "-q", "origin", "HEAD:main")
        return cls(remote, work)

    def push(self) -> str:
        git(self.work, "push", "-q", "origin", "HEAD:main")
        return git(self.work, "rev-parse", "HEAD")

    def commit(self, message: str, edit: Callable[[Path], None]) -> str:
        """``edit`` changes files under the work clone; every change is committed and pushed."""
        edit(self.work)
        git(self.work, "add", "-A")
        git(self.work, "commit", "-qm", message)
        return self.push()

    def revert(self, sha: str) -> str:
        """``git revert`` of one commit, pushed (the fix for a commit that is not a promotion)."""
        git(self.work, "revert", "--no-edit", sha)
        return self.push()


@dataclass
class FluxView:
    """Triggers reconciles like ``flux reconcile`` and waits on what the controllers report."""

    flux: Flux
    api: ApiClient

    def get(self, kind: str, name: str) -> Json:
        return self.api.get(f"{_PATHS[kind]}/{name}")

    def kustomization(self, env: str) -> Json:
        return self.get("Kustomization", kustomization_name(env))

    def pull(self, sha: str, timeout: float = 30) -> None:
        """``flux reconcile source git``: fetch now, and wait until the artifact is ``sha``."""
        token = self.flux.reconcile("GitRepository", SOURCE_NAME)
        wanted = flux_revision(sha)

        def fetched() -> bool:
            status = self.get("GitRepository", SOURCE_NAME).get("status") or {}
            artifact = status.get("artifact") or {}
            return (
                status.get("lastHandledReconcileAt") == token and artifact.get("revision") == wanted
            )

        wait_for(f"GitRepository artifact at {wanted}", fetched, timeout, every=0.2)

    def reconcile(self, env: str, timeout: float = 60) -> Json:
        """``flux reconcile kustomization``: run now (same revision), wait until it is done."""
        token = self.flux.reconcile("Kustomization", kustomization_name(env))

        def handled() -> Json | None:
            obj = self.kustomization(env)
            status = obj.get("status") or {}
            done = ready_condition(obj).get("status") in ("True", "False")
            return obj if status.get("lastHandledReconcileAt") == token and done else None

        found: Json = wait_for(f"{env} reconciled for {token}", handled, timeout, every=0.2)
        return found

    def applied(self, env: str, sha: str, timeout: float = 90) -> Json:
        """Wait until ``env`` is Ready with ``sha`` applied (and health-checked, wait: true)."""
        wanted = flux_revision(sha)

        def ready() -> Json | None:
            obj = self.kustomization(env)
            applied = (obj.get("status") or {}).get("lastAppliedRevision") == wanted
            return obj if applied and ready_condition(obj).get("status") == "True" else None

        found: Json = wait_for(f"{env} Ready at {wanted}", ready, timeout, every=0.2)
        return found

    def failed(self, env: str, sha: str, reason: str, timeout: float = 60) -> Json:
        """Wait until ``env`` attempted ``sha`` and reports Ready=False for ``reason``."""
        wanted = flux_revision(sha)

        def failing() -> Json | None:
            obj = self.kustomization(env)
            attempted = (obj.get("status") or {}).get("lastAttemptedRevision") == wanted
            condition = ready_condition(obj)
            verdict = (condition.get("status"), condition.get("reason")) == ("False", reason)
            return obj if attempted and verdict else None

        found: Json = wait_for(f"{env} failing ({reason}) at {wanted}", failing, timeout, every=0.2)
        return found

    def attempting(self, env: str, sha: str, timeout: float = 30) -> Json:
        """Wait until ``env`` works on ``sha`` (applied, health check running) but is not Ready."""
        wanted = flux_revision(sha)

        def busy() -> Json | None:
            obj = self.kustomization(env)
            attempted = (obj.get("status") or {}).get("lastAttemptedRevision") == wanted
            return obj if attempted and ready_condition(obj).get("status") != "True" else None

        found: Json = wait_for(f"{env} working on {wanted}", busy, timeout, every=0.2)
        return found


def last_applied(obj: Json) -> str | None:
    found: str | None = (obj.get("status") or {}).get("lastAppliedRevision")
    return found
