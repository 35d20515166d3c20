"""The source of a Flux Kustomization: its GitRepository, as source-controller reports it.

A Kustomization builds what its source's artifact holds, so when the source fails (the git
server is down, the credentials are refused) the Kustomization stays Ready and keeps
applying the last artifact: only the GitRepository says that nothing new can arrive.
The rules follow source-controller's GitRepository v1 status contract (its docs,
"GitRepository Status"): ``Ready=False`` names the failure in its reason (also set as a
``FetchFailed`` condition when the fetch failed), ``Stalled=True`` is terminal until the
spec changes, ``Reconciling=True`` is work in progress, and ``status.artifact`` is the
last artifact stored, kept through failures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from frontend.status.objects import Obj, condition, mapping, name, namespace, text
from frontend.status.verdict import FluxWords, Verdict, flux_verdict_by

SOURCE_KIND = "GitRepository"
Key = tuple[str, str]  # (namespace, name)

# source-controller v1 Ready=False reasons, in the words the card shows.
SOURCE_FAILURES = {
    "GitOperationFailed": "source fetch failed",  # clone or list-remote failed: server down
    "AuthenticationFailed": "source authentication failed",  # the credentials were refused
    "StorageOperationFailed": "source storage failed",  # the artifact could not be stored
    "URLInvalid": "source URL invalid",
}


@dataclass(frozen=True)
class Source:
    ref: str  # "<namespace>/<GitRepository name>"
    verdict: Verdict
    revision: str | None  # status.artifact.revision: what the Kustomization can still apply
    obj: Obj | None  # the GitRepository; None when the board does not see it


def source_key(kustomization: Obj) -> Key | None:
    """Where the Kustomization's GitRepository is; None for any other kind of source."""
    ref = mapping(kustomization, "spec", "sourceRef")
    if text(ref, "kind") != SOURCE_KIND or not text(ref, "name"):
        return None
    return text(ref, "namespace") or namespace(kustomization), text(ref, "name")


def index_sources(repositories: Iterable[Obj]) -> dict[Key, Obj]:
    return {(namespace(repo), name(repo)): repo for repo in repositories}


SOURCE_WORDS = FluxWords(
    suspended="source suspended",
    stalled="source stalled",
    reconciling="source reconciling",
    unobserved="source spec change not observed yet",
    ready="source ready",
    unknown="source status unknown",
)


def _source_not_ready(repository: Obj, reason: str | None, message: str | None) -> Verdict:
    fetch = condition(repository, "FetchFailed") or {}
    default = "source fetch failed" if text(fetch, "status") == "True" else "source not ready"
    return Verdict("failed", SOURCE_FAILURES.get(reason or "", default), reason, message)


def source_verdict(repository: Obj) -> Verdict:
    """What source-controller is doing with the GitRepository, by the same precedence as a
    Kustomization's verdict: suspended, stalled, Ready=False, Reconciling, Ready."""
    return flux_verdict_by(repository, SOURCE_WORDS, _source_not_ready)


def flux_source(kustomization: Obj, repositories: Mapping[Key, Obj]) -> Source | None:
    """The Kustomization's GitRepository and its verdict; None for another kind of source."""
    key = source_key(kustomization)
    if key is None:
        return None
    ref = f"{key[0]}/{key[1]}"
    repository = repositories.get(key)
    if repository is None:
        # Either it does not exist or the board may not read it: say both, decide neither.
        unseen = (
            f"{SOURCE_KIND} {ref} is not on the board: it does not exist, or the board may "
            "not list gitrepositories.source.toolkit.fluxcd.io in its namespace"
        )
        return Source(ref, Verdict("unknown", "source not seen", None, unseen), None, None)
    revision = text(repository, "status", "artifact", "revision") or None
    return Source(ref, source_verdict(repository), revision, repository)
