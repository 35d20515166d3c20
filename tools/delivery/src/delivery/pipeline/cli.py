"""pipeline: the delivery pipeline's steps, each one command (CI's workflows and the local
runner call the same ones).

  pipeline build    build both images from a commit's tree and push them; their digests
  pipeline promote  commit digests into an environment's overlay (and push, or open a
                    pull request); --from ENV: the version ENV verified
  pipeline verify   verify a promotion; on failure revert it, verify the previous version
                    again, record both outcomes as git notes (and push)
  pipeline plan     where each environment stands, and the step that comes next

Exit codes: 0 done (verify: verified); 1 verify failed and the previous version
answers again (restored); 2 verify failed and it is not restored (look now);
3 bad input (the message names the argument); 4 refused (git, the overlay, the gate,
a build or push failed); 5 (verify) superseded: a newer commit changed the
environment's overlay before a verdict, so nothing was reverted or recorded;
6 (verify) not delivered: GitOps never applied the promotion (the Deployment still
pinned the old digest), so nothing was reverted or recorded and it is verified again.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from delivery.arguments import Parser, environment, git_sha
from delivery.git import GitError, run
from delivery.overlay import OverlayError
from delivery.pipeline import images, plan, remote, state, steps
from delivery.promote_cli import image_and_digest

REFUSED = steps.REFUSED


def _image(value: str) -> tuple[str, str]:
    """NAME=DIGEST, or NAME= for an image this build did not rebuild (skipped)."""
    name = value.partition("=")[0]
    return (name, "") if value.endswith("=") and name else image_and_digest(value)


def _output(**values: str) -> None:
    """Step outputs: key=value lines on stdout, and in $GITHUB_OUTPUT under Actions."""
    lines = "".join(f"{key}={value}\n" for key, value in values.items())
    sys.stdout.write(lines)
    if path := os.environ.get("GITHUB_OUTPUT"):
        with open(path, "a", encoding="utf-8") as out:
            out.write(lines)


def _common(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--repo", type=Path, default=Path(), help="the config repository's work clone")
    sub.add_argument(
        "--push",
        action="store_true",
        help="sync with origin first and push the result (GH_TOKEN authenticates)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="pipeline",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="exit codes: 0 done, 1 failed and restored, 2 failed and not "
        "restored, 3 bad input, 4 refused, 5 superseded, 6 not delivered",
    )
    subs = parser.add_subparsers(dest="step", required=True, parser_class=Parser)
    b = subs.add_parser("build", help="build both images from a commit and push them")
    b.add_argument("--context", type=Path, default=Path(), help="the commit's tree (default: .)")
    b.add_argument("--sha", type=git_sha, required=True, help="the commit the tree is")
    b.add_argument("--version", help="the version the images report (default: the SHA's first 12)")
    b.add_argument(
        "--registry",
        required=True,
        help="host[/owner]: images go to <registry>/gitops-platform-<service>:<sha>",
    )
    b.add_argument(
        "--since",
        type=git_sha,
        help="the commit built last: the frontend is rebuilt only when its inputs changed since",
    )
    b.add_argument("--upstream", action="store_true", help="the Dockerfiles' pinned upstream bases")
    b.add_argument(
        "--insecure-registry", action="store_true", help="plain HTTP (a loopback registry)"
    )
    p = subs.add_parser("promote", help="commit digests into an environment's overlay")
    _common(p)
    p.add_argument("--env", type=environment, required=True)
    p.add_argument("--source-sha", type=git_sha, help="the commit the images were built from")
    p.add_argument(
        "--image",
        type=_image,
        action="append",
        default=[],
        metavar="NAME=sha256:…",
        help="an image and its digest (repeatable; empty "
        "digests are skipped: an image not rebuilt)",
    )
    p.add_argument(
        "--from",
        dest="from_env",
        type=environment,
        help="promote the version this environment verified (instead of --image)",
    )
    p.add_argument(
        "--gate",
        choices=("auto", "pull-request"),
        default="auto",
        help="auto: push to main; pull-request: push a branch and open one (gh)",
    )
    v = subs.add_parser("verify", help="verify a promotion; revert and record on failure")
    _common(v)
    v.add_argument("--promotion", type=git_sha, required=True)
    v.add_argument("--url", help="the backend's /meta URL ({env} is replaced)")
    v.add_argument("--kubeconfig", help="without --url: every ready endpoint of the Service")
    v.add_argument("--kubectl", default="kubectl")
    v.add_argument("--namespace", default="gitops-platform-{env}", help="({env} is replaced)")
    v.add_argument("--status-url", help="the board's /api/v1/status: it must say Healthy too")
    v.add_argument(
        "--judge-rollout",
        action="store_true",
        help="fail as soon as Kubernetes reports the rollout failed",
    )
    v.add_argument("--consecutive", type=int, default=10)
    v.add_argument("--interval", type=float, default=3.0)
    v.add_argument("--timeout", type=float, default=900.0)
    v.add_argument("--run", dest="run_url", help="where this ran (recorded)")
    n = subs.add_parser("plan", help="where each environment stands and what comes next")
    n.add_argument("--repo", type=Path, default=Path())
    n.add_argument("--source-head", type=git_sha, help="the newest source commit")
    n.add_argument("--chain", default=",".join(state.CHAIN), help="environments in order")
    return parser


def _build(args: argparse.Namespace) -> int:
    context = args.context.resolve()
    changed = images.changed_paths(context, args.since, args.sha) if args.since else None
    services = [s for s in images.SERVICES if images.needs_build(s, changed)]
    images.login_from_env(args.registry)
    built = images.build_and_push(
        context,
        args.sha,
        args.version or args.sha[:12],
        args.registry,
        services,
        args.upstream,
        not args.insecure_registry,
    )
    for line in built.lines:
        steps.say(line)
    _output(**{f"{s}-digest": built.images.get(s, "") for s in images.SERVICES})
    return 0


def _promote(args: argparse.Namespace) -> int:
    repo = Path(run(args.repo.resolve(), "rev-parse", "--show-toplevel"))
    if args.from_env:
        sha = steps.promote_from(repo, args.env, args.from_env, args.gate, args.push)
    else:
        digests = {name: digest for name, digest in args.image if digest}
        if not digests or not args.source_sha:
            raise steps.StepError("--image and --source-sha are needed without --from")
        sha = steps.promote(repo, args.env, args.source_sha, digests, args.gate, args.push)
    _output(**{"promotion-sha": sha or ""})
    return 0


def _verify(args: argparse.Namespace) -> int:
    repo = Path(run(args.repo.resolve(), "rev-parse", "--show-toplevel"))
    target = steps.Target(
        args.url,
        args.kubeconfig,
        args.kubectl,
        args.status_url,
        args.namespace,
        args.judge_rollout,
        args.consecutive,
        args.interval,
        args.timeout,
    )
    code = steps.verify(repo, args.promotion, target, args.push, args.run_url)
    names = ["verified", "restored", "not-restored", "bad-input", "refused", "superseded",
             "not-delivered"]  # fmt: skip
    _output(result=names[code])
    return code


def _plan(args: argparse.Namespace) -> int:
    chain = tuple(args.chain.split(","))
    states = state.read_states(args.repo.resolve(), chain)
    step = plan.next_step(args.source_head, states)
    doc = {
        "environments": [
            asdict(s) | {"tried": sorted(s.tried), "failed": sorted(s.failed)} for s in states
        ],
        "next": asdict(step),
    }
    sys.stdout.write(json.dumps(doc, indent=1) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "push", False):
        remote.authenticate_from_env()
    action = {"build": _build, "promote": _promote, "verify": _verify, "plan": _plan}[args.step]
    try:
        return action(args)
    except (steps.StepError, GitError, OverlayError, images.BuildError) as exc:
        sys.stderr.write(f"pipeline {args.step}: {exc}\n")
        return REFUSED


if __name__ == "__main__":
    sys.exit(main())
