"""The overlays read from a real config repository (git, in tmp_path, holding this
repository's own ``k8s/overlays``), and ConfigOverlays reading them off the board's path."""

from __future__ import annotations

import itertools
import logging
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from frontend.environments import configrepo
from frontend.environments.configrepo import ConfigOverlays, Unreadable, read_overlay
from frontend.environments.overlays import Overlay, OverlayError, parse_overlay

REPO = Path(__file__).resolve().parents[3]
OVERLAYS = REPO / "k8s" / "overlays"
DEV, STAGING = "k8s/overlays/dev", "k8s/overlays/staging"
MISSING_COMMIT = "0" * 40
WAIT_S = 10.0
OVERLAY = Overlay({"app": "r/app:v1"}, {})
OTHER = Overlay({"app": "r/app:v2"}, {})
BARRIERS = itertools.count()


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def commit(repo: Path, message: str) -> str:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", message)
    return git(repo, "rev-parse", "HEAD")


def files_on_disk(directory: str | Path) -> dict[str, str]:
    """The files of DIRECTORY (in this repository, unless absolute): file name -> text."""
    found = sorted((REPO / directory).iterdir())
    return {p.name: p.read_text() for p in found if p.is_file()}


@dataclass(frozen=True)
class Config:
    repo: Path  # a work tree
    bare: Path  # a bare clone of it
    first: str  # only dev's overlay
    second: str  # dev's and staging's


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Config:
    """A config repository committing the real dev overlay, then the real staging one."""
    root = tmp_path_factory.mktemp("config")
    repo = root / "work"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(REPO / DEV, repo / DEV)
    first = commit(repo, "dev")
    shutil.copytree(REPO / STAGING, repo / STAGING)
    second = commit(repo, "staging")
    git(root, "clone", "-q", "--bare", str(repo), str(root / "bare.git"))
    return Config(repo, root / "bare.git", first, second)


# -- read_overlay ------------------------------------------------------------------------


@pytest.mark.parametrize("directory", [DEV, STAGING])
def test_read_overlay_reads_the_committed_files_as_they_are_on_disk(
    config: Config, directory: str
) -> None:
    where = f"{directory} at {config.second[:12]}"
    read = read_overlay(config.repo, config.second, directory)
    assert read == parse_overlay(files_on_disk(directory), where)
    assert read.images
    assert read.settings


def test_read_overlay_reads_a_bare_clone(config: Config) -> None:
    read = read_overlay(config.bare, config.second, STAGING)
    assert read == parse_overlay(files_on_disk(STAGING), STAGING)


def test_read_overlay_reads_the_commit_not_the_work_tree(tmp_path: Path) -> None:
    repo = tmp_path / "work"
    repo.mkdir()
    git(repo, "init", "-q")
    shutil.copytree(REPO / DEV, repo / DEV)
    committed = commit(repo, "dev")
    (repo / DEV / "kustomization.yaml").write_text("- not what was committed\n")
    assert read_overlay(repo, committed, DEV) == parse_overlay(files_on_disk(DEV), DEV)


def test_read_overlay_reads_files_after_one_too_big_to_be_a_patch(tmp_path: Path) -> None:
    """A file over MAX_FILE_BYTES is left out; the files read after it (a name with a
    space among them) are whole."""
    repo = tmp_path / "work"
    overlay = repo / DEV
    shutil.copytree(REPO / DEV, overlay)
    git(repo, "init", "-q")
    huge = "kind: ConfigMap\nmetadata: {name: backend}\ndata:\n  BLOB: " + "x" * (1 << 20) + "\n"
    (overlay / "huge.yaml").write_text(huge)  # sorts before kustomization.yaml
    (overlay / "with space.yaml").write_text("kind: Service\nmetadata: {name: backend}\n")
    kustomization = overlay / "kustomization.yaml"
    listed = "resources:\n  - ../../base\n  - huge.yaml\n  - with space.yaml\n"
    kustomization.write_text(
        kustomization.read_text().replace("resources:\n  - ../../base\n", listed)
    )
    committed = commit(repo, "dev")

    read = read_overlay(repo, committed, DEV)

    small = {name: text for name, text in files_on_disk(overlay).items() if name != "huge.yaml"}
    assert read == parse_overlay(small, DEV)
    assert "ConfigMap backend" in read.settings
    assert "data.BLOB" not in read.settings["ConfigMap backend"]
    assert read.settings["Service backend"] == {}


def test_a_commit_the_repository_lacks_is_an_error_from_ls_tree(config: Config) -> None:
    with pytest.raises(OverlayError) as raised:
        read_overlay(config.repo, MISSING_COMMIT, DEV)
    assert str(raised.value).startswith(f"git ls-tree in {config.repo}: ")


def test_a_directory_missing_at_that_commit_is_an_error(config: Config) -> None:
    read_overlay(config.repo, config.second, STAGING)  # there at the later commit
    with pytest.raises(OverlayError) as raised:
        read_overlay(config.repo, config.first, STAGING)
    assert "git ls-tree" in str(raised.value)
    assert STAGING in str(raised.value)


def test_a_directory_without_files_of_its_own_is_an_error(config: Config) -> None:
    with pytest.raises(OverlayError, match=r"^k8s/overlays at [0-9a-f]{12}: no files$"):
        read_overlay(config.repo, config.second, "k8s/overlays")


@pytest.mark.parametrize(
    "make", [pytest.param(False, id="missing"), pytest.param(True, id="a-file")]
)
def test_a_repository_path_that_is_not_a_directory_is_named(tmp_path: Path, make: bool) -> None:
    repo = tmp_path / "checkout"
    if make:
        repo.write_text("not a checkout\n")
    with pytest.raises(OverlayError) as raised:
        read_overlay(repo, MISSING_COMMIT, DEV)
    assert str(raised.value).startswith(f"{repo} is not a directory")


def test_a_directory_that_is_not_a_repository_is_an_error_from_git(tmp_path: Path) -> None:
    with pytest.raises(OverlayError, match=r"^git ls-tree in "):
        read_overlay(tmp_path, MISSING_COMMIT, DEV)


@pytest.mark.parametrize(
    "found", [pytest.param(None, id="not-on-path"), pytest.param("no-such-git", id="vanished")]
)
def test_without_git_the_overlay_is_unreadable(
    config: Config, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, found: str | None
) -> None:
    where = None if found is None else str(tmp_path / found)
    monkeypatch.setattr(shutil, "which", lambda _name: where)
    with pytest.raises(OverlayError, match=r"^git not found"):
        read_overlay(config.repo, config.second, DEV)


def test_a_git_that_hangs_is_stopped_and_named(
    config: Config, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    hanging = tmp_path / "git"
    hanging.write_text("#!/bin/sh\nexec sleep 60\n")
    hanging.chmod(0o755)
    monkeypatch.setattr(shutil, "which", lambda _name: str(hanging))
    monkeypatch.setattr(configrepo, "GIT_TIMEOUT_S", 0.2)
    repo = re.escape(str(config.repo))
    with pytest.raises(OverlayError, match=f"^git ls-tree took over 0s in {repo}$"):
        read_overlay(config.repo, config.second, DEV)


# -- ConfigOverlays ----------------------------------------------------------------------


class Signals:
    """on_read as a counter the test can wait on (bounded)."""

    def __init__(self) -> None:
        self.count = 0
        self._changed = threading.Condition()

    def __call__(self) -> None:
        with self._changed:
            self.count += 1
            self._changed.notify_all()

    def reached(self, count: int) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.count >= count, timeout=WAIT_S)


class FakeReader:
    """An injected reader: records each (commit, directory) and answers from RESULTS
    (an Overlay, or an exception to raise), optionally held until ``gate`` is set."""

    def __init__(self, results: dict[str, Overlay | Exception] | None = None) -> None:
        self.results = results or {}
        self.calls: list[tuple[str, str]] = []
        self.gate: threading.Event | None = None
        self.started = threading.Event()

    def __call__(self, repo: Path, commit: str, directory: str) -> Overlay:
        assert isinstance(repo, Path)
        self.calls.append((commit, directory))
        self.started.set()
        if self.gate is not None:
            assert self.gate.wait(timeout=WAIT_S)
        result = self.results.get(commit, OVERLAY)
        if isinstance(result, Exception):
            raise result
        return result


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class MakeOverlays(Protocol):
    def __call__(
        self,
        on_read: Callable[[], None],
        repo: Path | None = None,
        read: configrepo.Reader = read_overlay,
        retry_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> ConfigOverlays: ...


@pytest.fixture
def make_overlays(tmp_path: Path) -> Iterator[MakeOverlays]:
    """ConfigOverlays on tmp_path (or a given repo); each is closed afterwards."""
    made: list[ConfigOverlays] = []

    def factory(
        on_read: Callable[[], None],
        repo: Path | None = None,
        read: configrepo.Reader = read_overlay,
        retry_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> ConfigOverlays:
        overlays = ConfigOverlays(repo or tmp_path, on_read, retry_seconds, read, clock)
        made.append(overlays)
        return overlays

    yield factory
    for overlays in made:
        overlays.close()


def settle(overlays: ConfigOverlays, signals: Signals) -> None:
    """Wait until every read submitted so far has finished: the pool has one worker and
    runs reads in order, so the read of a new key signals after all of them."""
    count = signals.count
    assert overlays.overlay(f"barrier-{next(BARRIERS)}", "barrier") is None
    assert signals.reached(count + 1)


def test_the_first_ask_reads_in_the_background_and_then_the_overlay_stays(
    config: Config, make_overlays: MakeOverlays
) -> None:
    read = threading.Event()
    overlays = make_overlays(read.set, repo=config.repo)

    assert overlays.overlay(config.second, DEV) is None
    assert read.wait(timeout=WAIT_S)

    found = overlays.overlay(config.second, DEV)
    assert found == read_overlay(config.repo, config.second, DEV)
    assert (overlays.generation, overlays.reads) == (1, 1)
    assert overlays.overlay(config.second, DEV) is found
    assert (overlays.generation, overlays.reads) == (1, 1)


def test_asking_again_while_reading_or_after_does_not_read_again(
    make_overlays: MakeOverlays,
) -> None:
    signals, reader = Signals(), FakeReader()
    reader.gate = threading.Event()
    overlays = make_overlays(signals, read=reader)

    assert overlays.overlay("a", DEV) is None
    assert reader.started.wait(timeout=WAIT_S)
    assert overlays.overlay("a", DEV) is None  # still reading
    reader.gate.set()
    assert signals.reached(1)
    assert overlays.overlay("a", DEV) == OVERLAY
    assert overlays.overlay("a", STAGING) is None  # another directory is another overlay
    settle(overlays, signals)

    assert reader.calls[:2] == [("a", DEV), ("a", STAGING)]
    assert [directory for _, directory in reader.calls[2:]] == ["barrier"]
    assert overlays.generation == signals.count == 3


def test_an_unreadable_overlay_is_read_again_only_after_retry_seconds(
    make_overlays: MakeOverlays,
) -> None:
    signals, clock = Signals(), Clock()
    reader = FakeReader({"a": OverlayError("a: not fetched yet")})
    overlays = make_overlays(signals, read=reader, retry_seconds=60.0, clock=clock)

    assert overlays.overlay("a", DEV) is None
    assert signals.reached(1)
    assert overlays.overlay("a", DEV) == Unreadable("a: not fetched yet")
    assert overlays.generation == 1

    clock.now += 59.0
    assert overlays.overlay("a", DEV) == Unreadable("a: not fetched yet")
    settle(overlays, signals)
    assert reader.calls.count(("a", DEV)) == 1

    clock.now += 1.0  # retry_seconds after the failure: read again, the old answer meanwhile
    assert overlays.overlay("a", DEV) == Unreadable("a: not fetched yet")
    settle(overlays, signals)
    assert reader.calls.count(("a", DEV)) == 2
    # The same failure again is nothing new: only the barriers' reads were signalled.
    assert overlays.generation == signals.count == 3

    # The failure was timed from the retry: the next one is retry_seconds after it.
    clock.now += 30.0
    reader.results["a"] = OVERLAY
    assert overlays.overlay("a", DEV) == Unreadable("a: not fetched yet")
    settle(overlays, signals)
    assert reader.calls.count(("a", DEV)) == 2

    clock.now += 30.0
    assert overlays.overlay("a", DEV) == Unreadable("a: not fetched yet")
    assert signals.reached(5)
    assert overlays.overlay("a", DEV) == OVERLAY
    assert overlays.generation == signals.count == 5


def test_a_different_failure_on_retry_is_news(
    make_overlays: MakeOverlays,
) -> None:
    signals, clock = Signals(), Clock()
    reader = FakeReader({"a": OverlayError("not fetched")})
    overlays = make_overlays(signals, read=reader, retry_seconds=1.0, clock=clock)
    assert overlays.overlay("a", DEV) is None
    assert signals.reached(1)

    reader.results["a"] = OverlayError("git not found")
    clock.now += 1.0
    assert overlays.overlay("a", DEV) == Unreadable("not fetched")
    assert signals.reached(2)
    assert overlays.overlay("a", DEV) == Unreadable("git not found")
    assert overlays.generation == 2


@pytest.mark.parametrize(
    ("error", "reason", "traced"),
    [
        pytest.param(OverlayError("dev at 0123: no\n files"), "dev at 0123: no files", False,
                     id="overlay-error-without-traceback"),
        pytest.param(KeyError("boom"), "'boom'", True, id="unexpected-with-traceback"),
        pytest.param(RuntimeError(), "RuntimeError", True, id="no-message-names-the-type"),
    ],
)  # fmt: skip
def test_a_failed_read_is_unreadable_and_logged(
    make_overlays: MakeOverlays,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
    reason: str,
    traced: bool,
) -> None:
    caplog.set_level(logging.WARNING, logger=configrepo.__name__)
    signals = Signals()
    overlays = make_overlays(signals, read=FakeReader({"a": error}))

    assert overlays.overlay("a", DEV) is None
    assert signals.reached(1)

    assert overlays.overlay("a", DEV) == Unreadable(reason)
    [record] = [r for r in caplog.records if r.name == configrepo.__name__]
    assert record.levelno == logging.WARNING
    assert record.getMessage() == f"config overlay unreadable: {reason}"
    assert (record.exc_info is not None) == traced
    if traced:
        assert record.exc_info is not None
        assert record.exc_info[1] is error
    assert (record.__dict__["commit"], record.__dict__["path"]) == ("a", DEV)


def test_the_least_recently_used_overlay_is_forgotten_first(
    make_overlays: MakeOverlays, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(configrepo, "CACHED", 2)
    signals, reader = Signals(), FakeReader({"b": OTHER})
    overlays = make_overlays(signals, read=reader)
    for count, key in enumerate(("a", "b"), start=1):
        assert overlays.overlay(key, DEV) is None
        assert signals.reached(count)
    assert overlays.overlay("a", DEV) == OVERLAY  # now b is the least recently used

    assert overlays.overlay("c", DEV) is None
    assert signals.reached(3)

    assert overlays.overlay("a", DEV) == OVERLAY
    assert overlays.overlay("c", DEV) == OVERLAY
    assert overlays.overlay("b", DEV) is None  # forgotten: read again
    assert signals.reached(4)
    assert overlays.overlay("b", DEV) == OTHER
    assert [commit for commit, _ in reader.calls] == ["a", "b", "c", "b"]
    assert overlays.overlay("a", DEV) is None  # b's return pushed out a, c was newer


def test_close_drops_the_reads_not_yet_started(
    make_overlays: MakeOverlays,
) -> None:
    signals, reader = Signals(), FakeReader()
    reader.gate = threading.Event()
    before = {t for t in threading.enumerate() if t.name.startswith("config-overlays")}
    overlays = make_overlays(signals, read=reader)

    assert overlays.overlay("a", DEV) is None
    assert reader.started.wait(timeout=WAIT_S)
    assert overlays.overlay("b", DEV) is None  # queued behind a
    [worker] = [
        t for t in threading.enumerate() if t.name.startswith("config-overlays") and t not in before
    ]

    overlays.close()
    reader.gate.set()
    worker.join(timeout=WAIT_S)

    assert not worker.is_alive()
    assert reader.calls == [("a", DEV)]
    assert signals.count == 1


def test_after_close_an_ask_gets_what_was_read_and_reads_nothing(
    make_overlays: MakeOverlays,
) -> None:
    signals, reader = Signals(), FakeReader()
    overlays = make_overlays(signals, read=reader)
    assert overlays.overlay("a", DEV) is None
    assert signals.reached(1)
    kept = overlays.overlay("a", DEV)
    assert kept is not None
    overlays.close()
    assert overlays.overlay("a", DEV) == kept
    assert overlays.overlay("b", DEV) is None  # a build after the lifespan: no new read
    assert reader.calls == [("a", DEV)]


def test_read_overlay_reads_an_overlay_at_the_repository_root(tmp_path: Path) -> None:
    """Flux reads an empty spec.path as the root: ``overlay_directory`` gives ""."""
    repo = tmp_path / "work"
    shutil.copytree(REPO / DEV, repo)
    git(repo, "init", "-q")
    committed = commit(repo, "dev at the root")
    read = read_overlay(repo, committed, "")
    assert read == parse_overlay(files_on_disk(DEV), ".")
    assert read.images
