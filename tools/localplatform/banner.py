"""The words ``make run`` prints once the platform is up: URLs, what to try, what was left out."""

from __future__ import annotations

from pathlib import Path

from tools.localplatform import versions
from tools.localplatform.console import READY_MARK
from tools.localplatform.rundir import RuntimeInfo


def left_out(problem: str) -> str:
    """Why there is no real node, and what the board shows instead."""
    return (
        f"real node LEFT OUT: {problem}. Without it dev's pods are kwok's fakes: no "
        "kubelet pulls the images or probes them, nothing answers /meta (the board's "
        "backend panel and Digest column stay empty), and a broken version cannot fail "
        "readiness, so `make promote-bad` shows Healthy. Everything else (control plane, "
        "registry and the real images' digests, git server, Flux, the board) runs. Run "
        "`make run` as root, after `make system`, for the real node."
    )


def ready(info: RuntimeInfo, seconds: float) -> str:
    state = Path(info.state_dir)
    commit = info.seeded_commit[:12]
    lines = [
        f"{READY_MARK} in {seconds:.1f}s: the board shows dev Healthy, delivered by Flux "
        f"from the local git server at {commit} (backend {versions.SEED.label}).",
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
        f"  kubectl      {info.kubectl} --kubeconfig {info.kubeconfig} "
        f"get deploy,pods -o wide -n {info.namespace}",
        f"  registry     {info.registry}/v2/_catalog   (this run's images, pulled by digest)",
        f"  logs         {state / 'logs'}, {state / 'flux' / 'logs'}",
        "",
        "Next, in another terminal, with the board open:",
        "  make promote-good  # commit the next good version: Progressing, then Healthy at it",
    ]
    if info.real_node:
        lines += [
            "  make promote-bad   # commit a broken version: its pods never get ready; Degraded "
            f"after the {info.progress_deadline_s}s progress deadline",
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
