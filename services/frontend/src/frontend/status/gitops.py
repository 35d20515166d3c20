"""GitOps sync status per Deployment, from Argo CD Applications and Flux Kustomizations.

Argo CD lists what it manages in ``status.resources``; Flux in ``status.inventory.entries``
with ids ``<namespace>_<name>_<group>_<kind>``. Either maps onto the Deployment's card.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from frontend.status.objects import Obj, condition, items, name, namespace, text

Key = tuple[str, str]  # (namespace, Deployment name)


@dataclass(frozen=True)
class GitOpsStatus:
    tool: str  # "Argo CD" or "Flux"
    source: str  # "<namespace>/<Application or Kustomization name>"
    sync: str  # Synced / OutOfSync / Unknown (Argo) or Ready / NotReady / Unknown (Flux)
    health: str | None
    revision: str | None
    message: str | None


def _source(obj: Obj) -> str:
    return f"{namespace(obj)}/{name(obj)}"


def _argo(app: Obj) -> Iterator[tuple[Key, GitOpsStatus]]:
    messages = [text(c, "message") for c in items(app, "status", "conditions")]
    message = "; ".join(m for m in messages if m) or None
    destination = text(app, "spec", "destination", "namespace")
    for resource in items(app, "status", "resources"):
        if text(resource, "kind") != "Deployment" or text(resource, "group") != "apps":
            continue
        key = (text(resource, "namespace") or destination, text(resource, "name"))
        yield (
            key,
            GitOpsStatus(
                tool="Argo CD",
                source=_source(app),
                sync=text(resource, "status") or text(app, "status", "sync", "status") or "Unknown",
                health=text(resource, "health", "status") or None,
                revision=text(app, "status", "sync", "revision") or None,
                message=message,
            ),
        )


def _flux(kustomization: Obj) -> Iterator[tuple[Key, GitOpsStatus]]:
    ready = condition(kustomization, "Ready") or {}
    state = {"True": "Ready", "False": "NotReady"}.get(text(ready, "status"), "Unknown")
    for entry in items(kustomization, "status", "inventory", "entries"):
        parts = text(entry, "id").split("_")
        if len(parts) != 4 or parts[2:] != ["apps", "Deployment"]:
            continue
        yield (
            (parts[0], parts[1]),
            GitOpsStatus(
                tool="Flux",
                source=_source(kustomization),
                sync=state,
                health=text(ready, "reason") or None,
                revision=text(kustomization, "status", "lastAppliedRevision") or None,
                message=text(ready, "message") or None,
            ),
        )


def gitops_index(
    applications: Iterable[Mapping[str, Any]], kustomizations: Iterable[Mapping[str, Any]]
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
