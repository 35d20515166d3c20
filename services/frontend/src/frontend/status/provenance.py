"""Provenance: what the spec declares, what the pods run, and what the backend says it is.

Three independent witnesses of "what is deployed". Tags float and caches lie, so the board
puts them side by side and says in words where they disagree (argo-cd#7155: show the digest).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from frontend.status.objects import Obj, container_images, items, mapping, name, text
from frontend.status.pods import digest
from frontend.status.shas import SHORT_SHA, short_sha

# Tags built from a commit: "abc1234", "sha-abc1234", or the full 40-character SHA.
_SHA_TAG = re.compile(r"^(?:sha-)?([0-9a-f]{7,40})$")
_SHORT = len("sha256:") + SHORT_SHA


@dataclass(frozen=True)
class Provenance:
    declared: tuple[str, ...]  # images in spec.template.spec.containers
    running: tuple[str, ...]  # distinct sha256 digests the pods report in imageID
    meta_git_sha: str | None
    meta_image: str | None
    meta_digest: str | None
    mismatch: bool
    reasons: tuple[str, ...]


def short(value: str) -> str:
    """``sha256:0123456789ab…``: enough to tell digests apart at a glance."""
    return value[:_SHORT] + "…" if len(value) > _SHORT else value


def _shorts(values: Sequence[str]) -> str:
    return ", ".join(short(v) for v in values)


def image_tag(image: str) -> str:
    """The tag of an image reference ("" when it has none)."""
    reference = image.split("@", 1)[0]
    # A colon after the last slash is a tag; one before it is a registry port.
    last = reference.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def _repository(image: str) -> str:
    """Image name without tag or digest, with Docker Hub's implicit prefixes removed."""
    reference = image.split("@", 1)[0]
    head, _, last = reference.rpartition("/")
    reference = f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]
    for prefix in ("docker.io/", "index.docker.io/", "library/"):
        reference = reference.removeprefix(prefix)
    return reference


def _running_by_container(pods: Sequence[Obj]) -> dict[str, list[str]]:
    running: dict[str, list[str]] = {}
    for pod in pods:
        for status in items(pod, "status", "containerStatuses"):
            found = digest(text(status, "imageID"))
            digests = running.setdefault(text(status, "name"), [])
            if found and found not in digests:
                digests.append(found)
    return running


def _spec_reasons(template: Obj, running: dict[str, list[str]]) -> list[str]:
    reasons = []
    for container in items(template, "spec", "containers"):
        pinned = digest(text(container, "image"))
        actual = running.get(text(container, "name"), [])
        if pinned and actual and any(d != pinned for d in actual):
            others = [d for d in actual if d != pinned]
            reasons.append(f"spec declares {short(pinned)} but pods run {_shorts(others)}")
    widest = max((len(d) for d in running.values()), default=0)
    if widest > 1:
        reasons.append(f"{widest} digests running: rollout in progress")
    return reasons


def _meta_reasons(
    declared: Sequence[str], pods: Sequence[Obj], running: Sequence[str], meta: Mapping[str, Any]
) -> list[str]:
    reasons = []
    meta_digest = text(meta, "image", "digest")
    meta_pod = text(meta, "pod", "name")
    reporter = next((pod for pod in pods if meta_pod and name(pod) == meta_pod), None)
    if meta_digest and reporter is not None:
        own = list(_running_by_container([reporter]).values())
        pod_digests = [d for digests in own for d in digests]
        if pod_digests and meta_digest not in pod_digests:
            reasons.append(
                f"pod {meta_pod} runs {_shorts(pod_digests)} but /meta reports {short(meta_digest)}"
            )
    elif meta_digest and running and meta_digest not in running:
        reasons.append(f"pods run {_shorts(running)} but /meta reports {short(meta_digest)}")
    pinned = [d for d in (digest(image) for image in declared) if d]
    if meta_digest and pinned and meta_digest not in pinned:
        reasons.append(f"spec declares {_shorts(pinned)} but /meta reports {short(meta_digest)}")

    meta_image = text(meta, "image", "ref")
    if meta_image and declared and _repository(meta_image) not in map(_repository, declared):
        reasons.append(f"/meta reports image {meta_image} but the spec declares {declared[0]}")
    git_sha = text(meta, "git_sha").lower()
    for image in declared:
        tag = image_tag(image)
        sha_tag = _SHA_TAG.match(tag)
        if git_sha and sha_tag and not git_sha.startswith(sha_tag.group(1)):
            reasons.append(
                f"spec declares tag {tag} but /meta reports git SHA {short_sha(git_sha)}"
            )
    return reasons


def provenance(
    deployment: Mapping[str, Any],
    pods: Sequence[Mapping[str, Any]],
    meta: Mapping[str, Any] | None = None,
) -> Provenance:
    """Compare the declared images, the pods' digests and the backend's ``/meta`` report.

    ``meta`` is the backend's ``/meta`` JSON (``git_sha``, ``image.ref``, ``image.digest``,
    ``pod.name``), or None when it has not been probed. Unknown values are never a mismatch.
    """
    template = mapping(deployment, "spec", "template")
    declared = container_images(template)
    by_container = _running_by_container(pods)
    running = tuple(dict.fromkeys(d for digests in by_container.values() for d in digests))
    reasons = _spec_reasons(template, by_container)
    if meta is not None:
        reasons += _meta_reasons(declared, pods, running, meta)
    return Provenance(
        declared=declared,
        running=running,
        meta_git_sha=text(meta, "git_sha") or None,
        meta_image=text(meta, "image", "ref") or None,
        meta_digest=text(meta, "image", "digest") or None,
        mismatch=bool(reasons),
        reasons=tuple(reasons),
    )
