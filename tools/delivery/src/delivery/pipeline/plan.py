"""What the pipeline does next, decided from where the environments stand (pure).

The order is the pipeline's: finish a verification first (a promotion without a
record is in flight, or was cut off: verify it now, and revert it if it fails); then
build and promote a new source commit to the first environment; then carry a verified
version one environment further, where the gate allows it. A source commit or version
that failed somewhere is never tried there again: a new commit is the way forward.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from delivery.pipeline.state import EnvState

Action = Literal["verify", "build", "promote", "idle"]
Gate = Literal["auto", "pull-request"]


@dataclass(frozen=True)
class Step:
    action: Action
    env: str | None = None
    promotion: str | None = None  # verify: the promotion to verify
    source_sha: str | None = None  # build: the commit to build; promote: what moves
    from_env: str | None = None  # promote: where the verified version comes from
    why: str = ""


def next_step(
    source_head: str | None,
    states: Sequence[EnvState],
    gates: Mapping[str, Gate] | None = None,
) -> Step:
    """STATES in promotion order; GATES per environment (default: every one automatic)."""
    gates = gates or {}
    for env in states:
        if env.promotion is not None and env.verdict is None:
            return Step(
                "verify",
                env.name,
                promotion=env.promotion,
                source_sha=env.source_sha,
                why=f"{env.name}'s promotion {env.promotion[:12]} has no record yet",
            )
    first = states[0]
    if source_head is not None and source_head not in first.tried:
        return Step(
            "build",
            first.name,
            source_sha=source_head,
            why=f"source commit {source_head[:12]} is new to {first.name}",
        )
    for earlier, env in pairwise(states):
        moved = earlier.source_sha
        if (
            earlier.verdict == "verified"
            and moved is not None
            and moved != env.source_sha
            and moved not in env.tried
            and gates.get(env.name, "auto") == "auto"
        ):
            return Step(
                "promote",
                env.name,
                source_sha=moved,
                from_env=earlier.name,
                why=f"{earlier.name} verified {moved[:12]}; {env.name} runs "
                f"{(env.source_sha or 'nothing')[:12]}",
            )
    return Step("idle", why="every environment is verified at the newest version it may run")
