"""``make change-good`` and ``make change-bad``: a real source commit, pushed; then only watch.

Each edits the work clone of the source repository (``sources``), commits as a person
would and pushes to the git server; the pipeline runner takes it from there. This
command only follows what happens (the pipeline's steps, read from the config
repository, and the board) and prints each change with the time since the push.

- good: a one-line change to the backend package (its release line); when a breaking
  change is in, it is undone in the same commit (a fix forward, as a person would);
- bad: the backend's readiness now requires a dependency that never answers (a
  default in its settings), so its pods start but never get Ready.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

from delivery.git import GitError
from delivery.git import run as git
from delivery.history import Promotion, read_history
from delivery.pipeline import state
from tools.localplatform import rundir
from tools.localplatform.console import Console
from tools.platformkit.images import NEVER_ANSWERS

SETTINGS = Path("services/backend/src/backend/settings.py")
PACKAGE = Path("services/backend/src/backend/__init__.py")
HEALTHY_DEFAULT = '        (), description="http(s) URLs that must answer 2xx for /readyz to pass."'
BROKEN_DEFAULT = HEALTHY_DEFAULT.replace("(),", f'("{NEVER_ANSWERS}",),', 1)
_RELEASE = re.compile(r"^# Local release (\d+) \(make change-good\)\.$", re.MULTILINE)
TIMEOUT_S = 900


class ChangeError(RuntimeError):
    """The source is not as the change expects (the message says what to do)."""


def edit(work: Path, kind: str) -> str:
    """Edit the clone for KIND; the commit message."""
    settings = work / SETTINGS
    text = settings.read_text()
    broken = BROKEN_DEFAULT in text
    if HEALTHY_DEFAULT not in text and not broken:
        raise ChangeError(f"{SETTINGS} has changed: its readiness_urls default is not found")
    if kind == "bad":
        if broken:
            raise ChangeError("the breaking change is in already; `make change-good` fixes it")
        settings.write_text(text.replace(HEALTHY_DEFAULT, BROKEN_DEFAULT, 1))
        return (
            "feat(backend): report ready only once the audit service answers\n\n"
            f"Adds {NEVER_ANSWERS} as a readiness dependency (it never answers).\n"
        )
    package = work / PACKAGE
    source = package.read_text()
    found = _RELEASE.search(source)
    number = int(found.group(1)) + 1 if found else 1
    line = f"# Local release {number} (make change-good)."
    package.write_text(_RELEASE.sub(line, source) if found else source.rstrip("\n") + f"\n{line}\n")
    if broken:
        settings.write_text(text.replace(BROKEN_DEFAULT, HEALTHY_DEFAULT, 1))
        return f"fix(backend): ready without the audit service again (release {number})\n"
    return f"chore(backend): local release {number}\n"


def push_change(work: Path, kind: str) -> str:
    git(work, "fetch", "-q", "origin")
    git(work, "reset", "-q", "--hard", "origin/main")
    message = edit(work, kind)
    git(work, "commit", "-qam", message)
    git(work, "push", "-q", "origin", "HEAD:main")
    return git(work, "rev-parse", "HEAD")


def outcome(
    kind: str, sha: str, states: list[state.EnvState], history: Sequence[Promotion]
) -> str | None:
    """What the pipeline did with SHA, once it is over (None: still going). A failure is
    over when the version in effect again has a record written after the revert: the
    restore (HISTORY: the config repository's promotions)."""
    by = {s.name: s for s in states}
    dev, prod = by["dev"], by.get("prod")
    failed = [p for p in history if p.environment == "dev" and p.source_sha == sha]
    reverted = [p.reverted_at for p in failed if p.reverted_at is not None]
    current = next((p for p in history if p.sha == dev.promotion), None)
    if reverted and current is not None and current.records:
        last = current.records[-1]
        if last.verdict == "verified" and last.at >= max(reverted):
            return f"{sha[:12]} failed in dev and was reverted; dev is verified at {dev.source_sha}"
    if kind == "good" and prod is not None and prod.source_sha == sha and prod.verdict:
        return f"{sha[:12]} is {prod.verdict} in prod"
    return None


def build_failed(journal: Path, sha: str) -> bool:
    """The runner's journal says the build of SHA failed."""
    try:
        lines = journal.read_text().splitlines()
    except FileNotFoundError:
        return False
    return any(
        (event := json.loads(line)).get("event") == "build-failed" and event.get("source") == sha
        for line in lines
    )


def change(kind: str) -> int:
    info = rundir.load()
    say = Console("change")
    try:
        sha = push_change(Path(info.source_clone), kind)
    except (ChangeError, GitError) as exc:
        say.say(f"no change made: {exc}")
        return 4
    say.say(
        f"pushed {sha[:12]} to {info.source_url}; the pipeline runner takes it from here "
        "(log: " + str(Path(info.state_dir) / "logs" / "pipeline.log") + ")"
    )
    deadline, last = time.monotonic() + TIMEOUT_S, ""
    journal = Path(info.state_dir) / "logs" / "pipeline.jsonl"
    try:
        while time.monotonic() < deadline:
            history = read_history(Path(info.remote))
            states = state.read_states(Path(info.remote), history=history)
            line = "; ".join(s.describe() for s in states)
            if line != last:
                say.say(line)
                last = line
            if done := outcome(kind, sha, states, history):
                say.say(f"done: {done}")
                return 0 if (kind == "good") == ("prod" in done) else 1
            if build_failed(journal, sha):
                say.say(f"the build of {sha[:12]} failed; see the pipeline log")
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        say.say("stopped following; the pipeline goes on")
        return 130
    say.say(f"no outcome after {TIMEOUT_S}s")
    return 1
