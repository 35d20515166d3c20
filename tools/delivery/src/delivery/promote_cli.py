"""promote: write image digests into an overlay and record it as one git commit.

Idempotent: promoting the digests an overlay already has changes nothing and
makes no commit.

Exit codes:
  0  promoted (one new commit), or already at these digests (no commit)
  3  bad input (the message names the argument)
  4  the overlay or git refused the change
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from delivery.arguments import DIGEST, Parser, environment, git_sha
from delivery.git import GitError, commit_paths, toplevel
from delivery.overlay import OverlayError, set_digests

EXIT_OK, EXIT_REFUSED = 0, 4
_IMAGE = re.compile(r"^[a-z0-9][a-z0-9._/-]{0,127}$")


def image_and_digest(value: str) -> tuple[str, str]:
    name, sep, digest = value.partition("=")
    if not sep or not _IMAGE.fullmatch(name):
        raise argparse.ArgumentTypeError(f"must be <image-name>=sha256:<64 hex>: {value!r}")
    if not DIGEST.fullmatch(digest):
        raise argparse.ArgumentTypeError(
            f"digest for {name!r} must look like sha256:<64 hex>: {digest!r}"
        )
    return name, digest


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="promote",
        description="Write image digests into k8s/overlays/<env> and commit them.",
        epilog="exit codes: 0 promoted or already current, 3 bad input, 4 refused",
    )
    parser.add_argument("--env", type=environment, required=True, help="overlay name, e.g. dev")
    parser.add_argument(
        "--image",
        type=image_and_digest,
        action="append",
        required=True,
        metavar="NAME=sha256:…",
        help="image name as listed under the overlay's images:, with its new digest (repeatable)",
    )
    parser.add_argument(
        "--source-sha", type=git_sha, required=True, help="commit the images were built from"
    )
    parser.add_argument(
        "--repo", type=Path, default=Path(), help="the config repository (default: .)"
    )
    parser.add_argument(
        "--overlays", default="k8s/overlays", help="overlay directory inside the repo"
    )
    parser.add_argument("--no-commit", action="store_true", help="edit the file but do not commit")
    return parser


def commit_message(env: str, source_sha: str, digests: dict[str, str]) -> str:
    names = ", ".join(sorted(digests))
    body = "\n".join(f"{name}: {digest}" for name, digest in sorted(digests.items()))
    subject = f"deploy({env}): promote {names} to {source_sha[:12]}"
    return f"{subject}\n\n{body}\n\nSource-Commit: {source_sha}\n"


def promote(
    repo: Path,
    env: str,
    digests: dict[str, str],
    source_sha: str,
    overlays: str = "k8s/overlays",
    commit: bool = True,
) -> str | None:
    """Write DIGESTS into ENV's overlay and commit it; the commit's SHA, or None when the
    overlay already had them. OverlayError or GitError when refused."""
    path = repo / overlays / env / "kustomization.yaml"
    if not path.is_file():
        raise OverlayError(f"--env: no overlay at {path.relative_to(repo)}")
    text, changes = set_digests(path.read_text(), digests, str(path.relative_to(repo)))
    if not changes:
        sys.stderr.write(f"promote: {env} already runs these digests; nothing to commit\n")
        return None
    path.write_text(text)
    for change in changes:
        sys.stderr.write(
            f"promote: {env}: {change.image} {change.old or '(none)'} -> {change.new}\n"
        )
    if not commit:
        return None
    changed = {change.image: change.new for change in changes}
    return commit_paths(repo, [path], commit_message(env, source_sha, changed))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    digests = dict(args.image)
    if len(digests) != len(args.image):
        parser.error("--image: the same image name is given twice")
    try:
        repo = toplevel(args.repo.resolve())
        if not (repo / args.overlays / args.env / "kustomization.yaml").is_file():
            parser.error(
                f"--env: no overlay at {Path(args.overlays) / args.env / 'kustomization.yaml'}"
            )
        sha = promote(repo, args.env, digests, args.source_sha, args.overlays, not args.no_commit)
        if sha:
            sys.stdout.write(sha + "\n")
    except (OverlayError, GitError) as exc:
        sys.stderr.write(f"promote: {exc}\n")
        return EXIT_REFUSED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
