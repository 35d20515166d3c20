"""Argo CD's resource hooks: which objects gitops-engine's ``hook.IsHook`` calls hooks.

It decides whether a pod's ``argocd.argoproj.io/ignore-restart-policy`` is honoured (never
for a hook). Ported from gitops-engine ``pkg/sync/hook/hook.go`` and ``hook/helm`` at the
version Argo CD v3.2.11 resolves; ``tests/differential`` compares it with that code.
"""

from __future__ import annotations

from frontend.status.objects import Obj, mapping

ARGO_HOOK = "argocd.argoproj.io/hook"
HELM_HOOK = "helm.sh/hook"
# common.NewHookType accepts exactly these; helm's types map onto PreSync and PostSync.
_ARGO_TYPES = frozenset({"PreSync", "Sync", "PostSync", "SyncFail", "Skip"})
_HELM_TYPES = frozenset({"pre-install", "pre-upgrade", "post-upgrade", "post-install"})
# Helm marks CRDs with its hook annotation too; they are not hooks.
_HELM_CRD = "crd-install"


def _csv(value: object) -> set[str]:
    """``resource.GetAnnotationCSVs``: comma-separated, trimmed, empty items dropped, deduped."""
    if not isinstance(value, str):
        return set()
    return {item.strip() for item in value.split(",")} - {""}


def _types(annotations: Obj) -> set[str]:
    """``hook.Types``: Argo's hook types, or Helm's (as Argo types) when there are none."""
    argo = _csv(annotations.get(ARGO_HOOK)) & _ARGO_TYPES
    if argo:
        return argo
    helm = _csv(annotations.get(HELM_HOOK)) & _HELM_TYPES
    return {"PreSync" if kind.startswith("pre-") else "PostSync" for kind in helm}


def is_hook(obj: Obj | None) -> bool:
    """``hook.IsHook``: an Argo hook annotation that is not a lone ``Skip`` (even an empty
    one), else a Helm hook annotation other than ``crd-install``."""
    annotations = mapping(obj, "metadata", "annotations")
    if ARGO_HOOK in annotations:
        # hook.Skip: Skip is the only type (deduplicated: "Skip,Skip" skips too).
        return _types(annotations) != {"Skip"}
    return HELM_HOOK in annotations and annotations.get(HELM_HOOK) != _HELM_CRD
