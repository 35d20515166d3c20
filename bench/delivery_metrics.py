"""delivery-metrics over a synthetic config history of 10,000 promotions.

Run with ``make bench-delivery``. ``git fast-import`` writes the history in two
streams (a process per commit would take minutes): first the source commits on
main, whose SHAs the promotions' ``Source-Commit`` trailers need, then on top of
them the promotions, the reverts (``get-mark`` gives the SHA a revert names) and
one commit on ``refs/notes/deployments`` holding every record.
Two environments; about 4 % of promotions fail verification and are reverted
(the previous promotion is verified again, as verify.yaml records a restore),
1 % are never verified and 1 % name a source commit that is not in the repository.

Times ``read_history`` + ``compute`` in-process, wall and CPU (this process plus
git), best and median of the runs, every promotion in the window; then the
``delivery-metrics --json`` command end to end. Nothing is asserted: the numbers
go into bench/delivery.md by hand.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from delivery.dora import compute
from delivery.history import read_history
from delivery.records import Record, Verdict, format_record

UNTIL = datetime(2026, 12, 1, tzinfo=UTC)
STEP = timedelta(minutes=6)  # 10,000 promotions span about 42 days
ENVIRONMENTS = ("dev", "staging")
IDENTITY = "CI <ci@example.invalid>"


def _data(text: str) -> bytes:
    body = text.encode()
    return b"data %d\n%s\n" % (len(body), body)


def _commit(
    ref: str,
    mark: int,
    when: datetime,
    message: str,
    files: dict[str, str],
    *,
    parent: str | None = None,
) -> bytes:
    out = [f"commit {ref}\nmark :{mark}\n".encode()]
    out.append(f"committer {IDENTITY} {int(when.timestamp())} +0000\n".encode())
    out.append(_data(message))
    if parent is not None:
        out.append(f"from {parent}\n".encode())
    for path, text in files.items():
        out.append(f"M 100644 inline {path}\n".encode() + _data(text))
    return b"".join(out)


class FastImport:
    """A ``git fast-import`` process that can tell the SHA of a mark mid-stream.

    A revert's trailer names its promotion's SHA, which exists only once
    fast-import has written that commit: ``get-mark`` answers on --cat-blob-fd.
    """

    def __init__(self, repo: Path) -> None:
        args = ["git", "-C", str(repo), "fast-import", "--quiet", "--cat-blob-fd=1"]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def write(self, chunk: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(chunk)

    def sha(self, mark: int) -> str:
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(b"get-mark :%d\n" % mark)
        self.proc.stdin.flush()
        return self.proc.stdout.readline().decode().strip()

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"done\n")
        self.proc.stdin.close()
        if self.proc.wait() != 0:
            raise RuntimeError("git fast-import failed")


def _sources(repo: Path, times: list[datetime]) -> list[str]:
    """One source commit per promotion on main, oldest first: source and config share
    a history in this monorepo, so ``read_history`` finds their dates in its one log."""
    order = sorted(range(len(times)), key=lambda i: times[i])
    stream = b"".join(
        _commit("refs/heads/main", n + 1, times[i], f"feat: {i}", {"src.txt": f"{i}\n"})
        for n, i in enumerate(order)
    )
    marks = repo / ".git" / "source.marks"
    args = ["git", "-C", str(repo), "fast-import", "--quiet", f"--export-marks={marks}"]
    subprocess.run(args, input=stream + b"done\n", check=True)
    by_mark = dict(line.split() for line in marks.read_text().splitlines())
    shas = {i: by_mark[f":{n + 1}"] for n, i in enumerate(order)}
    return [shas[i] for i in range(len(times))]


def build(repo: Path, count: int, seed: int = 1) -> dict[str, int]:
    """Write the history into a new repository at ``repo``; return what was written."""
    rng = random.Random(seed)  # noqa: S311 -- a reproducible synthetic history, not a secret
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    times = [UNTIL - (count - i) * STEP for i in range(count)]
    sources = _sources(repo, [t - timedelta(minutes=rng.randint(10, 2880)) for t in times])
    stream = FastImport(repo)
    notes: dict[int, list[str]] = {}
    last: dict[str, int] = {}  # environment -> mark of its latest verified promotion
    counts = {"promotions": count, "failed": 0, "unverified": 0, "missing_source": 0}
    mark = 0
    for i, when in enumerate(times):
        env = ENVIRONMENTS[i % len(ENVIRONMENTS)]
        source = sources[i]
        if rng.random() < 0.01:
            source, counts["missing_source"] = f"{i:040x}", counts["missing_source"] + 1
        mark += 1
        promotion, digest = mark, f"sha256:{i:064x}"
        message = f"deploy({env}): promote backend to {source[:12]}\n\nSource-Commit: {source}\n"
        pinned = f"images:\n  - name: backend\n    digest: {digest}\n"
        overlay = {f"k8s/overlays/{env}/kustomization.yaml": pinned}
        # The first continues main after the source commits instead of starting a root.
        parent = "refs/heads/main^0" if i == 0 else None
        stream.write(_commit("refs/heads/main", promotion, when, message, overlay, parent=parent))
        roll = rng.random()
        if roll < 0.01:
            counts["unverified"] += 1
            continue
        verdict: Verdict = "failed" if roll < 0.05 else "verified"
        at = when + timedelta(seconds=rng.randint(60, 150))
        record = Record(env, verdict, at, source, digest, f"https://ci.invalid/runs/{i}")
        notes.setdefault(promotion, []).append(format_record(record))
        if verdict == "verified":
            last[env] = promotion
            continue
        counts["failed"] += 1
        mark += 1
        revert = f"revert: deploy({env})\n\nReverts-Promotion: {stream.sha(promotion)}\n"
        stream.write(_commit("refs/heads/main", mark, at + timedelta(seconds=20), revert, {}))
        if env in last:  # the version the rollback brings back answers again
            again = Record(env, "verified", at + timedelta(seconds=90), source, None, None)
            notes.setdefault(last[env], []).append(format_record(again))
    stream.write(_commit("refs/notes/deployments", mark + 1, UNTIL, "records", {}))
    for target, lines in notes.items():  # fast-import spreads them into a fanout tree
        stream.write(f"N inline :{target}\n".encode() + _data("\n\n".join(lines)))
    stream.close()
    return counts


def _cpu() -> float:
    """CPU seconds of this process and its finished children (git): steadier than wall
    time on a shared machine."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(runs: int, work: Callable[[], object]) -> str:
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), _cpu()
        work()
        wall.append(time.perf_counter() - started)
        cpu.append(_cpu() - cpu_started)
    return (
        f"wall best {min(wall):.3f} s, median {statistics.median(wall):.3f} s; "
        f"CPU best {min(cpu):.3f} s, median {statistics.median(cpu):.3f} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--promotions", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    since = UNTIL - timedelta(days=60)  # every promotion is in the window
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
        repo = Path(tmp) / "config"
        started = time.perf_counter()
        counts = build(repo, args.promotions)
        print(f"built {counts} in {time.perf_counter() - started:.1f} s")
        for metrics in compute(read_history(repo), since, UNTIL).environments:
            print(
                f"  {metrics.environment}: {metrics.deployments} deployments, "
                f"{metrics.failures} failures of {metrics.outcomes}, "
                f"{metrics.open_failures} open, {metrics.unverified} unverified, "
                f"{metrics.lead_time_unknown} without source commit"
            )
        print("read_history + compute, sources in the same history (one git process):")
        print("  " + _measure(args.runs, lambda: compute(read_history(repo), since, UNTIL)))
        print("read_history + compute, --source-repo (a second git process for 10,000 SHAs):")
        print(
            "  "
            + _measure(
                args.runs, lambda: compute(read_history(repo, source_repo=repo), since, UNTIL)
            )
        )
        cli = [sys.executable, "-m", "delivery.metrics_cli", "--repo", str(repo), "--json"]
        cli += ["--since", "60d", "--until", "2026-12-01T00:00:00Z"]
        print("delivery-metrics --json, the whole command (Python start-up, JSON output):")
        print(
            "  "
            + _measure(
                args.runs, lambda: subprocess.run(cli, check=True, stdout=subprocess.DEVNULL)
            )
        )
        git = subprocess.run(["git", "--version"], capture_output=True, text=True, check=True)
        print(
            f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, "
            f"Python {platform.python_version()}, {git.stdout.strip()}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
