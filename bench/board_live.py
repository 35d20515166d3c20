"""What the two live board benchmarks share: the played server in its own process, its
step log, and a percentile (the server itself is ``bench/board_rollout_source.py``)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.platformkit.processes import ServiceProcess, free_port

SERVER = Path(__file__).resolve().parent / "board_rollout_source.py"


def read_log(path: Path) -> list[dict[str, Any]]:
    """The server's step log: a header line, one line per applied step, then "done"."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_done(log: Path, timeout: float = 90) -> None:
    """Until the server has logged the end of its plan."""
    deadline = time.monotonic() + timeout
    while not any("done" in e for e in read_log(log)):
        if time.monotonic() > deadline:
            raise RuntimeError("the plan did not finish")
        time.sleep(0.05)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


@dataclass
class Played:
    process: ServiceProcess
    log: Path
    entries: list[dict[str, Any]] = field(default_factory=list)  # the log, once stopped

    @property
    def pid(self) -> int:
        assert self.process.proc is not None
        return self.process.proc.pid


@contextmanager
def played(plan: list[str], prefix: str) -> Iterator[Played]:
    """The board server playing PLAN on a free loopback port, until the block ends."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        log, port = Path(tmp) / "steps.jsonl", free_port()
        argv = [sys.executable, str(SERVER), "--port", str(port), *plan, "--log", str(log)]
        process = ServiceProcess(
            argv, dict(os.environ), "127.0.0.1", port, Path(tmp) / "server.log"
        )
        run = Played(process.start(), log)
        try:
            process.wait_until("/readyz", timeout=90)  # the first board of 200 workloads
            yield run
        except Exception:
            sys.stderr.write(process.output()[-3000:])
            raise
        finally:
            process.stop()
        run.entries = read_log(log)
