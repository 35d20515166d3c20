"""What a GitOps object is doing, in the board's words: the vocabulary every GitOps rule
shares (Argo CD Applications, Flux Kustomizations and their GitRepositories), and how a
card shortens their messages and revisions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from frontend.status.objects import Obj, condition, flag, number, text
from frontend.status.shas import short_sha

State = Literal["ready", "reconciling", "failed", "suspended", "out-of-sync", "unknown"]

# How much of a message the card shows; the whole text is in the element's title.
MESSAGE_EXCERPT = 240


@dataclass(frozen=True)
class Verdict:
    state: State
    phrase: str
    reason: str | None
    message: str | None


def verdict_of(
    cond: Obj, state: State, phrase: str, reason: str | None, message: str | None
) -> Verdict:
    """A verdict in COND's own reason and message, Ready's where it has none."""
    return Verdict(
        state, phrase, text(cond, "reason") or reason, text(cond, "message").strip() or message
    )


@dataclass(frozen=True)
class FluxWords:
    """What a card calls each state of one kind of Flux object."""

    suspended: str
    stalled: str
    reconciling: str
    unobserved: str  # Ready, but a spec change not observed yet
    ready: str
    unknown: str


# What Ready=False means for the kind: (the object, Ready's reason, its message) -> verdict.
NotReady = Callable[[Obj, str | None, str | None], Verdict]


def flux_verdict_by(obj: Obj, words: FluxWords, not_ready: NotReady) -> Verdict:  # noqa: PLR0911
    """A Flux object's verdict by the precedence every Flux kind shares (kstatus):
    suspended, Stalled=True, Ready=False, Reconciling=True, Ready=True (with its spec
    change observed), else unknown."""
    ready = condition(obj, "Ready") or {}
    ready_status, reason = text(ready, "status"), text(ready, "reason") or None
    message = text(ready, "message").strip() or None
    if flag(obj, "spec", "suspend"):
        return Verdict("suspended", words.suspended, reason, message)
    stalled = condition(obj, "Stalled") or {}
    if text(stalled, "status") == "True":
        return verdict_of(stalled, "failed", words.stalled, reason, message)
    if ready_status == "False":
        return not_ready(obj, reason, message)
    reconciling = condition(obj, "Reconciling") or {}
    if text(reconciling, "status") == "True":
        return verdict_of(reconciling, "reconciling", words.reconciling, reason, message)
    if ready_status == "True":
        observed = number(obj, "status", "observedGeneration")
        if number(obj, "metadata", "generation") > observed:
            return Verdict("reconciling", words.unobserved, None, None)
        return Verdict("ready", words.ready, reason, message)
    return Verdict("unknown", words.unknown, reason, message)


def excerpt(message: str | None, limit: int = MESSAGE_EXCERPT) -> str:
    """Whitespace folded to single spaces, cut at a word boundary with an ellipsis."""
    flat = " ".join((message or "").split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


_DIGEST = re.compile(r"^(?P<prefix>.*?:)?(?P<digest>[0-9a-f]{13,})$")


def short_revision(revision: str) -> str:
    """``main@sha1:<40 hex>`` to ``main@sha1:<12 hex>``; a bare SHA to its first 12.

    Flux v1 revisions are ``<ref>@<algorithm>:<digest>`` (or ``<algorithm>:<digest>``);
    Argo CD's are bare commit SHAs. Anything else is returned unchanged.
    """
    match = _DIGEST.match(revision)
    if not match:
        return revision
    return (match["prefix"] or "") + short_sha(match["digest"])
