"""Flux as ``flux reconcile`` and ``flux get`` see it: reconciles requested the way the
CLI requests them, and waits on what the controllers report in their objects' status.

Read through the raw API client, so many short polls do not each start a kubectl
process. Used by the drill and the OpenTofu bootstrap test; nothing here applies a
delivered manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.platformkit.gitops.bootstrap import SOURCE_NAME, kustomization_name
from tools.platformkit.gitops.flux import NAMESPACE, Flux, ready_condition
from tools.platformkit.kube import ApiClient
from tools.platformkit.polling import wait_for

Json = dict[str, Any]
_PATHS = {
    "GitRepository": f"/apis/source.toolkit.fluxcd.io/v1/namespaces/{NAMESPACE}/gitrepositories",
    "Kustomization": f"/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{NAMESPACE}/kustomizations",
}


def flux_revision(sha: str, branch: str = "main") -> str:
    """How Flux names a commit in ``lastAppliedRevision`` and artifacts."""
    return f"{branch}@sha1:{sha}"


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

        def handled(obj: Json) -> bool:
            done = ready_condition(obj).get("status") in ("True", "False")
            return _status(obj).get("lastHandledReconcileAt") == token and done

        return self._until(env, f"{env} reconciled for {token}", handled, timeout)

    def applied(self, env: str, sha: str, timeout: float = 90) -> Json:
        """Wait until ``env`` is Ready with ``sha`` applied (and health-checked, wait: true)."""
        wanted = flux_revision(sha)

        def ready(obj: Json) -> bool:
            applied = _status(obj).get("lastAppliedRevision") == wanted
            return applied and ready_condition(obj).get("status") == "True"

        return self._until(env, f"{env} Ready at {wanted}", ready, timeout)

    def failed(self, env: str, sha: str, reason: str, timeout: float = 60) -> Json:
        """Wait until ``env`` attempted ``sha`` and reports Ready=False for ``reason``."""
        wanted = flux_revision(sha)

        def failing(obj: Json) -> bool:
            attempted = _status(obj).get("lastAttemptedRevision") == wanted
            condition = ready_condition(obj)
            verdict = (condition.get("status"), condition.get("reason")) == ("False", reason)
            return attempted and verdict

        return self._until(env, f"{env} failing ({reason}) at {wanted}", failing, timeout)

    def attempting(self, env: str, sha: str, timeout: float = 30) -> Json:
        """Wait until ``env`` works on ``sha`` (applied, health check running) but is not Ready."""
        wanted = flux_revision(sha)

        def busy(obj: Json) -> bool:
            attempted = _status(obj).get("lastAttemptedRevision") == wanted
            return attempted and ready_condition(obj).get("status") != "True"

        return self._until(env, f"{env} working on {wanted}", busy, timeout)

    def _until(self, env: str, what: str, done: Callable[[Json], bool], timeout: float) -> Json:
        """Poll ``env``'s Kustomization every 0.2 s until ``done(it)``; return it."""

        def check() -> Json | None:
            obj = self.kustomization(env)
            return obj if done(obj) else None

        found: Json = wait_for(what, check, timeout, every=0.2)
        return found


def _status(obj: Json) -> Json:
    found: Json = obj.get("status") or {}
    return found


def last_applied(obj: Json) -> str | None:
    found: str | None = _status(obj).get("lastAppliedRevision")
    return found
