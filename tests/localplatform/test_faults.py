"""``python -m tools.localplatform fault PART ACTION`` on real processes: this test process
plays the running platform (``current.json`` records its PID), and the parts are
``sleep`` children it started."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tools.localplatform import faults, rundir
from tools.localplatform.faults import FaultError
from tools.localplatform.rundir import NotRunningError, RuntimeInfo
from tools.localplatform.supervisor import Part, Supervisor
from tools.platformkit import processes
from tools.platformkit.paths import REPO_ROOT
from tools.platformkit.polling import wait_for

SLEEP = shutil.which("sleep") or "/usr/bin/sleep"


def _state(pid: int) -> str:
    """PID's state letter in /proc (R, S, T, Z, ...); "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


@dataclass
class Platform:
    """A stand-in for the running platform: current.json under ``root``, state in ``state``."""

    root: Path
    state: Path
    children: list[subprocess.Popen[bytes]]

    def child(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen([SLEEP, "60"])
        self.children.append(proc)
        return proc

    def record(self, pids: dict[str, int]) -> None:
        RuntimeInfo(os.getpid(), str(self.state), "drill", "dev", pids=pids).save(self.root)

    def running(self, *names: str) -> dict[str, subprocess.Popen[bytes]]:
        """A child per NAME, recorded in current.json under that name."""
        procs = {name: self.child() for name in names}
        self.record({name: proc.pid for name, proc in procs.items()})
        return procs

    def fault(self, part: str, action: str) -> str:
        return faults.fault(part, action, self.root)


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    root, state = tmp_path / "run", tmp_path / "state"
    root.mkdir()
    state.mkdir()
    found = Platform(root, state, [])
    yield found
    for proc in found.children:
        proc.kill()  # a stopped (SIGSTOP) one too
        proc.wait(timeout=5)


@pytest.mark.parametrize("name", ["kube-apiserver", "git server", "etcd"])
def test_kill_ends_the_part_and_leaves_no_hold(platform: Platform, name: str) -> None:
    procs = platform.running("etcd", "kube-apiserver", "git server")

    done = platform.fault(name, "kill")

    assert procs[name].wait(timeout=5) == -9
    assert done == (
        f"{name} (pid {procs[name].pid}): SIGKILL; the platform starts it again within 2 s"
    )
    assert not faults.held_path(str(platform.state), name).exists()
    assert [n for n, p in procs.items() if p.poll() is None] == [
        n for n in procs if n != name
    ]  # the others run on


def test_down_holds_the_part_then_kills_it(platform: Platform) -> None:
    procs = platform.running("registry")

    done = platform.fault("registry", "down")

    assert procs["registry"].wait(timeout=5) == -9
    assert (platform.state / "held" / "registry").is_file()
    assert faults.held_path(str(platform.state), "registry") == platform.state / "held" / "registry"
    assert done.endswith("SIGKILL; held down until `fault registry up`")


def test_up_releases_the_hold(platform: Platform) -> None:
    procs = platform.running("registry")
    platform.fault("registry", "down")
    procs["registry"].wait(timeout=5)

    done = platform.fault("registry", "up")

    assert not (platform.state / "held" / "registry").exists()
    assert done == "registry: released; the platform starts it again within 2 s"
    platform.fault("registry", "up")  # twice: nothing held, nothing to do


def test_hang_stops_the_part_and_resume_continues_it(platform: Platform) -> None:
    procs = platform.running("source-controller")
    pid = procs["source-controller"].pid

    hung = platform.fault("source-controller", "hang")
    wait_for("the part to stop", lambda: _state(pid) == "T", 5, every=0.01)

    assert hung == (
        f"source-controller (pid {pid}): SIGSTOP; stopped, sockets open; "
        "`fault source-controller resume` continues it"
    )
    assert not (platform.state / "held").exists()  # a hang holds nothing

    resumed = platform.fault("source-controller", "resume")
    wait_for("the part to run on", lambda: _state(pid) not in ("T", ""), 5, every=0.01)

    assert resumed == f"source-controller (pid {pid}): SIGCONT; running again"
    assert procs["source-controller"].poll() is None


def test_a_node_daemon_is_named_without_its_prefix(platform: Platform) -> None:
    procs = platform.running("node kubelet", "node containerd")

    done = platform.fault("kubelet", "kill")

    assert procs["node kubelet"].wait(timeout=5) == -9
    assert procs["node containerd"].poll() is None
    assert done.startswith(f"node kubelet (pid {procs['node kubelet'].pid}): SIGKILL")


def test_a_node_daemon_is_held_under_its_full_name(platform: Platform) -> None:
    procs = platform.running("node kubelet")

    done = platform.fault("kubelet", "down")

    procs["node kubelet"].wait(timeout=5)
    assert (platform.state / "held" / "node kubelet").is_file()
    assert done.endswith("held down until `fault kubelet up`")
    platform.fault("kubelet", "up")
    assert not (platform.state / "held" / "node kubelet").exists()


@pytest.mark.parametrize(
    ("pids", "given", "expected"),
    [
        ({"etcd": 1, "node kubelet": 2}, "etcd", "etcd"),
        ({"etcd": 1, "node kubelet": 2}, "kubelet", "node kubelet"),
        ({"etcd": 1, "node kubelet": 2}, "node kubelet", "node kubelet"),
        ({"kubelet": 1, "node kubelet": 2}, "kubelet", "kubelet"),  # the exact name first
    ],
)
def test_part_name_resolves_as_current_json_names_it(
    pids: dict[str, int], given: str, expected: str
) -> None:
    assert faults.part_name(pids, given) == expected


def test_an_unknown_part_is_refused_listing_the_known_ones(platform: Platform) -> None:
    procs = platform.running("etcd", "node kubelet", "git server")

    with pytest.raises(FaultError) as raised:
        platform.fault("kubelett", "kill")

    assert str(raised.value) == (
        "no part named 'kubelett' in the running platform; known: etcd, git server, kubelet"
    )
    assert all(proc.poll() is None for proc in procs.values())


@pytest.mark.parametrize("action", ["kill", "down", "hang", "resume"])
def test_a_pid_that_is_not_the_platforms_child_is_not_signalled(
    platform: Platform, action: str
) -> None:
    platform.record({"etcd": 1})  # init: alive, but nobody the platform started

    with pytest.raises(FaultError, match=r"etcd \(pid 1\) is not a process of the platform"):
        platform.fault("etcd", action)

    assert not (platform.state / "held").exists()  # refused before anything was held


def test_a_part_that_is_gone_is_refused(platform: Platform) -> None:
    proc = platform.child()
    proc.kill()
    proc.wait(timeout=5)  # reaped: its PID names nothing now
    platform.record({"board": proc.pid})

    with pytest.raises(FaultError, match=f"board \\(pid {proc.pid}\\) is not a process of"):
        platform.fault("board", "kill")


def test_a_grandchild_is_not_the_platforms_child(platform: Platform) -> None:
    shell = subprocess.Popen(["sh", "-c", f"{SLEEP} 60 & echo $!; wait"], stdout=subprocess.PIPE)
    platform.children.append(shell)
    assert shell.stdout is not None
    grandchild = int(shell.stdout.readline())
    shell.stdout.close()
    platform.record({"board": grandchild})

    try:
        with pytest.raises(FaultError, match="is not a process of the platform"):
            platform.fault("board", "kill")
        assert _state(grandchild) not in ("", "Z")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(grandchild, signal.SIGKILL)


@pytest.mark.parametrize("action", ["restart", "KILL", "", "stop"])
def test_an_unknown_action_is_refused(platform: Platform, action: str) -> None:
    procs = platform.running("etcd")

    with pytest.raises(FaultError, match="action must be one of kill, down, up, hang, resume"):
        platform.fault("etcd", action)

    assert procs["etcd"].poll() is None


def test_no_running_platform_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(NotRunningError, match="no local platform is running"):
        faults.fault("etcd", "kill", tmp_path)


def test_a_platform_that_died_is_not_running(platform: Platform) -> None:
    gone = platform.child()
    gone.kill()
    gone.wait(timeout=5)
    RuntimeInfo(gone.pid, str(platform.state), "drill", "dev", pids={}).save(platform.root)

    with pytest.raises(NotRunningError, match=f"pid {gone.pid}\\) is gone"):
        faults.fault("etcd", "kill", platform.root)


def test_the_run_root_comes_from_the_environment(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    procs = platform.running("etcd")
    monkeypatch.setenv("GITOPS_PLATFORM_RUN", str(platform.root))

    faults.fault("etcd", "kill")

    assert procs["etcd"].wait(timeout=5) == -9
    assert rundir.current_file() == platform.root / "current.json"


def test_down_and_up_drive_the_supervisor(platform: Platform) -> None:
    """The hold ``fault down`` writes is the one the supervisor reads (state/held/<part>)."""
    pids: list[int] = []

    def start() -> int:
        pids.append(processes.spawn([SLEEP, "60"], platform.state / "git-server.log"))
        return pids[-1]

    try:
        start()
        recorded: dict[str, int] = {}
        said: list[str] = []
        sup = Supervisor(platform.state / "held", said.append, recorded.__setitem__)
        sup.add(
            Part(
                "git server",
                lambda: processes.is_ours(pids[-1], SLEEP),
                start,
                platform.state / "git-server.log",
            )
        )
        platform.record({"git server": pids[0]})

        platform.fault("git server", "down")
        wait_for("the part to exit", lambda: _state(pids[0]) in ("Z", ""), 5, every=0.01)
        assert sup.check() is None
        assert (pids, recorded) == (pids[:1], {})  # held: not started again

        platform.fault("git server", "up")
        assert sup.check() is None
        assert len(pids) == 2
        assert recorded == {"git server": pids[1]}
        assert processes.is_ours(pids[1], SLEEP)
    finally:
        for pid in pids:
            processes.stop(pid, SLEEP, timeout=0)


# --- the command line -------------------------------------------------------------------


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.localplatform", "fault", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "GITOPS_PLATFORM_RUN": str(root)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_command_without_a_platform_exits_2_with_one_line(tmp_path: Path) -> None:
    done = _cli(tmp_path, "nosuch", "kill")

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("no local platform is running")
    assert "make run" in done.stderr


def test_the_command_with_an_unknown_part_exits_2_with_one_line(platform: Platform) -> None:
    platform.running("etcd")

    done = _cli(platform.root, "nosuch", "kill")

    assert done.returncode == 2
    assert done.stderr == "no part named 'nosuch' in the running platform; known: etcd\n"


def test_the_command_kills_a_part_and_says_what_it_did(platform: Platform) -> None:
    procs = platform.running("etcd")

    done = _cli(platform.root, "etcd", "kill")

    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == (
        f"etcd (pid {procs['etcd'].pid}): SIGKILL; the platform starts it again within 2 s\n"
    )
    assert procs["etcd"].wait(timeout=5) == -9


def test_the_command_refuses_an_unknown_action_before_looking_for_a_platform(
    tmp_path: Path,
) -> None:
    done = _cli(tmp_path, "etcd", "explode")

    assert done.returncode == 2
    assert "invalid choice: 'explode'" in done.stderr
    assert "no local platform" not in done.stderr
