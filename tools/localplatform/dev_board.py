"""The status board as the local platform runs it, and what it says about dev.

The board is a real frontend process on 127.0.0.1 with the identity it has in the
cluster: a token of the ``frontend`` ServiceAccount that Flux delivered into the dev
namespace, so it reads only what its Role allows (Deployments, ReplicaSets, Pods and
Events there, Flux Kustomizations through k8s/gitops/flux's optional Role), never
with the admin certificate.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.kube import Kube, service_account_kubeconfig
from tools.platformkit.processes import ServiceProcess, frontend_process

Json = dict[str, Any]
SERVICE_ACCOUNT = "frontend"


def board_kubeconfig(kube: Kube, cp: ControlPlane, namespace: str, path: Path) -> Path:
    """A kubeconfig for the frontend ServiceAccount of NAMESPACE (a 24 h bound token),
    written atomically: the waiting board never reads half a file."""
    return service_account_kubeconfig(
        kube, cp.server, cp.pki.ca_crt, SERVICE_ACCOUNT, namespace, path
    )


def board_process(env: dict[str, str], port: int, log_path: Path) -> ServiceProcess:
    """The frontend (via ``boardstart``, so it can start before its kubeconfig exists), in
    its own session: Ctrl-C reaches only the platform, which then stops the board by PID
    with SIGTERM (it exits 0 after a graceful shutdown)."""
    proc = frontend_process(
        env, port=port, module="tools.localplatform.boardstart", log_path=log_path
    )
    return replace(proc, own_session=True, stop_signal=signal.SIGTERM)


@dataclass(frozen=True)
class DevView:
    """What the board shows for dev's backend, in the few words the commands print."""

    health: str
    message: str
    done: bool
    revision: int
    digest: str
    flux_sync: str
    flux_revision: str
    serving: tuple[str, ...]  # versions the backend pods answer with (ready ones)
    service_version: str | None

    def flux_at(self, commit: str) -> bool:
        """Flux says Ready, and applied exactly COMMIT (``main@sha1:<commit>``)."""
        return self.flux_sync == "Ready" and self.flux_revision.endswith(commit)

    def line(self) -> str:
        serving = ", ".join(self.serving) or "none"
        flux = f"Flux {self.flux_sync} at {self.flux_revision.rpartition(':')[2][:12] or '?'}"
        return (
            f"backend {self.health} (revision {self.revision}, {self.message}); {flux}; "
            f"pods answering: {serving}"
        )


def dev_view(status: Json, namespace: str) -> DevView | None:
    entry = next(
        (
            e
            for group in status["namespaces"]
            if group["namespace"] == namespace
            for e in group["deployments"]
            if e["deployment"]["name"] == "backend"
        ),
        None,
    )
    if entry is None:
        return None
    found = entry["deployment"]
    flux: Json = next((g for g in entry["gitops"] if g["tool"] == "Flux"), {})
    pods = status["backend"]["pods"]
    return DevView(
        health=found["health"]["code"],
        message=found["rollout"]["message"],
        done=bool(found["rollout"]["done"]),
        revision=int(found["revision"]),
        digest=found["image"].rpartition("@")[2],
        flux_sync=flux.get("sync", "Unknown"),
        flux_revision=flux.get("revision") or "",
        serving=tuple(sorted({f"{p['version']}" for p in pods if p["ready"] and p["version"]})),
        service_version=status["backend"]["version"],
    )
