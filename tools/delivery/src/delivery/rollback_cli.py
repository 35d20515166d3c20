"""rollback: revert a promotion commit, so GitOps syncs the previous version back.

Prints (or, with --json, writes as JSON) the revert commit and what should
answer again: the previous promotion's source SHA and the overlay's digests.

Exit codes:
  0  reverted (one new commit)
  3  bad input (the message names the argument)
  4  not a promotion commit, or git refused the revert
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from delivery.arguments import Parser, git_sha
from delivery.git import GitError, run, toplevel
from delivery.overlay import OverlayError, read_digests

EXIT_OK, EXIT_REFUSED = 0, 4
_SUBJECT = re.compile(r"^deploy\((?P<env>[a-z0-9-]+)\): ")


def _trailer(repo: Path, commit: str, key: str) -> str | None:
    value = run(repo, "log", "-1", f"--format=%(trailers:key={key},valueonly)", commit).strip()
    return value or None


def revert(repo: Path, promotion: str, reason: str) -> dict[str, object]:
    subject = run(repo, "log", "-1", "--format=%s", promotion)
    match = _SUBJECT.match(subject)
    if match is None or _trailer(repo, promotion, "Source-Commit") is None:
        raise GitError(f"{promotion[:12]} is not a promotion commit (subject: {subject!r})")
    env = match.group("env")
    paths = run(repo, "show", "--name-only", "--format=", promotion).splitlines()
    run(repo, "revert", "--no-edit", "--no-commit", promotion)
    message = (
        f"revert: {subject}\n\nThis reverts commit {promotion}.\n\n"
        f"Reason: {reason}\nReverts-Promotion: {promotion}\n"
    )
    try:
        run(repo, "commit", "--quiet", "-m", message)
    except GitError:
        run(repo, "revert", "--abort")
        raise
    head = run(repo, "rev-parse", "HEAD")
    # The promotion before this one (for the same overlay) is what answers again.
    previous = run(repo, "log", "-1", "--format=%H", f"{promotion}^", "--", *paths) or None
    previous_source = _trailer(repo, previous, "Source-Commit") if previous else None
    digests: dict[str, str] = {}
    for path in paths:
        if path.endswith("kustomization.yaml"):
            digests.update(read_digests(run(repo, "show", f"{head}:{path}"), path))
    return {
        "revert_commit": head,
        "environment": env,
        "reverted_promotion": promotion,
        "previous_promotion": previous,
        "previous_source_sha": previous_source,
        "digests": digests,
    }


def main(argv: list[str] | None = None) -> int:
    parser = Parser(prog="rollback", description="Revert a promotion commit.")
    parser.add_argument(
        "--promotion", type=git_sha, required=True, help="the promotion commit to revert"
    )
    parser.add_argument("--reason", required=True, help="why, recorded in the revert commit")
    parser.add_argument(
        "--repo", type=Path, default=Path(), help="the config repository (default: .)"
    )
    parser.add_argument("--json", action="store_true", help="write the result as JSON on stdout")
    args = parser.parse_args(argv)
    if not args.reason.strip() or "\n" in args.reason:
        parser.error("--reason: must be one non-empty line")
    try:
        result = revert(toplevel(args.repo.resolve()), args.promotion, args.reason.strip())
    except (GitError, OverlayError) as exc:
        sys.stderr.write(f"rollback: {exc}\n")
        return EXIT_REFUSED
    expecting = result["previous_source_sha"] or "unknown"
    sys.stderr.write(
        f"rollback: reverted {args.promotion[:12]} in {result['environment']} as "
        f"{str(result['revert_commit'])[:12]}; expecting {expecting} again\n"
    )
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        sys.stdout.write(f"{result['revert_commit']}\n")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
