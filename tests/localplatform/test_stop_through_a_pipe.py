"""`make run 2>&1 | tee run.log`, stopped with Ctrl-C: the terminal's SIGINT ends tee as
well, so the platform's output pipe has no reader while it stops. Every undo step must
still run (docs/postmortems/2026-12-07-make-run-stopped-through-a-pipe.md).

The real ``tools.localplatform.__main__.up`` (its signal handlers, its stop path) and
the real ``Platform.down`` run in a child process with a real pipe as stdout; only what
the platform starts is a stand-in that records its undo steps in files, so the test
needs no cluster and takes a second. The whole platform stopped this way is in
``test_run.py``'s tier.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tools.platformkit.paths import REPO_ROOT

CHILD = r"""
import sys, time
from pathlib import Path
from tools.localplatform import __main__ as cli
from tools.localplatform.orchestrator import Platform

marks = Path(sys.argv[1])

class Started(Platform):
    # What `up` starts, reduced to undo steps that leave a mark; `down` is Platform's.
    def __init__(self, console, name, port, real_node, prod_gate):
        self.console, self.state = console, marks / "state"
        self.undo = []

    def up(self):
        for i in range(3):
            self.on_down(f"stopped part {i}", lambda i=i: (marks / f"undone-{i}").touch())
        self.on_down("a step that fails", lambda: 1 / 0)
        self.console.say("READY")
        for n in range(200):  # a long first screen: the pipe's buffer is full by now
            self.console.say("x" * 1000)
        while True:
            time.sleep(0.05)

cli.Platform = Started
code = cli.up("platform", 0, False)
(marks / f"exit-{code}").touch()
"""


def test_ctrl_c_with_the_output_pipe_gone_still_undoes_every_step(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # as `2>&1 | tee`
    )
    assert child.stdout is not None
    first = child.stdout.readline()
    while b"READY" not in first:
        assert first, "the child ended before it was up"
        first = child.stdout.readline()
    child.stdout.close()  # tee is gone
    child.send_signal(signal.SIGINT)
    assert child.wait(timeout=30) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "exit-0",
        "undone-0",
        "undone-1",
        "undone-2",
    ]
