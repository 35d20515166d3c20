"""The delivery loop of `make run`, end to end: a source push -> serving in prod; a bad push
-> detected -> recovered at the previous version, with no command.

Run against a running `make run` (as root: the pods are on the real node):

    make run                                   # in one terminal, until READY
    make bench-loop                            # in another: bench/delivery_loop.py --rounds 2

Each round pushes a breaking source commit (what `make change-bad` pushes), waits until
the pipeline runner has restored dev, then a good one (`make change-good`) and waits
until prod verified it. The parts come from the runner's journal (pipeline.jsonl: when
each `pipeline` step ended and how long it took) and the board, polled every 250 ms.

Bad push: build (the backend image, warm layer cache) -> promotion pushed -> the board
shows Degraded -> verify's verdict (Kubernetes': the progress deadline) -> revert pushed,
the previous version verified again and both records pushed. The limit after the
promotion's push is the part nothing can shorten: the progress deadline (15 s, the
kubelet's readiness verdict plus a pod's start) plus verify's 3 polls 0.5 s apart.

Good push: build -> dev promoted -> dev verified -> staging promoted, verified -> prod
promoted, verified. Each environment's limit is a rollout of two pods one at a time
(bench/node-delivery.md: about 10 s for both new pods Ready) plus verify's 3 polls.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from delivery.history import read_history
from delivery.pipeline.state import read_states
from tools.localplatform import changes, rundir
from tools.platformkit.board import status as board_status

DEADLINE_S, POLLS_S = 15.0, 1.5  # the local progress deadline; verify's 3 polls x 0.5 s
ROLLOUT_S = 9.8  # bench/node-delivery.md: push -> every new pod Ready (two pods)


def journal(info: rundir.RuntimeInfo, since: float) -> list[dict[str, Any]]:
    path = Path(info.state_dir) / "logs" / "pipeline.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines()]
    return [e for e in events if e["at"] >= since]


def dev_health(info: rundir.RuntimeInfo) -> str | None:
    try:
        status = board_status(info.board_url)
    except httpx.HTTPError:
        return None
    for group in status["namespaces"]:
        if group["namespace"] == "gitops-platform-dev":
            for entry in group["deployments"]:
                if entry["deployment"]["name"] == "backend":
                    return str(entry["deployment"]["health"]["code"])
    return None


def push_and_wait(info: rundir.RuntimeInfo, kind: str) -> tuple[float, str, dict[str, float]]:
    """Push a KIND change; wait for its outcome; (push time, sha, board first-seen times)."""
    began = time.time()
    sha = changes.push_change(Path(info.source_clone), kind)
    seen: dict[str, float] = {}
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        health = dev_health(info)
        if health and health not in seen:
            seen[health] = time.time() - began
        history = read_history(Path(info.remote))
        if changes.outcome(kind, sha, read_states(Path(info.remote), history=history), history):
            return began, sha, seen
        time.sleep(0.25)
    raise TimeoutError(f"no outcome for the {kind} change {sha[:12]}")


def ended(events: list[dict[str, Any]], command: str, nth: int = 0) -> dict[str, Any]:
    found = [e for e in events if e["event"] == "ran" and e["command"] == f"pipeline {command}"]
    return found[nth]


def bad_round(info: rundir.RuntimeInfo) -> dict[str, float]:
    began, _, seen = push_and_wait(info, "bad")
    events = journal(info, began)
    build, promote, verify = (
        ended(events, "build"),
        ended(events, "promote"),
        ended(events, "verify"),
    )
    pushed = promote["at"] - began
    return {
        "build (step)": build["seconds"],
        "push -> promotion pushed": pushed,
        "promotion -> board Degraded": seen.get("Degraded", float("nan")) - pushed,
        "promotion -> restored, recorded": verify["at"] - began - pushed,
        "push -> restored, recorded": verify["at"] - began,
    }


def good_round(info: rundir.RuntimeInfo) -> dict[str, float]:
    began, _, _ = push_and_wait(info, "good")
    events = journal(info, began)
    build = ended(events, "build")
    verifies = [e for e in events if e["event"] == "ran" and e["command"] == "pipeline verify"]
    promoted = ended(events, "promote")["at"] - began
    parts = {"build (step)": build["seconds"], "push -> dev promoted": promoted}
    for env, event in zip(("dev", "staging", "prod"), verifies, strict=False):
        parts[f"dev promoted -> verified in {env}"] = event["at"] - began - promoted
    parts["push -> verified in prod"] = verifies[-1]["at"] - began
    return parts


def table(title: str, rounds: list[dict[str, float]], limits: dict[str, float]) -> str:
    heads = " | ".join(f"round {i + 1}" for i in range(len(rounds)))
    lines = [f"\n### {title}\n", f"| part | {heads} | median | limit |",
             "|---" * (len(rounds) + 3) + "|"]  # fmt: skip
    for key in rounds[0]:
        values = [r.get(key, float("nan")) for r in rounds]
        limit = limits.get(key)
        lines.append(f"| {key} | " + " | ".join(f"{v:.1f} s" for v in values)
                     + f" | {statistics.median(values):.1f} s | "
                     + (f"{limit:.1f} s" if limit is not None else "") + " |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    info = rundir.load()
    bad, good = [], []
    for n in range(args.rounds):
        sys.stderr.write(f"round {n + 1}: change-bad\n")
        bad.append(bad_round(info))
        sys.stderr.write(f"round {n + 1}: change-good\n")
        good.append(good_round(info))
    print(table("A bad push: detected and recovered with no command", bad,
                {"promotion -> restored, recorded": DEADLINE_S + POLLS_S}))  # fmt: skip
    per_env = ROLLOUT_S + POLLS_S
    envs = ("dev", "staging", "prod")
    limits = {f"dev promoted -> verified in {env}": per_env * (i + 1) for i, env in enumerate(envs)}
    print(table("A good push: serving in prod through dev and staging", good, limits))
    print(f"\n(limits of the good path, from dev's promotion: per environment {per_env:.1f} s = "
          f"two pods rolled {ROLLOUT_S} s + verify's polls {POLLS_S} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
