"""The words ``make run`` prints once the platform is up: URLs, what to try, what was left out."""

from __future__ import annotations

from pathlib import Path

from tools.localplatform.console import READY_MARK
from tools.localplatform.rundir import RuntimeInfo


def left_out(problem: str) -> str:
    """Why there is no real node, and what the board shows instead."""
    return (
        f"real node LEFT OUT: {problem}. Without it dev's pods are kwok's fakes: no "
        "kubelet pulls the images or probes them, nothing answers /meta (the board's "
        "backend panel and Digest column stay empty), and a broken version cannot fail "
        "readiness, so `make promote-bad` shows Healthy; and no pipeline runner starts "
        "(verify needs pods that answer), so `make change-good|change-bad` push and "
        "nothing delivers them. Everything else (control plane, registry and the real "
        "images' digests, git server, Flux, dev, staging and prod, the board) runs. Run "
        "`make run` as root, after `make system`, for the real node."
    )


def ready(info: RuntimeInfo, seconds: float) -> str:
    state = Path(info.state_dir)
    commit = info.seeded_commit[:12]
    lines = [
        f"{READY_MARK} in {seconds:.1f}s: the board shows dev, staging and prod Healthy, "
        f"delivered by Flux from the local git server at {commit}"
        + ("; the pipeline runner watches the source repository." if info.real_node else "."),
        "",
        f"  board        {info.board_url}/",
        f"  board API    {info.board_url}/api/v1/status",
    ]
    if info.service_url:
        lines.append(
            f"  backend      {info.service_url}/meta   (the dev Service's ClusterIP: "
            "kube-proxy picks a ready pod)"
        )
    lines += [
        f"  git server   {info.git_url}   (read-only; the pipeline pushes to {info.remote})",
        f"  work clone   {info.work_clone}   (where promote/rollback commit)",
        f"  source       {info.source_url}   (your clone: {info.source_clone}; a push to "
        "main starts the pipeline)",
        f"  kubectl      {info.kubectl} --kubeconfig {info.kubeconfig} "
        f"get deploy,pods -o wide -n {info.namespace}",
        f"  registry     {info.registry}/v2/_catalog   (this run's images, pulled by digest)",
        f"  logs         {state / 'logs'} (pipeline.log: the runner), {state / 'flux' / 'logs'}",
        "",
        "Next, in another terminal, with the board open (then only watch):",
        "  make change-bad    # a source commit that breaks readiness: built, dev Degraded, "
        "reverted by the pipeline, Healthy again; staging and prod never change",
        "  make change-good   # a source commit: built, verified in dev, staging, then prod"
        + ("" if info.prod_gate == "auto" else " (then: make promote-prod, the manual gate)"),
        "By hand, as before:",
        "  make promote-good  # commit the next good version: Progressing, then Healthy at it",
    ]
    if info.real_node:
        lines += [
            "  make promote-bad   # commit a broken version: its pods never get ready; Degraded "
            f"after the {info.progress_deadline_s}s progress deadline; the pipeline reverts it",
            "  make revert        # revert the last promotion commit: Healthy again",
            "  make verify        # the pipeline's check of what serves; reverts by itself "
            "when it fails",
        ]
    else:
        lines += [
            "  make promote-bad   # (without the real node this shows Healthy: see NOTE above)",
            "  make revert        # revert the last promotion commit",
        ]
    lines += [
        "  make platform-status  # one line: what the board says about dev",
        "",
        f"Ctrl-C stops everything this started and removes {state}.",
    ]
    return "\n".join(lines)
