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

A progress deadline is confirmed, not taken at its first sight: verify accepts it once it
has stood for one more deadline (at least 30 s, at most 60 s; ``DeadlineConfirmation``),
because a deadline also passes while the control plane, the container runtime or the
registry is away for a moment (the chaos tier's etcd and containerd rows: the
Deployment made no progress for 15 s, through no fault of the version). Progress after
that flips the condition back, and the rollout goes on; a version that never gets ready
is reverted one confirmation later.

One exception: a pull that failed because the registry could not be reached (connection
refused, a timeout, a 5xx: the kubelet's message or its newest ``Failed`` event on the pod
says so) is not the version's fault, and the kubelet's pull back-off (10 s doubling to
300 s) cures it once the registry is back. Such a pod holds the rollout without failing
it, and so does the progress deadline it makes the Deployment miss: the verdict waits,
bounded by verify's own timeout (docs/chaos.md). A digest the registry does not have
("not found", "manifest unknown") still fails at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

DEADLINE = "ProgressDeadlineExceeded"
CONFIRM_MIN_S, CONFIRM_MAX_S = 30.0, 60.0
DEFAULT_DEADLINE_S = 600  # the API's default progressDeadlineSeconds


def confirmation_seconds(deployment: Json) -> float:
    """How long a progress-deadline verdict must stand: one more deadline, within bounds."""
    spec = deployment.get("spec") or {}
    deadline = spec.get("progressDeadlineSeconds", DEFAULT_DEADLINE_S)
    seconds = float(deadline) if isinstance(deadline, int) else float(DEFAULT_DEADLINE_S)
    return min(max(seconds, CONFIRM_MIN_S), CONFIRM_MAX_S)


@dataclass
class DeadlineConfirmation:
    """A verdict of ``rollout_failure`` as verify acts on it: the same, except that a
    progress deadline counts only once it has stood ``confirmation_seconds``."""

    since: float | None = None  # when the deadline verdict was first seen (monotonic)

    def judge(self, failed: str | None, deployment: Json, now: float) -> str | None:
        if failed is None or not failed.startswith(DEADLINE):
            self.since = None
            return failed
        self.since = now if self.since is None else self.since
        return failed if now - self.since >= confirmation_seconds(deployment) else None

    def waiting(self, now: float) -> float | None:
        """Seconds the current deadline verdict has stood (None: there is none)."""
        return None if self.since is None else now - self.since


PULL_REASONS = frozenset({"ImagePullBackOff", "ErrImagePull"})
# How containerd and the kubelet word a registry that did not answer (Go's net and
# net/http errors), as opposed to one that answered "no such image".
UNREACHABLE = (
    "connection refused",
    "i/o timeout",
    "no route to host",
    "connection reset by peer",
    "tls handshake timeout",
    "503 service unavailable",
    "502 bad gateway",
    "504 gateway timeout",
    "server misbehaving",
    "unexpected eof",
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


def registry_unreachable(pod: Json, waiting: Json, events: Sequence[Json]) -> bool:
    """Whether POD's image pull failed only because its registry did not answer."""
    if waiting.get("reason") not in PULL_REASONS:
        return False
    name = (pod.get("metadata") or {}).get("name")
    pulls = [
        e
        for e in events
        if (e.get("involvedObject") or {}).get("name") == name and e.get("reason") == "Failed"
    ]
    pulls.sort(key=lambda e: str(e.get("lastTimestamp") or e.get("eventTime") or ""))
    said = [str(waiting.get("message") or ""), str(pulls[-1].get("message") or "") if pulls else ""]
    text = " ".join(said).lower()
    return any(words in text for words in UNREACHABLE)


def held_by_registry(pods: Sequence[Json], events: Sequence[Json], digest: str) -> str | None:
    """The first pod of DIGEST whose pull waits on an unreachable registry, in words."""
    for pod in _pods_of(pods, digest):
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            waiting = (status.get("state") or {}).get("waiting") or {}
            if registry_unreachable(pod, waiting, events):
                return (f"pod {pod['metadata']['name']}: container {status.get('name')} "
                        f"{waiting['reason']}: the registry does not answer")  # fmt: skip
    return None


def not_delivered(deployment: Json, digest: str) -> str | None:
    """Why DIGEST cannot be judged yet: the Deployment's template pins other images, so
    GitOps has not applied the promotion (a controller or its source is down). In words;
    None once the template pins DIGEST, or when there is no Deployment to read."""
    images = _template_images(deployment)
    if not images or any(digest in image for image in images):
        return None
    pinned = ", ".join(_short(image) for image in images)
    return f"the Deployment's template still pins {pinned}, not {digest[:19]}..."


def _template_images(deployment: Json) -> list[str]:
    """The images the Deployment's pod template pins, one per container."""
    template = ((deployment.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [str(c.get("image") or "") for c in template.get("containers") or []]


def _short(image: str) -> str:
    """``name@sha256:0123456789ab...`` for ``registry/path/name@sha256:<64 hex>``."""
    name, at, digest = image.rsplit("/", 1)[-1].partition("@")
    return f"{name}@{digest[:19]}..." if at else name


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
            if waiting.get("reason") in STUCK_REASONS and not registry_unreachable(
                pod, waiting, events
            ):
                why = (
                    f"pod {pod['metadata']['name']}: container {status.get('name')} "
                    f"{waiting['reason']}"
                )
                break
        if why:
            break
    meta, status = deployment.get("metadata") or {}, deployment.get("status") or {}
    promoted = digest is None or any(digest in image for image in _template_images(deployment))
    current = promoted and status.get("observedGeneration", 0) >= meta.get("generation", 0)
    # The deadline missed while the registry was away is the registry's, not the version's.
    current = current and not (digest and held_by_registry(pods, events, digest))
    for condition in status.get("conditions") or []:
        if (
            why is None
            and current
            and condition.get("type") == "Progressing"
            and condition.get("status") == "False"
            and condition.get("reason") == "ProgressDeadlineExceeded"
        ):
            why = f"{DEADLINE}: {condition.get('message') or ''}".strip()
    if why is None:
        return None
    seen = _warnings(events, {p["metadata"]["name"] for p in new})
    return "; ".join([why, *seen])
