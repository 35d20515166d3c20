"""Convergence of a rollout, judged from what actually answers: pure logic, no I/O.

An observation is one answer (or failure) from one poll. A rollout has converged
when ``required`` consecutive polls all matched the expected version. With
endpoint polling, one poll covers every ready endpoint and matches only if all
of them do.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    CONVERGED = "converged"
    MISMATCH = "mismatch"  # answers came, but not (all) the expected version
    UNREACHABLE = "unreachable"  # nothing usable answered
    # Every target refused the request itself (a 4xx), or answered with something
    # that is not a /meta document (the health check's JSON, an HTML page).
    MISCONFIGURED = "misconfigured"
    # At the timeout the Deployment's template did not pin the expected digest yet: the
    # version never reached the cluster, so there is nothing to judge it by.
    NOT_DELIVERED = "not-delivered"


EXIT_CODES = {
    Outcome.CONVERGED: 0,
    Outcome.MISMATCH: 1,
    Outcome.UNREACHABLE: 2,
    Outcome.MISCONFIGURED: 3,  # the usage/config code: the URL, not the rollout, is wrong
    Outcome.NOT_DELIVERED: 4,
}
# Client errors a retry can cure (a slow or throttled server); any other 4xx from
# every target says the request is wrong (a missing /meta, a proxy's 401 or 403).
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


def refused(answer: Answer) -> bool:
    """The answer says the request is wrong, however long one waits: a final 4xx, or
    a 200 that is not a /meta document."""
    status = answer.status
    if answer.error is not None or status is None:
        return False
    if answer.not_meta is not None:
        return True
    return 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS


@dataclass(frozen=True)
class Expected:
    git_sha: str
    image_digest: str | None = None


@dataclass(frozen=True)
class Answer:
    """What one target said; ``error`` is set when no usable /meta came back."""

    target: str
    status: int | None = None
    git_sha: str | None = None
    image_digest: str | None = None
    version: str | None = None
    ready: bool | None = None
    error: str | None = None
    # Set when a 200 came back that is not a /meta document: what it was instead
    # (its content type, and why it is not /meta).
    not_meta: str | None = None

    @property
    def reachable(self) -> bool:
        return self.error is None and self.status is not None

    def label(self) -> str:
        if self.error is not None:
            return f"error ({self.error})"
        if self.status != 200:
            return f"HTTP {self.status}"
        if self.not_meta is not None:
            return f"HTTP 200 {self.not_meta}"
        sha = (self.git_sha or "unknown")[:12]
        suffix = "" if self.ready else ", not ready"
        return f"{sha} ({self.version or 'no version'}{suffix})"


def matches(answer: Answer, expected: Expected) -> bool:
    """A draining or not-ready answer never counts: that pod is leaving or not serving yet."""
    return (
        answer.reachable
        and answer.status == 200
        and answer.git_sha == expected.git_sha
        and (expected.image_digest is None or answer.image_digest == expected.image_digest)
        and answer.ready is True
    )


@dataclass
class Tracker:
    expected: Expected
    required: int
    consecutive: int = 0
    polls: int = 0
    seen: Counter[str] = field(default_factory=Counter)
    last_answers: tuple[Answer, ...] = ()
    ever_reachable: bool = False

    def record(self, answers: tuple[Answer, ...]) -> None:
        """Record one poll; an empty poll (no endpoints) breaks the streak."""
        self.polls += 1
        self.last_answers = answers
        for answer in answers:
            self.seen[answer.label()] += 1
            self.ever_reachable = self.ever_reachable or answer.reachable
        if answers and all(matches(a, self.expected) for a in answers):
            self.consecutive += 1
        else:
            self.consecutive = 0

    @property
    def converged(self) -> bool:
        return self.consecutive >= self.required

    @property
    def misconfigured(self) -> bool:
        """Every target of the last poll refused the request: waiting cannot help."""
        return bool(self.last_answers) and all(refused(a) for a in self.last_answers)

    def outcome(self) -> Outcome:
        if self.converged:
            return Outcome.CONVERGED
        if self.misconfigured:
            return Outcome.MISCONFIGURED
        # Judged by the final poll: nothing answering then is "unreachable",
        # whatever answered earlier; otherwise the wrong or mixed versions answered.
        if not any(a.reachable for a in self.last_answers):
            return Outcome.UNREACHABLE
        return Outcome.MISMATCH
