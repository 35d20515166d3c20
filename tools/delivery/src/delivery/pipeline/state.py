"""Where each environment stands, read from the config repository's git history alone.

An environment's *promotion in effect* is the newest ``deploy(<env>):`` commit that no
revert names (``Reverts-Promotion:``); its verdict is the last record in its git note
(refs/notes/deployments). Nothing else is stored: the runner restarts from this.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from delivery.git import GitError, run
from delivery.history import Promotion, read_history
from delivery.overlay import OverlayError, read_digests
from delivery.records import Verdict

CHAIN = ("dev", "staging", "prod")  # promotion order, as k8s/gitops/flux's dependsOn


def overlay_path(env: str) -> str:
    return f"k8s/overlays/{env}/kustomization.yaml"


@dataclass(frozen=True)
class EnvState:
    name: str
    promotion: str | None = None  # the promotion in effect (None: none yet)
    source_sha: str | None = None  # what it was built from
    verdict: Verdict | None = None  # its last record (None: not verified yet)
    digests: dict[str, str] = field(default_factory=dict)  # the overlay's images now
    tried: frozenset[str] = frozenset()  # every source SHA ever promoted here
    failed: frozenset[str] = frozenset()  # ... and reverted or recorded failed

    def describe(self) -> str:
        if self.promotion is None:
            return f"{self.name}: no promotion yet"
        source = (self.source_sha or "?")[:12]
        return f"{self.name}: {source} ({self.verdict or 'not verified yet'})"


def env_state(env: str, ordered: Sequence[Promotion], digests: dict[str, str]) -> EnvState:
    """ENV's state from its promotions, newest first (pure)."""
    mine = [p for p in ordered if p.environment == env]
    current = next((p for p in mine if p.reverted_by is None), None)
    failed = {
        p.source_sha
        for p in mine
        if p.reverted_by is not None or (p.records and p.records[-1].verdict == "failed")
    }
    return EnvState(
        name=env,
        promotion=current.sha if current else None,
        source_sha=current.source_sha if current else None,
        verdict=current.records[-1].verdict if current and current.records else None,
        digests=digests,
        tried=frozenset(p.source_sha for p in mine),
        failed=frozenset(failed),
    )


def read_states(
    repo: Path, chain: Sequence[str] = CHAIN, history: Sequence[Promotion] | None = None
) -> list[EnvState]:
    """Every environment of CHAIN as HEAD of REPO says (a work clone or a bare repository);
    HISTORY: ``read_history(repo)``, when the caller has read it already."""
    by_sha = {p.sha: p for p in (read_history(repo) if history is None else history)}
    # git log's order, newest first: committer dates tie within a second.
    order = run(repo, "log", "--format=%H", "HEAD").split()
    ordered = [by_sha[sha] for sha in order if sha in by_sha]
    states = []
    for env in chain:
        path = overlay_path(env)
        try:
            digests = read_digests(run(repo, "show", f"HEAD:{path}"), path)
        except (GitError, OverlayError):  # no overlay (yet): no images
            digests = {}
        states.append(env_state(env, ordered, digests))
    return states
