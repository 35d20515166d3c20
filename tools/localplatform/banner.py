"""The words ``make run`` prints once the platform is up: URLs, what to try, what was left out."""

from __future__ import annotations

from pathlib import Path

from tools.localplatform import versions
from tools.localplatform.console import READY_MARK
from tools.localplatform.rundir import RuntimeInfo


def left_out(problem: str) -> str:
    """Why there are no real backend processes, and what the board shows instead."""
    return (
        f"pod runner and pod network LEFT OUT: {problem}. Without them the backend pods "
        "are kwok's fakes with no process behind them: the board's backend panel stays "
        "empty (nothing answers /meta), and a broken version cannot fail readiness, so "
        "`make promote-bad` shows Healthy. Everything else (control plane, git server, "
        "Flux, the board) runs. Run `make run` as root (with iproute2) for the real thing."
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
            f"  backend      {info.service_url}/meta   (the dev Service, round-robin over "
            "ready pods)"
        )
    lines += [
        f"  git server   {info.git_url}   (read-only; the pipeline pushes to {info.remote})",
        f"  work clone   {info.work_clone}   (where promote/rollback commit)",
        f"  kubectl      {info.kubectl} --kubeconfig {info.kubeconfig} "
        f"get deploy,pods -n {info.namespace}",
        f"  logs         {state / 'logs'}, {state / 'flux' / 'logs'}",
        "",
        "Next, in another terminal, with the board open:",
        "  make promote-good  # commit the next good version: Progressing, then Healthy at it",
    ]
    if info.pod_runner:
        lines += [
            "  make promote-bad   # commit a broken version: its pods never get ready; Degraded "
            f"after the {info.progress_deadline_s}s progress deadline",
            "  make revert        # revert the last promotion commit: Healthy again",
            "  make verify        # the pipeline's check of what serves; reverts by itself "
            "when it fails",
        ]
    else:
        lines += [
            "  make promote-bad   # (without the pod runner this shows Healthy: see NOTE above)",
            "  make revert        # revert the last promotion commit",
        ]
    lines += [
        "  make platform-status  # one line: what the board says about dev",
        "",
        f"Ctrl-C stops everything this started and removes {state}.",
    ]
    return "\n".join(lines)
