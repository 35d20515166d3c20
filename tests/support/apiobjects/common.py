"""What every kind shares: names, timestamps, metadata, annotations and conditions.

Everything here is what the v1.36 apiserver stores and returns: names pass its DNS-1123
checks, timestamps are RFC 3339 at second precision in UTC, fields Go marks ``omitempty`` are
left out when empty. ``odd=True`` mixes in values only a hand-written object could carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from string import ascii_lowercase, digits
from typing import Any

from hypothesis import strategies as st

Json = dict[str, Any]

# Every generated time is at or before NOW, so tests can pass it as the clock.
NOW = datetime(2026, 12, 7, 1, 2, 3, tzinfo=UTC)
# Off-server: the zero time.Time, which the apiserver never stores as a deletionTimestamp.
ZERO_TIME = "0001-01-01T00:00:00Z"
# The kubelet's startedAt for a container that never started (StartError).
EPOCH = "1970-01-01T00:00:00Z"

HOOK_FINALIZER = "argocd.argoproj.io/hook-finalizer"
REVISION = "deployment.kubernetes.io/revision"
ARGO_HOOK = "argocd.argoproj.io/hook"
HELM_HOOK = "helm.sh/hook"
IGNORE_RESTART_POLICY = "argocd.argoproj.io/ignore-restart-policy"
HASH_LABEL = "pod-template-hash"
STATUSES = ("True", "False", "Unknown")

# Annotation values are free strings to the apiserver, so these are all server-shaped.
HOOKS = (
    "",
    "PreSync",
    "Skip",
    "Skip,Skip",
    " Skip ",
    "PreSync,Skip",
    "Sync",
    "PostSync",
    "garbage",
)
HELM_HOOKS = ("pre-install", "crd-install", "post-upgrade", "test", "", "garbage")
IGNORE_RESTART_VALUES = ("true", "false", "True", "")
# Only a person edits the revision annotation into these; the controller writes decimals.
ODD_REVISIONS = ("", " 3", "3_0", "+4", "-1", "007", "99999999999999999999", "\u0663", "x")
ODD_API_VERSIONS = {"apps/v1": ("apps/v1beta2", "apps/v1beta1", "extensions/v1beta1")}
FINALIZERS = (HOOK_FINALIZER, "foregroundDeletion", "example.com/protect")

_WORDS = ("web", "api", "db", "worker", "cache", "nginx", "app-1", "a")
# The deployment controller's SafeEncodeString alphabet for pod-template-hash.
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_ALNUM = ascii_lowercase + digits


@cache
def chance(one_in: int) -> st.SearchStrategy[bool]:
    """True about once in ONE_IN draws; shrinks to False, so shrinking drops rare features."""
    return st.integers(1, one_in).map(lambda n: n == one_in)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def at(age: int) -> str:
    """The timestamp AGE seconds before NOW."""
    return rfc3339(NOW - timedelta(seconds=age))


def ages(most: int = 3 * 86400) -> st.SearchStrategy[int]:
    """Seconds before NOW, up to MOST; a third of the draws within 30 s of NOW, so short
    thresholds (the 15 s unschedulable grace) are crossed from both sides."""
    return st.one_of(
        st.integers(0, min(30, most)), st.integers(0, min(3600, most)), st.integers(0, most)
    )


def _spelled(number: int, alphabet: str, size: int = 0) -> str:
    """NUMBER written in ALPHABET's digits, padded to SIZE with its first one."""
    letters: list[str] = []
    while number or len(letters) < size:
        number, digit = divmod(number, len(alphabet))
        letters.append(alphabet[digit])
    return "".join(letters)


@cache
def dns_labels() -> st.SearchStrategy[str]:
    """RFC 1123 labels, short enough to double as label values; spelled from one drawn
    integer rather than a draw per character, since a pod needs a dozen names."""
    word = st.integers(0, 36**6).map(
        lambda n: _spelled(n % 26, ascii_lowercase, 1) + _spelled(n // 26, _ALNUM)
    )
    dashed = st.tuples(word, st.integers(0, 36**4)).map(
        lambda p: f"{p[0]}-{_spelled(p[1], _ALNUM)}0"
    )
    return st.one_of(st.sampled_from(_WORDS), word, dashed)


@cache
def dns_subdomains() -> st.SearchStrategy[str]:
    """RFC 1123 subdomains of one or two labels ("a.b" is a valid Deployment name)."""
    return st.lists(dns_labels(), min_size=1, max_size=2).map(".".join)


@cache
def template_hashes() -> st.SearchStrategy[str]:
    return st.integers(0, len(_HASH_ALPHABET) ** 10 - 1).map(
        lambda n: _spelled(n, _HASH_ALPHABET, 10)
    )


@cache
def hex64() -> st.SearchStrategy[str]:
    return st.binary(min_size=32, max_size=32).map(bytes.hex)


@cache
def uids() -> st.SearchStrategy[str]:
    return st.uuids().map(str)


def api_versions(standard: str, odd: bool) -> st.SearchStrategy[str]:
    others = ODD_API_VERSIONS.get(standard, ()) if odd else ()
    return st.sampled_from((standard, standard, standard, *others))


def revisions(odd: bool) -> st.SearchStrategy[str]:
    plain = st.integers(1, 12).map(str)
    return st.one_of(plain, st.sampled_from(ODD_REVISIONS)) if odd else plain


def annotation_maps(
    *, revision: bool = False, hooks: bool = True, restart: bool = False, odd: bool = False
) -> st.SearchStrategy[dict[str, str]]:
    """Each requested annotation present about half the time, independently."""
    optional: dict[str, st.SearchStrategy[str]] = {}
    if revision:
        optional[REVISION] = revisions(odd)
    if hooks:
        optional[ARGO_HOOK] = st.sampled_from(HOOKS)
        optional[HELM_HOOK] = st.sampled_from(HELM_HOOKS)
    if restart:
        optional[IGNORE_RESTART_POLICY] = st.sampled_from(IGNORE_RESTART_VALUES)
    return st.fixed_dictionaries({}, optional=optional)


def observed_generations(generation: int, odd: bool) -> st.SearchStrategy[int]:
    """Caught up (usually), behind, or 0 (never observed; the caller omits it)."""
    choices = [generation, generation, generation, generation - 1, 0]
    if odd:
        # The controller never reports a generation it has not seen.
        choices += [generation + 1, generation + 1]
    return st.sampled_from(choices)


@st.composite
def metadata(
    draw: st.DrawFn,
    name: str,
    *,
    created: int,
    generation: int,
    labels: Mapping[str, str],
    notes: st.SearchStrategy[dict[str, str]],
    graceful: bool = False,
    deleting: bool | None = None,
    owner: Json | None = None,
    odd: bool = False,
) -> Json:
    """ObjectMeta as returned. GRACEFUL: deletion waits out a grace period (only a pod bound
    to a node); anything else is gone at once unless a finalizer holds it, so it has one."""
    meta: Json = {
        "name": name,
        "namespace": draw(st.sampled_from(("default", "shop", "team-a"))),
        "uid": draw(uids()),
        "resourceVersion": str(draw(st.integers(1, 10**7))),
        "generation": generation,
        "creationTimestamp": at(created),
        "labels": dict(labels),
    }
    found = draw(notes)
    if found:
        meta["annotations"] = found
    if owner is not None:
        meta["ownerReferences"] = [owner]
    # Argo CD's hook finalizer decides pending deletion, so it is the likeliest.
    weighted = st.sampled_from((HOOK_FINALIZER, *FINALIZERS))
    finalizers = draw(st.lists(weighted, max_size=2, unique=True))
    if deleting is None:
        # Odd objects are deleted more often: the zero deletionTimestamp needs a deletion.
        deleting = draw(chance(3 if odd else 4))
    if deleting and not graceful and not finalizers:
        finalizers = [draw(weighted)]
    if finalizers:
        meta["finalizers"] = finalizers
    if deleting:
        zero = odd and draw(st.booleans())
        meta["deletionTimestamp"] = ZERO_TIME if zero else at(draw(st.integers(0, created)))
        # A zero grace period deletes at once, so only a finalizer can keep it visible.
        periods = (30, 1, 0) if finalizers else (30, 1)
        meta["deletionGracePeriodSeconds"] = draw(st.sampled_from(periods)) if graceful else 0
    return meta


def owner_reference(kind: str, name: str, uid: str) -> Json:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def condition(kind: str, status: str, reason: str = "", message: str = "", **times: Any) -> Json:
    """One status condition; reason and message are omitempty, times are passed through."""
    entry: Json = {"type": kind, "status": status, **times}
    if reason:
        entry["reason"] = reason
    if message:
        entry["message"] = message
    return entry


def counts(values: Mapping[str, int], always: tuple[str, ...] = ()) -> Json:
    """Status counters as Go marshals them: omitempty ones vanish at 0."""
    return {key: value for key, value in values.items() if value or key in always}
