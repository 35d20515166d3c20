"""Has a rollout failed? Judged from what Kubernetes itself reports, never from a timer of
our own (pure: objects in, a reason or None out).

A rollout of the promoted version has failed when either
- the Deployment's ``Progressing`` condition is ``False`` with reason
  ``ProgressDeadlineExceeded`` for its current generation: the deployment controller's
  verdict, the one ``kubectl rollout status`` exits non-zero on and Argo CD calls
  Degraded; the bound is the Deployment's own ``progressDeadlineSeconds``; or
- a container of a pod running the promoted image is waiting for a reason that no
  waiting cures (``CrashLoopBackOff``, ``ImagePullBackOff``, ``ErrImagePull``,
  ``CreateContainerConfigError``, ...): the kubelet's verdict, reported at once.
The reason given quotes the kubelet's own Warning events on those pods (readiness
probe failures, back-offs), newest first, so a person sees why without kubectl.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Json = Mapping[str, Any]
STUCK_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)


def _pods_of(pods: Sequence[Json], digest: str) -> list[Json]:
    return [
        pod
        for pod in pods
        if any(
            digest in (c.get("image") or "")
            for c in (pod.get("spec") or {}).get("containers") or []
        )
    ]


def _warnings(events: Sequence[Json], pod_names: set[str], limit: int = 2) -> list[str]:
    mine = [
        e
        for e in events
        if e.get("type") == "Warning" and (e.get("involvedObject") or {}).get("name") in pod_names
    ]
    mine.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""), reverse=True)
    return [
        f"{e.get('reason')}: {str(e.get('message') or '').strip()} (x{e.get('count') or 1})"
        for e in mine[:limit]
    ]


def rollout_failure(
    deployment: Json, pods: Sequence[Json], events: Sequence[Json], digest: str | None
) -> str | None:
    """Why the rollout of DIGEST failed, or None while it has not (yet)."""
    new = _pods_of(pods, digest) if digest else []
    why: str | None = None
    for pod in new:
        pod_status = pod.get("status") or {}
        # An init container stuck (CrashLoopBackOff) holds the pod as surely as the app's.
        statuses = [
            *(pod_status.get("initContainerStatuses") or []),
            *(pod_status.get("containerStatuses") or []),
        ]
        for status in statuses:
            waiting = (status.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in STUCK_REASONS:
                why = (
                    f"pod {pod['metadata']['name']}: container {status.get('name')} "
                    f"{waiting['reason']}"
                )
                break
        if why:
            break
    meta, status = deployment.get("metadata") or {}, deployment.get("status") or {}
    template = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
    promoted = digest is None or any(
        digest in (c.get("image") or "") for c in template.get("containers") or []
    )
    current = promoted and status.get("observedGeneration", 0) >= meta.get("generation", 0)
    for condition in status.get("conditions") or []:
        if (
            why is None
            and current
            and condition.get("type") == "Progressing"
            and condition.get("status") == "False"
            and condition.get("reason") == "ProgressDeadlineExceeded"
        ):
            why = f"ProgressDeadlineExceeded: {condition.get('message') or ''}".strip()
    if why is None:
        return None
    seen = _warnings(events, {p["metadata"]["name"] for p in new})
    return "; ".join([why, *seen])
