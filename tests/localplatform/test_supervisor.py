"""The supervisor ``make run`` uses to keep its parts running: restarts, holds, back-off and
the crash-loop limit, with a real process where it is about processes and a fake clock
where it is about time."""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tools.localplatform import supervisor
from tools.localplatform.supervisor import Part, Supervisor
from tools.platformkit import processes
from tools.platformkit.polling import wait_for

SLEEP = shutil.which("sleep") or "/usr/bin/sleep"


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakePart:
    """A part that is alive or not as the test says; its restarts may raise."""

    name: str
    running: bool = True
    failures_left: int = 0  # this many restarts raise before one succeeds
    attempts: list[float] = field(default_factory=list)
    clock: Clock = field(default_factory=Clock)
    pid: int = 100

    def alive(self) -> bool:
        return self.running

    def restart(self) -> int:
        self.attempts.append(self.clock.now)
        if self.failures_left:
            self.failures_left -= 1
            raise OSError("port in use")
        self.running = True
        self.pid += 1
        return self.pid

    def part(self, log: Path) -> Part:
        return Part(self.name, self.alive, self.restart, log)


@dataclass
class Harness:
    sup: Supervisor
    clock: Clock
    said: list[str]
    pids: list[tuple[str, int]]
    held_dir: Path

    def fake(self, name: str, running: bool = True, failures_left: int = 0) -> FakePart:
        fake = FakePart(name, running, failures_left, clock=self.clock)
        self.sup.add(fake.part(self.held_dir.parent / f"{name}.log"))
        return fake


def _exited(pid: int) -> bool:
    """PID has exited (a zombie not yet reaped, or gone): SIGKILL is not instantaneous."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    clock = Clock()
    said: list[str] = []
    pids: list[tuple[str, int]] = []
    held = tmp_path / "held"
    sup = Supervisor(held, said.append, lambda name, pid: pids.append((name, pid)), clock)
    return Harness(sup, clock, said, pids, held)


@pytest.fixture
def sleepers() -> Iterator[list[int]]:
    """PIDs of ``sleep`` processes a test spawned; each is stopped (by PID) afterwards."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        processes.stop(pid, SLEEP, timeout=0)


def test_a_part_that_was_killed_is_started_again_and_its_new_pid_recorded(
    tmp_path: Path, sleepers: list[int]
) -> None:
    log = tmp_path / "sleeper.log"

    def start() -> int:
        sleepers.append(processes.spawn([SLEEP, "60"], log))
        return sleepers[-1]

    start()
    said: list[str] = []
    recorded: dict[str, int] = {}
    sup = Supervisor(tmp_path / "held", said.append, recorded.__setitem__)
    sup.add(Part("sleeper", lambda: processes.is_ours(sleepers[-1], SLEEP), start, log))
    first = sleepers[-1]

    assert sup.check() is None
    assert (said, recorded, sleepers) == ([], {}, [first])  # alive: left alone

    os.kill(first, signal.SIGKILL)
    wait_for("the killed sleep to exit", lambda: _exited(first), 5, every=0.01)
    assert sup.check() is None

    second = sleepers[-1]
    assert second != first
    assert recorded == {"sleeper": second}
    assert processes.is_ours(second, SLEEP)
    assert not processes.is_ours(first, SLEEP)
    assert said == [f"sleeper exited; started it again (pid {second}, log {log})"]
    assert sup.check() is None
    assert sleepers == [first, second]  # running again: not restarted twice


def test_only_the_part_that_exited_is_restarted(harness: Harness) -> None:
    etcd, apiserver = harness.fake("etcd"), harness.fake("kube-apiserver")
    apiserver.running = False

    assert harness.sup.check() is None

    assert (len(etcd.attempts), len(apiserver.attempts)) == (0, 1)
    assert harness.pids == [("kube-apiserver", 101)]


def test_a_held_part_stays_down_until_its_hold_file_is_removed(harness: Harness) -> None:
    part = harness.fake("git server", running=False)
    harness.held_dir.mkdir()
    hold = harness.held_dir / "git server"
    hold.touch()

    for _ in range(3):
        harness.clock.now += 10
        assert harness.sup.check() is None
    assert harness.sup.held("git server")
    assert (part.attempts, harness.pids, harness.said) == ([], [], [])

    hold.unlink()
    assert harness.sup.check() is None

    assert not harness.sup.held("git server")
    assert harness.pids == [("git server", 101)]
    assert part.running


def test_a_hold_on_another_part_does_not_keep_this_one_down(harness: Harness) -> None:
    part = harness.fake("registry", running=False)
    harness.held_dir.mkdir()
    (harness.held_dir / "etcd").touch()

    assert harness.sup.check() is None

    assert harness.pids == [("registry", 101)]
    assert part.running


def _die_and_check(harness: Harness, part: FakePart, every: float) -> str | None:
    harness.clock.now += every
    part.running = False
    return harness.sup.check()


@pytest.mark.parametrize(
    "every",
    [
        pytest.param(1.0, id="in-quick-succession"),
        # the 6th exit comes exactly CRASH_WINDOW_S after the 1st restart: still inside
        pytest.param(supervisor.CRASH_WINDOW_S / supervisor.CRASH_LIMIT, id="filling-the-window"),
    ],
)
def test_a_part_that_keeps_exiting_within_the_window_stops_the_platform(
    harness: Harness, every: float
) -> None:
    part = harness.fake("kube-scheduler")

    for _ in range(supervisor.CRASH_LIMIT):
        assert _die_and_check(harness, part, every) is None
    problem = _die_and_check(harness, part, every)

    assert len(part.attempts) == supervisor.CRASH_LIMIT  # the last exit is not restarted
    assert problem is not None
    assert problem.startswith(
        f"kube-scheduler keeps exiting ({supervisor.CRASH_LIMIT} restarts in "
        f"{supervisor.CRASH_WINDOW_S:.0f} s; log "
    )
    assert problem.endswith("kube-scheduler.log)")
    assert harness.sup.check() == problem  # it stays a reason to stop


@pytest.mark.parametrize(
    ("every", "crashes"),
    [
        pytest.param(
            supervisor.CRASH_WINDOW_S / (supervisor.CRASH_LIMIT - 1) + 1,
            20,
            id="just-outside-the-limit",
        ),
        pytest.param(supervisor.CRASH_WINDOW_S + 1, 10, id="one-per-window"),
        pytest.param(600.0, 8, id="rare"),
    ],
)
def test_exits_spread_out_beyond_the_window_are_restarted_every_time(
    harness: Harness, every: float, crashes: int
) -> None:
    part = harness.fake("source-controller")

    for _ in range(crashes):
        assert _die_and_check(harness, part, every) is None

    assert len(part.attempts) == crashes
    assert part.running


def test_crash_limit_counts_only_restarts_inside_the_window(harness: Harness) -> None:
    part = harness.fake("etcd")
    for _ in range(supervisor.CRASH_LIMIT - 1):
        assert _die_and_check(harness, part, 1.0) is None
    harness.clock.now += supervisor.CRASH_WINDOW_S + 1  # the early ones age out ...

    for _ in range(supervisor.CRASH_LIMIT):
        assert _die_and_check(harness, part, 0.0) is None  # ... and a full window's worth fits
    assert _die_and_check(harness, part, 0.0) is not None


def test_a_restart_that_raises_is_retried_after_a_doubling_back_off(harness: Harness) -> None:
    part = harness.fake("registry", running=False, failures_left=4)
    start = harness.clock.now

    assert harness.sup.check() is None
    assert harness.said == [
        "registry exited; starting it again failed (port in use); next try in 1 s"
    ]
    for delay in (1.0, 2.0, 4.0, 8.0):
        retry = part.attempts[-1] + delay
        harness.clock.now = retry - 0.01
        tries = len(part.attempts)
        assert harness.sup.check() is None
        assert len(part.attempts) == tries  # too early: not retried
        harness.clock.now = retry
        assert harness.sup.check() is None
        assert part.attempts[-1] == retry

    assert [t - start for t in part.attempts] == [0.0, 1.0, 3.0, 7.0, 15.0]
    assert [s.rsplit("next try in ", 1)[-1] for s in harness.said[:4]] == [
        "1 s",
        "2 s",
        "4 s",
        "8 s",
    ]
    assert part.running
    assert harness.pids == [("registry", 101)]
    assert harness.said[-1] == (
        f"registry exited; started it again (pid 101, log {harness.held_dir.parent}/registry.log)"
    )


def test_the_back_off_stops_doubling_at_its_maximum(harness: Harness) -> None:
    part = harness.fake("board", running=False, failures_left=100)

    for _ in range(8):
        harness.clock.now += supervisor.CRASH_WINDOW_S + 1  # never a crash loop
        assert harness.sup.check() is None

    assert [s.rsplit("next try in ", 1)[-1] for s in harness.said] == [
        "1 s",
        "2 s",
        "4 s",
        "8 s",
        "16 s",
        "16 s",
        "16 s",
        "16 s",
    ]
    assert supervisor.BACKOFF_MAX_S == 16.0
    assert len(part.attempts) == 8


def test_a_successful_restart_resets_the_back_off(harness: Harness) -> None:
    part = harness.fake("pipeline runner", running=False, failures_left=2)
    harness.sup.check()  # fails: next try in 1 s
    harness.clock.now += 1
    harness.sup.check()  # fails: next try in 2 s
    harness.clock.now += 2
    harness.sup.check()  # starts
    assert part.running
    assert part.attempts == [1000.0, 1001.0, 1003.0]

    harness.clock.now += supervisor.CRASH_WINDOW_S + 1
    part.running, part.failures_left = False, 1
    assert harness.sup.check() is None  # exits again: retried at once, fails

    assert part.attempts[-1] == harness.clock.now
    assert harness.said[-1].endswith("next try in 1 s")  # from 1 s again, not 4 s
    harness.clock.now += 1
    assert harness.sup.check() is None
    assert part.running
    assert harness.pids == [("pipeline runner", 101), ("pipeline runner", 102)]


def test_a_start_that_keeps_failing_is_a_crash_loop_too(harness: Harness) -> None:
    part = harness.fake("kube-controller-manager", running=False, failures_left=100)

    problems = []
    for _ in range(40):
        harness.clock.now += 1
        problems.append(harness.sup.check())

    assert len(part.attempts) == supervisor.CRASH_LIMIT  # at 0, 1, 3, 7 and 15 s
    found = [p for p in problems if p is not None]
    assert found
    assert found[0].startswith("kube-controller-manager keeps exiting")
