"""Pushing to the config repository's remote, on a real bare origin and racing clones."""

from __future__ import annotations

import base64
import os
import subprocess
import time
from pathlib import Path

import pytest

from delivery.git import GitError
from delivery.git import run as git
from delivery.pipeline import remote
from delivery.records import NOTES_REF
from tests.delivery.pipeline.configrepo import (
    Config,
    add_record,
    clone,
    head,
    note_lines,
    record_line,
    source,
)

AUTH = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:t0ken").decode()


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)


def commit(repo: Path, name: str) -> str:
    (repo / name).write_text(f"{name}\n")
    git(repo, "add", name)
    git(repo, "commit", "-qm", f"add {name}")
    return head(repo)


def refuse_every_push(origin: Path) -> None:
    hook = origin / "hooks/pre-receive"
    hook.write_text("#!/bin/sh\necho refused by policy >&2\nexit 1\n")
    hook.chmod(0o755)


# -- authenticate_from_env


def test_no_token_changes_nothing() -> None:
    environ = {"PATH": "/bin"}
    assert remote.authenticate_from_env(environ) is False
    assert environ == {"PATH": "/bin"}


def test_the_token_goes_into_gits_environment_never_a_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    environ = {"GH_TOKEN": "t0ken"}
    assert remote.authenticate_from_env(environ) is True
    assert environ == {
        "GH_TOKEN": "t0ken",
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "http.extraheader",
        "GIT_CONFIG_VALUE_0": AUTH,
    }
    assert capsys.readouterr().out == ""  # not under Actions: nothing to mask
    seen = subprocess.run(
        ["git", "config", "--get", "http.extraheader"],
        env={**os.environ, **environ}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert seen.stdout.strip() == AUTH


def test_existing_git_config_entries_are_kept_and_actions_masks_the_header(
    capsys: pytest.CaptureFixture[str],
) -> None:
    environ = {"GH_TOKEN": "t0ken", "GITHUB_ACTIONS": "true", "GIT_CONFIG_COUNT": "2"}
    assert remote.authenticate_from_env(environ) is True
    assert environ["GIT_CONFIG_COUNT"] == "3"
    assert environ["GIT_CONFIG_KEY_2"] == "http.extraheader"
    assert "GIT_CONFIG_KEY_0" not in environ
    assert capsys.readouterr().out == f"::add-mask::{AUTH.split()[-1]}\n"


def test_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GH_TOKEN", raising=False)
    assert remote.authenticate_from_env() is False
    for name, value in {"GH_TOKEN": "t0ken", "GIT_CONFIG_COUNT": "",
                        "GIT_CONFIG_KEY_0": "", "GIT_CONFIG_VALUE_0": ""}.items():  # fmt: skip
        monkeypatch.setenv(name, value)  # restored after the test
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert remote.authenticate_from_env() is True
    assert os.environ["GIT_CONFIG_VALUE_0"] == AUTH


# -- push_head


def test_push_head_fast_forwards(config: Config) -> None:
    mine = commit(config.work, "a")
    remote.push_head(config.work)
    assert head(config.origin, "main") == mine


def test_a_push_that_lost_the_race_is_rebased_and_retried(config: Config, tmp_path: Path) -> None:
    other = clone(config.origin, tmp_path / "other")
    theirs = commit(other, "theirs")
    git(other, "push", "-q", "origin", "HEAD:main")
    commit(config.work, "mine")
    remote.push_head(config.work)
    pushed = head(config.origin, "main")
    assert pushed == head(config.work)
    assert head(config.origin, "main^") == theirs  # rebased on theirs: linear, nothing lost
    assert git(config.origin, "log", "-1", "--format=%s", "main") == "add mine"


def test_push_head_gives_up_after_its_attempts(config: Config) -> None:
    refuse_every_push(config.origin)
    before = head(config.origin, "main")
    commit(config.work, "mine")
    with pytest.raises(GitError, match="refused by policy"):
        remote.push_head(config.work)
    assert head(config.origin, "main") == before


# -- push_notes


def test_concurrent_records_are_merged_never_lost_or_doubled(
    config: Config, tmp_path: Path
) -> None:
    work = config.work
    commit(work, "promotion")
    remote.push_head(work)
    promotion = head(work)
    shared = record_line("dev", "verified", source("1"), "sha256:" + "1" * 64)
    add_record(work, promotion, shared)
    remote.push_notes(work)

    other = clone(config.origin, tmp_path / "other")
    remote.sync(other)
    theirs = record_line("staging", "failed", source("2"), "sha256:" + "2" * 64)
    add_record(other, promotion, theirs)
    remote.push_notes(other)

    mine = record_line("dev", "failed", source("3"), "sha256:" + "3" * 64)
    add_record(work, promotion, mine)  # on top of the shared line, not of theirs
    remote.push_notes(work)  # refused once (not a fast-forward), merged, pushed

    lines = note_lines(config.origin, promotion)
    assert sorted(lines) == sorted([shared, theirs, mine])
    assert note_lines(work, promotion) == lines


def test_push_notes_gives_up_after_its_attempts(config: Config) -> None:
    work = config.work
    add_record(work, head(work), record_line("dev", "verified", source("1"), "sha256:" + "1" * 64))
    remote.push_notes(work)
    add_record(work, head(work), record_line("dev", "failed", source("1"), "sha256:" + "1" * 64))
    refuse_every_push(config.origin)
    with pytest.raises(GitError, match="refused by policy"):
        remote.push_notes(work)
    assert len(note_lines(config.origin, head(work))) == 1


# -- sync


def test_sync_resets_to_the_remote_and_keeps_unpushed_records(
    config: Config, tmp_path: Path
) -> None:
    work = config.work
    base = head(work)
    other = clone(config.origin, tmp_path / "other")
    theirs = record_line("dev", "verified", source("1"), "sha256:" + "1" * 64)
    add_record(other, base, theirs)
    remote.push_notes(other)
    newer = commit(other, "newer")
    git(other, "push", "-q", "origin", "HEAD:main")

    mine = record_line("dev", "failed", source("2"), "sha256:" + "2" * 64)
    add_record(work, base, mine)  # written here, not pushed yet
    (work / "README.md").write_text("a leftover edit\n")
    remote.sync(work)
    assert head(work) == newer
    assert git(work, "status", "--porcelain") == ""
    assert sorted(note_lines(work, base)) == sorted([theirs, mine])


def test_sync_takes_the_remotes_records_when_there_are_none_here(
    config: Config, tmp_path: Path
) -> None:
    other = clone(config.origin, tmp_path / "other")
    theirs = record_line("dev", "verified", source("1"), "sha256:" + "1" * 64)
    add_record(other, head(other), theirs)
    remote.push_notes(other)
    remote.sync(config.work)
    assert note_lines(config.work, head(config.work)) == [theirs]
    assert head(config.work, NOTES_REF) == head(config.origin, NOTES_REF)


def test_sync_without_records_anywhere(config: Config, tmp_path: Path) -> None:
    other = clone(config.origin, tmp_path / "other")
    newer = commit(other, "newer")
    git(other, "push", "-q", "origin", "HEAD:main")
    remote.sync(config.work)
    assert head(config.work) == newer
    with pytest.raises(GitError):
        head(config.work, NOTES_REF)
