"""The git server as a part of its own (``parts.GitServerProcess``): it serves real clones,
comes back on the same port after a SIGKILL, and a killed run's one is found by its command
line (``stale._kill_git_server``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from delivery.git import run as git
from tools.localplatform import stale
from tools.localplatform.parts import GitServerProcess
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.polling import wait_for

AUTHOR = ("-c", "user.name=Drill", "-c", "user.email=drill@example.invalid")


def _state(pid: int) -> str:
    """PID's state letter in /proc (R, S, T, Z, ...); "" once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def _commit(work: Path, text: str) -> str:
    (work / "app.yaml").write_text(text)
    git(work, "add", "app.yaml")
    git(work, *AUTHOR, "commit", "-qm", f"set {text.strip()}")
    return git(work, "rev-parse", "HEAD")


def _clone(url: str, into: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "clone", "-q", url, str(into)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def served() -> Iterator[list[GitServerProcess]]:
    """Git server processes a test started; each is stopped (by its PID) afterwards."""
    procs: list[GitServerProcess] = []
    yield procs
    for proc in procs:
        proc.stop()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[GitServer, Path]:
    """A git server's root (``<state>/git``) holding a bare ``config.git``, and a work clone
    that pushes to it through the filesystem, as the pipeline does."""
    server = GitServer(tmp_path / "state" / "git")
    bare = server.create_repo("config")
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    git(work, "remote", "add", "origin", str(bare))
    return server, work


def test_the_git_server_process_serves_a_clone_over_http(
    tmp_path: Path, repo: tuple[GitServer, Path], served: list[GitServerProcess]
) -> None:
    server, work = repo
    head = _commit(work, "replicas: 1\n")
    git(work, "push", "-q", "origin", "main")

    proc = GitServerProcess(server, tmp_path / "git-server.log").start()
    served.append(proc)

    assert proc.alive()
    assert server.port > 0
    assert proc.argv[-2:] == ["--port", str(server.port)]
    cloned = _clone(server.url("config"), tmp_path / "clone")
    assert cloned.returncode == 0, cloned.stderr
    assert git(tmp_path / "clone", "rev-parse", "HEAD") == head
    assert (tmp_path / "clone" / "app.yaml").read_text() == "replicas: 1\n"
    assert (
        f"serving {server.root} on http://127.0.0.1:{server.port}/"
        in (tmp_path / "git-server.log").read_text()
    )


def test_a_killed_git_server_restarts_on_the_same_port_and_serves_what_was_pushed_meanwhile(
    tmp_path: Path, repo: tuple[GitServer, Path], served: list[GitServerProcess]
) -> None:
    server, work = repo
    _commit(work, "replicas: 1\n")
    git(work, "push", "-q", "origin", "main")
    proc = GitServerProcess(server, tmp_path / "git-server.log").start()
    served.append(proc)
    first, port = proc.pid, server.port
    assert _clone(server.url("config"), tmp_path / "before").returncode == 0  # a connection made

    os.kill(first, signal.SIGKILL)
    wait_for("the git server to exit", lambda: not proc.alive(), 5, every=0.01)
    down = _clone(server.url("config"), tmp_path / "while-down")
    assert down.returncode != 0
    head = _commit(work, "replicas: 2\n")  # the pipeline pushes on while it is down
    git(work, "push", "-q", "origin", "main")

    second = proc.restart()

    assert second == proc.pid != first
    assert server.port == port
    assert proc.alive()
    assert _state(first) == ""  # the killed one was reaped, not left a zombie
    again = _clone(server.url("config"), tmp_path / "after")
    assert again.returncode == 0, again.stderr
    assert git(tmp_path / "after", "rev-parse", "HEAD") == head
    assert (tmp_path / "after" / "app.yaml").read_text() == "replicas: 2\n"
    assert (tmp_path / "git-server.log").read_text().count("serving ") == 2  # one log, appended


def test_stopping_the_git_server_ends_it(
    tmp_path: Path, repo: tuple[GitServer, Path], served: list[GitServerProcess]
) -> None:
    server, _ = repo
    proc = GitServerProcess(server, tmp_path / "git-server.log").start()
    served.append(proc)
    pid = proc.pid

    proc.stop()

    assert proc.pid == 0
    assert not proc.alive()
    assert _state(pid) == ""  # ended and reaped
    assert _clone(server.url("config"), tmp_path / "clone").returncode != 0
    proc.stop()  # twice: nothing left to stop


def test_a_git_server_keeps_the_port_it_was_given(
    tmp_path: Path, repo: tuple[GitServer, Path]
) -> None:
    server, _ = repo
    server.port = 45678

    proc = GitServerProcess(server, tmp_path / "git-server.log")

    assert server.port == 45678
    assert proc.pid == 0
    assert not proc.alive()  # not started yet
    assert proc.argv == [
        sys.executable,
        "-m",
        "tools.platformkit.gitops.gitserver",
        str(server.root),
        "--port",
        "45678",
    ]


# --- a killed run's git server ------------------------------------------------------------


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for proc in procs:
        proc.kill()
        proc.wait(timeout=5)


@pytest.mark.parametrize(
    ("names", "recorded", "killed"),
    [
        pytest.param("{state}/git", "{state}", True, id="that-runs-repositories"),
        pytest.param("{other}/git", "{state}", False, id="another-runs-repositories"),
        pytest.param("{state}/git/config.git", "{state}", False, id="a-repository-not-the-root"),
        pytest.param("{state}/gitx", "{state}", False, id="a-longer-name"),
        pytest.param("{state}/git", "", False, id="no-state-dir-recorded"),
    ],
)
def test_a_killed_runs_git_server_is_found_by_its_command_line(
    tmp_path: Path,
    children: list[subprocess.Popen[bytes]],
    names: str,
    recorded: str,
    killed: bool,
) -> None:
    where = {"state": str(tmp_path / "state"), "other": str(tmp_path / "other")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", names.format(**where), "--port", "1"]
    )
    children.append(proc)
    cmdline = Path(f"/proc/{proc.pid}/cmdline")
    wait_for("its command line", cmdline.read_bytes, 5, every=0.01)  # empty just after exec

    assert stale._kill_git_server(proc.pid, recorded.format(**where)) is killed

    if killed:
        assert proc.wait(timeout=5) == -9
    else:
        assert proc.poll() is None


def test_a_git_server_pid_that_is_gone_is_nothing_to_kill(
    tmp_path: Path, children: list[subprocess.Popen[bytes]]
) -> None:
    proc = subprocess.Popen(["true"])
    children.append(proc)
    proc.wait(timeout=5)

    assert stale._kill_git_server(proc.pid, str(tmp_path / "state")) is False


def test_the_git_server_process_is_what_a_later_run_finds_and_kills(
    tmp_path: Path, repo: tuple[GitServer, Path], served: list[GitServerProcess]
) -> None:
    server, _ = repo  # its root is <state>/git, as make run's is
    proc = GitServerProcess(server, tmp_path / "git-server.log").start()
    served.append(proc)

    assert stale._kill_git_server(proc.pid, str(tmp_path / "state")) is True

    wait_for("the git server to exit", lambda: not proc.alive(), 5, every=0.01)
