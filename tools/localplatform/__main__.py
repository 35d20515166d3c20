"""``python -m tools.localplatform up|promote|revert|verify|status|fault`` (``make run``: up).

``up`` starts the whole platform in the foreground and stops it on Ctrl-C (SIGINT) or
SIGTERM; the other commands drive the running one (see tools/localplatform/README.md).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType

import httpx

from tools.localplatform import banner, changes, commands, faults, runner
from tools.localplatform.console import Console
from tools.localplatform.orchestrator import Platform
from tools.localplatform.rundir import AlreadyRunningError, NotRunningError
from tools.platformkit.binaries import MissingPrerequisiteError
from tools.platformkit.gitops.configrepo import PipelineError


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the platform exactly like Ctrl-C


def up(name: str, port: int, real_node: bool, prod_gate: str = "auto") -> int:
    console = Console()
    platform = Platform(console, name, port, real_node, prod_gate)
    # Explicitly: a shell starting us in the background may have set SIGINT to "ignore".
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    code = 0
    try:
        console.say(f"starting the local platform (pid {os.getpid()}); Ctrl-C stops it")
        info = platform.up()
        console.plain()
        console.plain(banner.ready(info, platform.ready_s))
        console.plain()
        console.say(f"memory (RSS, MiB): {platform.memory()}")
        while (problem := platform.problem()) is None:
            time.sleep(2)
        console.warn(f"{problem}; stopping the platform")
        code = 1
    except KeyboardInterrupt:
        console.plain()
        console.say("stopping: everything this run started, newest first")
    except AlreadyRunningError as exc:
        console.say(str(exc))
        return 2
    except (MissingPrerequisiteError, PipelineError, RuntimeError, TimeoutError, OSError,
            subprocess.CalledProcessError) as exc:  # fmt: skip
        console.say(f"could not start the platform: {exc}")
        if isinstance(exc, MissingPrerequisiteError):
            console.say("(`make run-services` runs the backend and the board without a cluster)")
        code = 1
    finally:
        left = len(platform.undo)

        def patience(_signum: int, _frame: FrameType | None) -> None:
            console.say(f"still stopping ({left} steps); the rest is stopped by PID, please wait")

        signal.signal(signal.SIGINT, patience)
        signal.signal(signal.SIGTERM, patience)
        platform.down()
        if left:
            console.say(f"stopped; removed {platform.state} (the build caches stay)")
    return code


def _say(done: str) -> int:
    sys.stdout.write(done + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.localplatform")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("up", help="start the whole platform; Ctrl-C stops it")
    start.add_argument("--name", default="platform", help="control plane name")
    start.add_argument("--port", type=int, default=int(os.environ.get("FRONTEND_PORT", "8090")))
    start.add_argument(
        "--no-real-node", action="store_true", help="behave as without root: kwok's fake pods"
    )
    promote = sub.add_parser("promote", help="commit a new version for dev and follow the board")
    promote.add_argument("kind", choices=("good", "bad"))
    promote.add_argument("--no-follow", action="store_true", help="commit and push only")
    sub.add_parser("revert", help="revert the last dev promotion and follow the board")
    sub.add_parser("verify", help="the pipeline's verify; reverts when it fails")
    start.add_argument(
        "--prod-gate",
        choices=("auto", "manual"),
        default=os.environ.get("PROD_GATE", "auto"),
        help="auto: the runner promotes to prod; manual: make promote-prod",
    )
    sub.add_parser("status", help="what the board says about dev")
    change = sub.add_parser("change", help="a real source commit, pushed; follow the pipeline")
    change.add_argument("kind", choices=("good", "bad"))
    sub.add_parser("promote-prod", help="promote what staging verified to prod (manual gate)")
    sub.add_parser("runner", help="the pipeline runner (make run starts it)")
    drill = sub.add_parser("fault", help="kill, hold down, hang a part of the running platform")
    drill.add_argument("part", help="as current.json names it: etcd, kubelet, registry, ...")
    drill.add_argument("action", choices=faults.ACTIONS)
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args.name, args.port, not args.no_real_node, args.prod_gate)
    if args.command == "runner":
        return runner.main()
    run: Callable[[], int] = {
        "promote": lambda: commands.promote(args.kind, follow=not args.no_follow),
        "revert": commands.revert,
        "verify": commands.verify,
        "status": commands.status,
        "change": lambda: changes.change(args.kind),
        "promote-prod": commands.promote_prod,
        "fault": lambda: _say(faults.fault(args.part, args.action)),
    }[args.command]
    try:
        return run()
    except (NotRunningError, PipelineError, faults.FaultError) as exc:
        sys.stderr.write(f"{exc}\n")
        return 2
    except httpx.HTTPError as exc:
        sys.stderr.write(f"the board of the running platform does not answer: {exc}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
