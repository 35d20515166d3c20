"""Flux GitRepositories as source-controller v1 writes them, beside the recorded
Kustomizations (tests/fixtures/flux), and the moments the staleness tests judge them at.

The capture (``tools/cluster/capture_flux_fixtures.py``) records Kustomizations only, so
these are built by hand, field for field after source-controller's GitRepository v1
status contract: ``Ready``, ``ArtifactInStorage``, ``FetchFailed`` (reason
``GitOperationFailed``, message "failed to checkout and determine revision: …" as its
git client words a refused connection), ``Reconciling`` and ``Stalled``; the artifact's
``revision`` and ``lastUpdateTime``; ``lastHandledReconcileAt``. Each names the
capture's source (``capflux/gitops-platform``), at the capture's applied revision unless
told otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.frontend.status.fixtures import load_flux

Obj = dict[str, Any]

NAMESPACE, NAME = "capflux", "gitops-platform"
URL = "http://127.0.0.1:39415/config.git"
REFUSED = (
    f"failed to checkout and determine revision: unable to list remote for '{URL}': "
    f'Get "{URL}/info/refs?service=git-upload-pack": dial tcp 127.0.0.1:39415: '
    "connect: connection refused"
)
# The capture's GitRepository stored its first artifact before the Kustomizations were
# created (10:14:02); dev applied it at 10:14:09.
STORED = datetime(2026, 12, 1, 10, 14, 0, tzinfo=UTC)
APPLIED = load_flux("ready").revisions["applied"]
NEWER = "main@sha1:" + "c0ffee" * 6 + "c0ff"


def stamp(moment: datetime) -> str:
    """A condition's or artifact's time: RFC 3339, whole seconds, as the API writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def token(moment: datetime) -> str:
    """A ``reconcile.fluxcd.io/requestedAt`` value as ``flux reconcile`` writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _condition(kind: str, status: str, reason: str, message: str, at: datetime) -> Obj:
    return {"type": kind, "status": status, "reason": reason, "message": message,
            "observedGeneration": 1, "lastTransitionTime": stamp(at)}  # fmt: skip


def stored(revision: str) -> str:
    return f"stored artifact for revision '{revision}'"


def ready_conditions(revision: str, at: datetime) -> list[Obj]:
    return [
        _condition("Ready", "True", "Succeeded", stored(revision), at),
        _condition("ArtifactInStorage", "True", "Succeeded", stored(revision), at),
    ]


def fetch_failed_conditions(revision: str, at: datetime) -> list[Obj]:
    """The git server refuses connections: the fetch fails, the last artifact stays."""
    return [
        _condition("FetchFailed", "True", "GitOperationFailed", REFUSED, at),
        _condition("Ready", "False", "GitOperationFailed", REFUSED, at),
        _condition("ArtifactInStorage", "True", "Succeeded", stored(revision), STORED),
    ]


def reconciling_conditions(revision: str, at: datetime) -> list[Obj]:
    building = f"building artifact: new upstream revision '{revision}'"
    return [
        _condition("Reconciling", "True", "Progressing", building, at),
        _condition("Ready", "Unknown", "Progressing", building, at),
        _condition("ArtifactInStorage", "True", "Succeeded", stored(APPLIED), STORED),
    ]


def stalled_conditions(revision: str, at: datetime) -> list[Obj]:
    invalid = "git URL is malformed: parse \"ht!tp://nowhere\": first path segment in URL " \
              "cannot contain colon"  # fmt: skip
    return [
        _condition("Stalled", "True", "URLInvalid", invalid, at),
        _condition("Ready", "False", "URLInvalid", invalid, at),
        _condition("ArtifactInStorage", "True", "Succeeded", stored(revision), STORED),
    ]


def gitrepository(
    revision: str = APPLIED,
    *,
    conditions: list[Obj] | None = None,
    stored_at: datetime = STORED,
    requested: str | None = None,
    handled: str | None = None,
    suspend: bool = False,
    namespace: str = NAMESPACE,
) -> Obj:
    """A GitRepository holding the artifact of REVISION, Ready unless told otherwise."""
    sha = revision.rpartition(":")[2]
    annotations = {"reconcile.fluxcd.io/requestedAt": requested} if requested else {}
    status: Obj = {
        "observedGeneration": 1,
        "artifact": {
            "digest": "sha256:" + "5e" * 32,
            "lastUpdateTime": stamp(stored_at),
            "path": f"gitrepository/{namespace}/{NAME}/{sha}.tar.gz",
            "revision": revision,
            "size": 48213,
            "url": f"http://127.0.0.1:39416/gitrepository/{namespace}/{NAME}/{sha}.tar.gz",
        },
        "conditions": ready_conditions(revision, stored_at) if conditions is None else conditions,
    }
    if handled:
        status["lastHandledReconcileAt"] = handled
    spec: Obj = {"interval": "1m", "timeout": "60s", "url": URL, "ref": {"branch": "main"},
                 "ignore": "/*\n!/k8s/\n"}  # fmt: skip
    if suspend:
        spec["suspend"] = True
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": NAME, "namespace": namespace, "generation": 1,
                     "uid": "7d1c2b7e-0000-4000-8000-00000000f1c5", "resourceVersion": "2400",
                     "creationTimestamp": "2026-12-01T10:13:58Z", "annotations": annotations},
        "spec": spec,
        "status": status,
    }  # fmt: skip


def ago(now: datetime, seconds: float) -> datetime:
    return now - timedelta(seconds=seconds)
