"""Push of a promotion -> every new pod Ready and serving the new digest, on the real node.

Run against a running `make run` (as root, so dev's pods are on the real node):

    make run                                   # in one terminal, until READY
    make bench-node                            # in another: bench/node_delivery.py --rounds 3

Each round promotes the next good version exactly as `make promote-good` does (the
pipeline's `promote`, a push, Flux asked to fetch now) and polls the apiserver every
50 ms, noting when each step is first seen:

- fetch: push -> the GitRepository's artifact is at the new commit (source-controller)
- apply: artifact -> the Deployment's template names the new digest (kustomize-controller)
- schedule: apply -> the first new pod bound to the node (deployment controller, scheduler)
- pull: the kubelet's own figure, from its `Pulled` event ("in 215ms")
- start: bound -> the container running, less the pull (sandbox, CNI, runc, the process)
- ready: running -> the pod Ready (the first successful readiness probe)
- done: push -> every new pod Ready, no old pod left, the Service's endpoints all
  answering /meta with the new digest;
- flux: push -> the Kustomization Ready at the commit (its health check polls every 5 s,
  so it trails `done`; shown, not part of the limit).

The limit is one pod's path: fetch + apply + schedule + pull + start + ready. The rollout
replaces two pods one at a time (maxSurge 1, maxUnavailable 0, minReadySeconds 1), so
`done` is compared with the limit as a ratio, not expected to equal it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from tools.localplatform import commands, rundir
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.gitops import bootstrap

NS = "gitops-platform-dev"
SELECTOR = "app.kubernetes.io%2Fname%3Dbackend"
_PULLED = re.compile(r"in ([0-9.]+)(ms|s) \(")
STEPS = ("fetch", "apply", "schedule", "pull", "start", "ready")


@dataclass
class Round:
    label: str
    seen: dict[str, float] = field(default_factory=dict)  # milestone -> seconds after push
    pull: float = 0.0

    def parts(self) -> dict[str, float]:
        s = self.seen
        bound_to_running = s["running"] - s["bound"]
        return {
            "fetch": s["fetched"],
            "apply": s["applied"] - s["fetched"],
            "schedule": s["bound"] - s["applied"],
            "pull": self.pull,
            "start": max(bound_to_running - self.pull, 0.0),
            "ready": s["ready"] - s["running"],
        }


def _ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _pull_seconds(events: list[dict[str, Any]], pods: set[str]) -> float:
    for event in events:
        if event.get("reason") == "Pulled" and event["involvedObject"]["name"] in pods:
            found = _PULLED.search(event.get("message", ""))
            if found:
                value = float(found.group(1))
                return value / 1000 if found.group(2) == "ms" else value
    return 0.0  # "already present on machine": nothing pulled


def _running(pod: dict[str, Any]) -> bool:
    statuses = pod.get("status", {}).get("containerStatuses") or [{}]
    return bool(statuses[0].get("state", {}).get("running"))


def _meta_digest(pod: dict[str, Any]) -> str:
    url = f"http://{pod['status']['podIP']}:8080/meta"
    return str(httpx.get(url, timeout=2).json()["image"]["digest"])


FLUX = "/namespaces/flux-system"
SOURCE = f"/apis/source.toolkit.fluxcd.io/v1{FLUX}/gitrepositories/{bootstrap.SOURCE_NAME}"
KUSTOMIZATION = f"/apis/kustomize.toolkit.fluxcd.io/v1{FLUX}/kustomizations/{NS}"
PODS = f"/api/v1/namespaces/{NS}/pods?labelSelector={SELECTOR}"
DEPLOYMENT = f"/apis/apps/v1/namespaces/{NS}/deployments/backend"


def one_round(session: commands.Session, api: Any) -> Round:
    s = session
    release = s.releases.next_good(s.repo.digest_history())
    result = Round(release.label)
    commit = s.repo.promote(release.digest, release.sha)
    pushed = time.monotonic()
    s.flux.reconcile("GitRepository", bootstrap.SOURCE_NAME)
    seen = result.seen

    def mark(name: str, happened: bool) -> None:
        if happened and name not in seen:
            seen[name] = time.monotonic() - pushed

    new_pods: set[str] = set()
    while "done" not in seen:
        if time.monotonic() - pushed > 300:
            raise TimeoutError(f"{release.label}: not done after 300s: {seen}")
        if "fetched" not in seen:
            artifact = api.get(SOURCE).get("status", {}).get("artifact", {})
            mark("fetched", str(artifact.get("revision", "")).endswith(commit))
        elif "applied" not in seen:
            template = api.get(DEPLOYMENT)["spec"]["template"]["spec"]
            mark("applied", release.digest in template["containers"][0]["image"])
        else:
            pods = api.get(PODS)["items"]
            mine = [p for p in pods if release.digest in p["spec"]["containers"][0]["image"]]
            new_pods |= {p["metadata"]["name"] for p in mine}
            mark("bound", any(p["spec"].get("nodeName") for p in mine))
            mark("running", any(_running(p) for p in mine))
            mark("ready", any(_ready(p) for p in mine))
            if mine and len(mine) == len(pods) and all(_ready(p) for p in mine):
                mark("done", {_meta_digest(p) for p in mine} == {release.digest})
        time.sleep(0.05)
    while "flux" not in seen:
        if time.monotonic() - pushed > 300:
            raise TimeoutError(f"{release.label}: Flux not Ready after 300s: {seen}")
        status = api.get(KUSTOMIZATION).get("status", {})
        mark("flux", str(status.get("lastAppliedRevision", "")).endswith(commit))
        time.sleep(0.05)
    events = api.get(f"/api/v1/namespaces/{NS}/events")["items"]
    result.pull = _pull_seconds(events, new_pods)
    return result


def report(rounds: list[Round]) -> str:
    lines = [
        "| round | version | "
        + " | ".join(STEPS)
        + " | limit (sum) | done | done / limit | Flux Ready |",
        "|---|---|" + "---|" * (len(STEPS) + 4),
    ]
    for i, r in enumerate(rounds, 1):
        parts = r.parts()
        limit = sum(parts.values())
        cells = " | ".join(f"{parts[s]:.2f}" for s in STEPS)
        lines.append(f"| {i} | {r.label} | {cells} | {limit:.2f} | {r.seen['done']:.2f} | "
                     f"{r.seen['done'] / limit:.2f}x | {r.seen['flux']:.2f} |")  # fmt: skip
    medians = {s: statistics.median(r.parts()[s] for r in rounds) for s in STEPS}
    done = statistics.median(r.seen["done"] for r in rounds)
    flux = statistics.median(r.seen["flux"] for r in rounds)
    limit = sum(medians.values())
    cells = " | ".join(f"{medians[s]:.2f}" for s in STEPS)
    lines.append(f"| median | | {cells} | {limit:.2f} | {done:.2f} | {done / limit:.2f}x | "
                 f"{flux:.2f} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if not 1 <= args.rounds <= 10:
        parser.error(f"--rounds must be 1..10, not {args.rounds}")
    try:
        session = commands.Session()
    except rundir.NotRunningError as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    if not session.info.real_node:
        sys.stderr.write("the running platform has no real node (see make run's NOTE)\n")
        return 2
    api = ControlPlane.load(session.info.cluster).api()
    rounds = []
    for _ in range(args.rounds):
        rounds.append(one_round(session, api))
        sys.stderr.write(f"{rounds[-1].label}: {rounds[-1].seen}\n")
        time.sleep(3)  # let the old pods' drain end before the next push
    sys.stdout.write(f"{report(rounds)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
