"""Provenance: declared image vs running digests vs the backend's /meta."""

from __future__ import annotations

from typing import Any

import pytest

from frontend.status.provenance import provenance, short
from tools.platformkit.objects import (
    DIGEST_V1,
    DIGEST_V2,
    IMAGE_V2,
    container_status,
    mid_rollout,
    pod,
    rolled_out,
)

Obj = dict[str, Any]
SHA = "4f0c2d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"
OTHER = "sha256:" + "c3" * 32


def meta(
    digest: str | None = DIGEST_V2,
    image: str | None = IMAGE_V2,
    git_sha: str | None = SHA,
    pod_name: str | None = None,
) -> Obj:
    """The backend's /meta body (schema_version v1), trimmed to what provenance reads."""
    return {
        "schema_version": "v1",
        "service": "backend",
        "git_sha": git_sha,
        "image": {"ref": image, "digest": digest},
        "pod": {"name": pod_name, "namespace": "apps", "node": "node-1", "ip": "10.244.1.5"},
    }


def _declare(dep: Obj, image: str) -> Obj:
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = image
    return dep


def _case(
    dep_edit: str | None = None, pods_kind: str = "rolled", meta_body: Obj | None = None
) -> tuple[Obj, list[Obj], Obj | None]:
    dep, _replicasets, pods = rolled_out() if pods_kind == "rolled" else mid_rollout()
    if dep_edit:
        _declare(dep, dep_edit)
    if pods_kind == "no-image-id":
        for p in pods:
            p["status"]["containerStatuses"][0]["imageID"] = ""
    return dep, pods, meta_body


CASES = [
    pytest.param(_case(meta_body=meta()), (), id="all-agree"),
    pytest.param(_case(), (), id="no-meta-yet"),
    pytest.param(
        _case(meta_body=meta(digest=None, git_sha=None)), (), id="meta-unknowns-never-mismatch"
    ),
    pytest.param(
        _case(pods_kind="no-image-id", meta_body=meta(OTHER)), (), id="no-image-ids-reported"
    ),
    pytest.param(
        _case(meta_body=meta(OTHER)),
        (f"pods run {short(DIGEST_V2)} but /meta reports {short(OTHER)}",),
        id="meta-digest-differs-from-pods",
    ),
    pytest.param(
        _case(meta_body=meta(OTHER, pod_name="web-5c8d7f9b6-abcde")),
        (f"pod web-5c8d7f9b6-abcde runs {short(DIGEST_V2)} but /meta reports {short(OTHER)}",),
        id="meta-digest-differs-from-reporting-pod",
    ),
    pytest.param(
        _case(pods_kind="mid", meta_body=meta(DIGEST_V1)),
        ("2 digests running: rollout in progress",),
        id="two-digests-running-mid-rollout",
    ),
    pytest.param(
        _case(dep_edit=f"ghcr.io/acme/backend@{OTHER}"),
        (f"spec declares {short(OTHER)} but pods run {short(DIGEST_V2)}",),
        id="pinned-spec-digest-differs-from-pods",
    ),
    pytest.param(
        _case(dep_edit=f"ghcr.io/acme/backend@{DIGEST_V2}", meta_body=meta(OTHER, image=None)),
        (
            f"pods run {short(DIGEST_V2)} but /meta reports {short(OTHER)}",
            f"spec declares {short(DIGEST_V2)} but /meta reports {short(OTHER)}",
        ),
        id="pinned-spec-digest-differs-from-meta",
    ),
    pytest.param(
        _case(meta_body=meta(image="ghcr.io/acme/frontend:2.0.0")),
        (
            "/meta reports image ghcr.io/acme/frontend:2.0.0 "
            "but the spec declares ghcr.io/acme/backend:2.0.0",
        ),
        id="meta-image-repository-differs",
    ),
    pytest.param(
        _case(dep_edit="nginx:1.27", meta_body=meta(image="docker.io/library/nginx:1.27")),
        (),
        id="docker-hub-prefixes-normalised",
    ),
    pytest.param(
        _case(dep_edit="ghcr.io/acme/backend:sha-4f0c2d9", meta_body=meta()),
        (),
        id="sha-tag-matches-meta-git-sha",
    ),
    pytest.param(
        _case(dep_edit="ghcr.io/acme/backend:1a2b3c4", meta_body=meta()),
        (f"spec declares tag 1a2b3c4 but /meta reports git SHA {SHA[:12]}",),
        id="sha-tag-differs-from-meta-git-sha",
    ),
    pytest.param(
        _case(
            dep_edit="localhost:5000/acme/backend",
            meta_body=meta(image="localhost:5000/acme/backend:2"),
        ),
        (),
        id="registry-port-is-not-a-tag",
    ),
]


@pytest.mark.parametrize(("scenario", "reasons"), CASES)
def test_provenance_reasons(
    scenario: tuple[Obj, list[Obj], Obj | None], reasons: tuple[str, ...]
) -> None:
    dep, pods, meta_body = scenario
    result = provenance(dep, pods, meta_body)
    assert result.reasons == reasons
    assert result.mismatch is bool(reasons)


def test_provenance_lists_the_three_witnesses() -> None:
    dep, _, pods = rolled_out()
    result = provenance(dep, pods, meta(pod_name="web-5c8d7f9b6-abcde"))
    assert (result.declared, result.running) == ((IMAGE_V2,), (DIGEST_V2,))
    assert (result.meta_git_sha, result.meta_image, result.meta_digest) == (
        SHA,
        IMAGE_V2,
        DIGEST_V2,
    )


def test_sidecar_digests_do_not_count_as_a_rollout() -> None:
    dep, replicasets, _ = rolled_out()
    sidecar = container_status("proxy", image="envoy:1.30", digest=OTHER)
    pods = [
        pod(replicasets[1], s, statuses=[container_status(), sidecar]) for s in ("aaaaa", "bbbbb")
    ]
    result = provenance(dep, pods, meta(pod_name="web-5c8d7f9b6-aaaaa"))
    assert (result.running, result.reasons) == ((DIGEST_V2, OTHER), ())
