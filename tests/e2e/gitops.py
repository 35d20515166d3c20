"""The drill's versions: the pipeline's promotion of backend version "A", "B" or "C"
(made-up source SHAs and digests, ``promote``, ``SHA``, ``DIGEST``), shared with the
Argo CD test, and what the tests read off a Deployment.

The config repository (``tools.platformkit.gitops.configrepo``) and Flux as the CLI sees
it (``tools.platformkit.gitops.flux_view``) are the runtime's own. Nothing here applies
a delivered manifest: only Flux's kustomize-controller does.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tools.platformkit.gitops.configrepo import ConfigRepo

Json = dict[str, Any]
# Who seeds the drill's config repository: CI's bot, as on the forge.
CI_AUTHOR = ("github-actions[bot]", "ci@example.invalid")
SHA = {v: hashlib.sha1(v.encode()).hexdigest() for v in ("A", "B", "C")}  # noqa: S324 - test ids
DIGEST = {v: "sha256:" + hashlib.sha256(v.encode()).hexdigest() for v in ("A", "B", "C")}


def promote(repo: ConfigRepo, version: str) -> str:
    """What promote.yaml does: the promotion commit, pushed; returns its SHA."""
    pushed = repo.promote(DIGEST[version], SHA[version])
    assert repo.subject() == f"deploy(dev): promote backend to {SHA[version][:12]}"
    return pushed


def image(deployment: Json) -> str:
    """The image of a Deployment's (first) container."""
    found: str = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    return found


def deployment_revision(deployment: Json) -> int:
    return int(deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
