"""verify: wait until what answers is the version that was promoted.

Polls a /meta URL (or every ready endpoint of a Service) until N consecutive
polls report the expected git SHA (and image digest, if given).

Exit codes:
  0  converged: N consecutive polls matched
  1  wrong or mixed version still answering at the timeout, or (--judge-rollout)
     Kubernetes reported the rollout failed (delivery.rollout_evidence): at once for a
     pod's verdict, after a confirmation for the progress deadline
  2  unreachable: nothing usable answered in the final poll
  3  bad input (the message names the argument), or every target refused the
     request with a client error no retry cures (404, 401, 403, ...) or answered 200
     with something that is not a /meta document (another endpoint's JSON, an HTML
     page): a wrong URL or missing credentials, reported at once with the status,
     content type and URL, not after the timeout
  4  not delivered (--judge-rollout): at the timeout the Deployment's template still
     pinned other images, so GitOps never applied the promotion (its controller or its
     source was down); not the version's verdict, so nothing is reverted
  5  stopped by its caller (``pipeline verify``: a newer promotion superseded the one
     being verified)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from delivery.arguments import Parser, git_sha, image_digest
from delivery.convergence import EXIT_CODES, Answer, Expected, Outcome, Tracker
from delivery.rollout_evidence import (
    DeadlineConfirmation,
    confirmation_seconds,
    held_by_registry,
    not_delivered,
    rollout_failure,
)
from delivery.verify_network import (
    ServiceRef,
    board_verdict,
    fetch_meta,
    new_client,
    ready_endpoint_urls,
    rollout_objects,
)

_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s) URL: {value!r}")
    return value


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1: {value!r}")
    return int(value)


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0: {value!r}")
    return number


def _namespaced(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"must be <namespace>/<name>: {value!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="verify",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="exit codes: 0 converged, 1 wrong or mixed version, 2 unreachable, 3 bad input "
        "or every target refusing the request (4xx) or answering with something not /meta, "
        "4 not delivered (--judge-rollout: the Deployment never pinned the expected digest), "
        "5 stopped by the caller",
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", type=_url, help="the /meta URL to poll (through the Service)")
    target.add_argument(
        "--service",
        type=_namespaced,
        metavar="NAMESPACE/NAME",
        help="poll every ready endpoint of this Service (from its EndpointSlices)",
    )
    parser.add_argument(
        "--port", type=_positive_int, default=8080, help="endpoint port (with --service)"
    )
    parser.add_argument("--kubeconfig", help="kubeconfig for --service (default: kubectl's)")
    parser.add_argument("--kubectl", default="kubectl", help="kubectl binary (with --service)")
    parser.add_argument(
        "--expect-sha", type=git_sha, required=True, help="git SHA that must answer"
    )
    parser.add_argument("--expect-digest", type=image_digest, help="image digest that must answer")
    parser.add_argument(
        "--consecutive", "-n", type=_positive_int, default=5, help="polls in a row (N)"
    )
    parser.add_argument("--timeout", type=_positive_float, default=300.0, help="seconds to wait")
    parser.add_argument(
        "--interval", type=_positive_float, default=2.0, help="seconds between polls"
    )
    parser.add_argument("--request-timeout", type=_positive_float, default=5.0)
    parser.add_argument("--status-url", type=_url, help="the board's /api/v1/status URL")
    parser.add_argument(
        "--deployment",
        type=_namespaced,
        metavar="NAMESPACE/NAME",
        help="with --status-url: also require this rollout complete and Healthy",
    )
    parser.add_argument(
        "--judge-rollout",
        action="store_true",
        help="with --service and --deployment: stop at once (exit 1) when Kubernetes reports "
        "the rollout of the expected digest failed (progress deadline exceeded, or a new pod "
        "in CrashLoopBackOff, ImagePullBackOff, ...)",
    )
    parser.add_argument("--json", action="store_true", help="write a JSON summary on stdout")
    return parser


@dataclass
class RolloutReading:
    """What the last read of the rollout said: a failure, or that it was not delivered."""

    failed: str | None = None
    undelivered: str | None = None


def _read_rollout(
    target: ServiceRef, deployment: str, digest: str | None, confirm: DeadlineConfirmation
) -> RolloutReading:
    try:
        found, pods, events = rollout_objects(target, deployment.split("/")[1])
    except (RuntimeError, OSError, ValueError) as exc:
        sys.stderr.write(f"verify: cannot read the rollout ({exc}); judging by answers only\n")
        return RolloutReading()
    undelivered = not_delivered(found, digest) if digest else None
    return RolloutReading(_rollout_failed(found, pods, events, digest, confirm), undelivered)


def _rollout_failed(
    found: Any, pods: list[Any], events: list[Any], digest: str | None,
    confirm: DeadlineConfirmation,
) -> str | None:  # fmt: skip
    if digest and (held := held_by_registry(pods, events, digest)):
        sys.stderr.write(f"verify: waiting, not failed: {held}\n")
    now = time.monotonic()
    failed = confirm.judge(rollout_failure(found, pods, events, digest), found, now)
    if failed is None and (stood := confirm.waiting(now)) is not None:
        sys.stderr.write(
            f"verify: the progress deadline passed {stood:.0f}s ago; confirming for "
            f"{confirmation_seconds(found):.0f}s (progress since clears it)\n"
        )
    return failed


def _progress(tracker: Tracker, remaining: float) -> str:
    seen = ", ".join(f"{label} x{count}" for label, count in tracker.seen.most_common(4))
    now = " | ".join(a.label() for a in tracker.last_answers) or "no ready endpoints"
    return (
        f"verify: {remaining:5.1f}s left, {tracker.consecutive}/{tracker.required} in a row; "
        f"now: {now}; seen: {seen}\n"
    )


def _misconfigured(tracker: Tracker) -> str:
    statuses = sorted({a.label() for a in tracker.last_answers})
    targets = sorted({a.target for a in tracker.last_answers})
    shown = ", ".join(targets[:3]) + (f" and {len(targets) - 3} more" if len(targets) > 3 else "")
    hint = ""
    if not any(t.rstrip("/").endswith("/meta") for t in targets):
        first = targets[0]
        if any(a.not_meta for a in tracker.last_answers):
            # Another endpoint of a service (its /healthz, say): /meta sits beside it.
            hint = f"; did you mean {urlunsplit(urlsplit(first)._replace(path='/meta', query=''))}?"
        elif any(a.status == 404 for a in tracker.last_answers):
            hint = f"; did you mean {first.rstrip('/')}/meta?"
    return (
        f"verify: {' and '.join(statuses)} from every target ({shown}): the request is wrong, "
        f"not the rollout; stopping now{hint}\n"
    )


def _poll(client: httpx.Client, target: str | ServiceRef) -> tuple[Answer, ...]:
    """One poll: a /meta URL once, or every ready endpoint of a Service."""
    if isinstance(target, str):
        return (fetch_meta(client, target),)
    try:
        return tuple(fetch_meta(client, url) for url in ready_endpoint_urls(target))
    except (RuntimeError, OSError, ValueError) as exc:
        return (Answer(target=f"{target.namespace}/{target.name}", error=str(exc)),)


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """The options that go together (exit 3 naming them)."""
    if args.status_url and not args.deployment:
        parser.error("--status-url needs --deployment")
    if args.deployment and not (args.status_url or args.judge_rollout):
        parser.error("--deployment needs --status-url or --judge-rollout")
    if args.judge_rollout and not (args.service and args.deployment):
        parser.error("--judge-rollout needs --service and --deployment")


def _outcome(tracker: Tracker, board_ok: bool, reading: RolloutReading) -> Outcome:
    outcome = tracker.outcome() if board_ok or not tracker.converged else Outcome.MISMATCH
    if reading.failed:
        return Outcome.MISMATCH
    if outcome in (Outcome.MISMATCH, Outcome.UNREACHABLE) and reading.undelivered:
        # Not the version's fault, nor proof it works: verify again once it is delivered.
        sys.stderr.write(f"verify: not delivered: {reading.undelivered}; nothing judged\n")
        return Outcome.NOT_DELIVERED
    return outcome


def _summary(outcome: Outcome, tracker: Tracker, elapsed: float, found: dict[str, Any]) -> Any:
    """``--json``'s document: the outcome, what was expected and seen, and FOUND."""
    return {
        "result": outcome.value,
        "exit_code": EXIT_CODES[outcome],
        "expected": asdict(tracker.expected),
        "required_consecutive": tracker.required,
        "consecutive": tracker.consecutive,
        "polls": tracker.polls,
        "elapsed_seconds": round(elapsed, 3),
        "seen": dict(tracker.seen),
        "last": [asdict(a) for a in tracker.last_answers],
        **found,
    }


EXIT_STOPPED = 5


def main(argv: list[str] | None = None, stop: Callable[[], str | None] | None = None) -> int:
    """STOP (for callers in the same process): asked after each poll; a reason ends the
    wait at once with exit 5."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    expected = Expected(args.expect_sha, args.expect_digest)
    tracker = Tracker(expected, args.consecutive)
    started = time.monotonic()
    deadline = started + args.timeout
    board_ok = args.status_url is None
    board_message = ""
    reading = RolloutReading()
    confirm = DeadlineConfirmation()
    target: str | ServiceRef = args.url
    if args.service:
        namespace, name = args.service.split("/")
        target = ServiceRef(namespace, name, args.port, args.kubeconfig, args.kubectl)
    with new_client(args.request_timeout) as client:
        while True:
            tracker.record(_poll(client, target))
            if args.judge_rollout and isinstance(target, ServiceRef) and not tracker.converged:
                reading = _read_rollout(target, args.deployment, args.expect_digest, confirm)
            if args.status_url:
                namespace, name = args.deployment.split("/")
                verdict = board_verdict(client, args.status_url, namespace, name)
                board_ok = verdict.done and verdict.health == "Healthy"
                board_message = f"board: {verdict.health or 'unknown'}: {verdict.message}"
            remaining = deadline - time.monotonic()
            sys.stderr.write(_progress(tracker, max(remaining, 0.0)))
            if board_message:
                sys.stderr.write(f"verify: {board_message}\n")
            if reading.failed:
                sys.stderr.write(f"verify: the rollout failed: {reading.failed}\n")
                break
            if stop is not None and (why := stop()):
                sys.stderr.write(f"verify: stopped: {why}\n")
                return EXIT_STOPPED
            if (tracker.converged and board_ok) or remaining <= 0:
                break
            if tracker.misconfigured:
                sys.stderr.write(_misconfigured(tracker))
                break
            time.sleep(min(args.interval, max(remaining, 0.0)))
    outcome = _outcome(tracker, board_ok, reading)
    elapsed = time.monotonic() - started
    sys.stderr.write(f"verify: {outcome.value} after {elapsed:.1f}s and {tracker.polls} polls\n")
    if args.json:
        found = {"board": board_message or None, "rollout_failed": reading.failed}
        if outcome is Outcome.NOT_DELIVERED:
            found["not_delivered"] = reading.undelivered
        sys.stdout.write(json.dumps(_summary(outcome, tracker, elapsed, found), indent=2) + "\n")
    return EXIT_CODES[outcome]


if __name__ == "__main__":
    sys.exit(main())
