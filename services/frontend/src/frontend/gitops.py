"""GitOps sync status per Deployment, from Argo CD Applications and Flux Kustomizations (pure)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from frontend.snapshot import Json

Key = tuple[str, str]  # (namespace, Deployment name)


@dataclass(frozen=True)
class GitOpsStatus:
    tool: str  # "Argo CD" or "Flux"
    source: str  # "<namespace>/<Application or Kustomization name>"
    sync: str  # Synced / OutOfSync / Unknown (Argo) or Ready / NotReady / Unknown (Flux)
    health: str | None
    revision: str | None
    message: str | None


def _argo(app: Json) -> Iterable[tuple[Key, GitOpsStatus]]:
    meta, status = app.get("metadata") or {}, app.get("status") or {}
    sync = status.get("sync") or {}
    revision = sync.get("revision")
    conditions = status.get("conditions") or []
    message = "; ".join(str(c.get("message")) for c in conditions if c.get("message")) or None
    dest_ns = ((app.get("spec") or {}).get("destination") or {}).get("namespace")
    for res in status.get("resources") or []:
        if res.get("kind") != "Deployment" or res.get("group") != "apps":
            continue
        key = (res.get("namespace") or dest_ns or "", res.get("name") or "")
        yield (
            key,
            GitOpsStatus(
                tool="Argo CD",
                source=f"{meta.get('namespace')}/{meta.get('name')}",
                sync=res.get("status") or sync.get("status") or "Unknown",
                health=(res.get("health") or {}).get("status"),
                revision=revision,
                message=message,
            ),
        )


def _flux(kustomization: Json) -> Iterable[tuple[Key, GitOpsStatus]]:
    meta, status = kustomization.get("metadata") or {}, kustomization.get("status") or {}
    conditions: list[Json] = status.get("conditions") or []
    ready: Json = next((c for c in conditions if c.get("type") == "Ready"), {})
    state = {"True": "Ready", "False": "NotReady"}.get(str(ready.get("status")), "Unknown")
    for entry in (status.get("inventory") or {}).get("entries") or []:
        # Flux inventory ids are "<namespace>_<name>_<group>_<kind>".
        parts = str(entry.get("id", "")).split("_")
        if len(parts) != 4 or parts[2:] != ["apps", "Deployment"]:
            continue
        yield (
            (parts[0], parts[1]),
            GitOpsStatus(
                tool="Flux",
                source=f"{meta.get('namespace')}/{meta.get('name')}",
                sync=state,
                health=ready.get("reason"),
                revision=status.get("lastAppliedRevision"),
                message=ready.get("message"),
            ),
        )


def gitops_index(
    applications: Iterable[Json], kustomizations: Iterable[Json]
) -> dict[Key, tuple[GitOpsStatus, ...]]:
    """Which GitOps objects manage which Deployment, with their sync verdicts."""
    index: dict[Key, list[GitOpsStatus]] = {}
    for app in applications:
        for key, status in _argo(app):
            index.setdefault(key, []).append(status)
    for kustomization in kustomizations:
        for key, status in _flux(kustomization):
            index.setdefault(key, []).append(status)
    return {key: tuple(found) for key, found in index.items()}
