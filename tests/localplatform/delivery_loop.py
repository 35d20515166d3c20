"""What `make change-bad` and `make change-good` must do in a running `make run`, checked
from the outside: the board (watched while it happens), the config repository's history
and records, and the delivery panel. Times are printed (and kept for bench/), never
asserted."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from delivery.git import run as git
from delivery.history import read_history
from delivery.pipeline.state import read_states
from tests.localplatform import environments_view as envs_view
from tools.localplatform import rundir
from tools.localplatform.orchestrator import NAMESPACES
from tools.platformkit.board import status as board_status

Tool = Callable[..., Any]


@dataclass
class BoardWatch:
    """dev's backend card as the board showed it, each change with its time."""

    info: rundir.RuntimeInfo
    seen: list[tuple[float, str, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                card = dev_card(board_status(self.info.board_url))
            except httpx.HTTPError:
                card = None
            if card is not None:
                entry = (card["health"]["code"], card["rollout"]["message"])
                if not self.seen or self.seen[-1][1:] != entry:
                    self.seen.append((time.monotonic(), *entry))
            time.sleep(0.25)

    def first(self, code: str, after: float = 0.0) -> tuple[float, str, str] | None:
        return next((s for s in self.seen if s[1] == code and s[0] >= after), None)


def dev_card(status: dict[str, Any]) -> dict[str, Any] | None:
    for group in status["namespaces"]:
        if group["namespace"] == NAMESPACES["dev"]:
            for entry in group["deployments"]:
                if entry["deployment"]["name"] == "backend":
                    card: dict[str, Any] = entry["deployment"]
                    return card
    return None


@contextmanager
def watching(info: rundir.RuntimeInfo) -> Iterator[BoardWatch]:
    watch = BoardWatch(info)
    thread = threading.Thread(target=watch.run, daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        watch.stop.set()
        thread.join(5)


def journal(info: rundir.RuntimeInfo) -> list[dict[str, Any]]:
    path = Path(info.state_dir) / "logs" / "pipeline.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def step_times(info: rundir.RuntimeInfo, since: float) -> dict[str, float]:
    """Seconds each pipeline command took since SINCE (epoch), summed by command."""
    took: dict[str, float] = {}
    for event in journal(info):
        if event["event"] == "ran" and event["at"] >= since:
            took[event["command"]] = took.get(event["command"], 0.0) + event["seconds"]
    return took


def source_head(info: rundir.RuntimeInfo) -> str:
    return git(Path(info.source_remote), "rev-parse", "refs/heads/main")


def pipeline_log(info: rundir.RuntimeInfo, lines: int = 60) -> str:
    path = Path(info.state_dir) / "logs" / "pipeline.log"
    return "\n".join(path.read_text().splitlines()[-lines:])


@contextmanager
def showing_the_pipeline_log(info: rundir.RuntimeInfo) -> Iterator[None]:
    """On a failed check, the runner's own account of what it did (its run dir goes)."""
    try:
        yield
    except AssertionError:
        sys.stdout.write(f"\n[loop] the pipeline runner's log:\n{pipeline_log(info)}\n")
        raise


def bad_change_recovers(tool: Tool, info: rundir.RuntimeInfo) -> dict[str, float]:
    with showing_the_pipeline_log(info):
        return _bad_change_recovers(tool, info)


def settled(info: rundir.RuntimeInfo, timeout: float = 180) -> None:
    """Wait until the pipeline has carried what dev runs to prod, each verified (what a
    person would see before pushing: nothing in flight)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = read_states(Path(info.remote))
        if (
            all(s.verdict == "verified" for s in states)
            and len({s.source_sha for s in states}) == 1
        ):
            return
        time.sleep(0.5)
    raise AssertionError(f"the pipeline did not settle: {read_states(Path(info.remote))}")


def _bad_change_recovers(tool: Tool, info: rundir.RuntimeInfo) -> dict[str, float]:
    """make change-bad: dev Degraded with the reason, then Healthy at the previous version
    with no other command; the promotion, its revert and both records in git; staging and
    prod untouched."""
    remote = Path(info.remote)
    settled(info)  # what an earlier promotion set going has reached prod
    before = {s.name: s for s in read_states(remote)}
    began_wall, began = time.time(), time.monotonic()
    with watching(info) as watch, envs_view.watching(info, envs_view.film_failure) as envs:
        result = tool("change", "bad", timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
        ended = time.monotonic()
    bad = source_head(info)
    after = {s.name: s for s in read_states(remote)}
    dev = after["dev"]
    assert bad in dev.failed
    assert bad not in after["staging"].tried | after["prod"].tried
    assert dev.source_sha == before["dev"].source_sha
    assert dev.verdict == "verified"
    for env in ("staging", "prod"):  # never changed
        assert after[env].promotion == before[env].promotion, (env, after[env])
        assert after[env].digests == before[env].digests
    history = read_history(remote)
    promotion = next(p for p in history if p.source_sha == bad)
    assert promotion.reverted_by is not None
    assert [r.verdict for r in promotion.records] == ["failed"]
    restored = next(p for p in history if p.sha == dev.promotion)
    assert restored.records[-1].verdict == "verified"
    assert restored.records[-1].at.timestamp() >= began_wall - 1  # the restore, recorded now
    degraded = watch.first("Degraded")
    assert degraded is not None, watch.seen
    healthy = watch.first("Healthy", after=degraded[0])
    assert healthy is not None, watch.seen
    envs_view.check_bad_change(envs)  # the environments view: dev failing, staging held
    times = step_times(info, began_wall)
    pushed = _promotion_pushed(info, began_wall)
    measured = {
        "push to dev Degraded": degraded[0] - began,
        "push to Healthy at the previous version": healthy[0] - began,
        "push to restore recorded": ended - began,
        "promotion push to Healthy at the previous version": healthy[0] - pushed,
        "promotion push to restore recorded": ended - pushed,
        **{f"step: {k}": v for k, v in times.items()},
    }
    sys.stdout.write(f"[loop] make change-bad: {json.dumps(measured, indent=1)}\n")
    sys.stdout.write(f"[loop] board: {degraded[2]!r}\n")
    return measured


def _promotion_pushed(info: rundir.RuntimeInfo, since: float) -> float:
    """When (monotonic) the runner finished pushing the promotion to dev, from its journal."""
    now_wall, now = time.time(), time.monotonic()
    for event in journal(info):
        if (
            event["event"] == "ran"
            and event["command"] == "pipeline promote"
            and event["at"] >= since
        ):
            return now - (now_wall - float(event["at"]))
    raise AssertionError("the runner never promoted")


def good_change_reaches_prod(tool: Tool, info: rundir.RuntimeInfo) -> dict[str, float]:
    with showing_the_pipeline_log(info):
        return _good_change_reaches_prod(tool, info)


def _good_change_reaches_prod(tool: Tool, info: rundir.RuntimeInfo) -> dict[str, float]:
    """make change-good: the source commit is built, verified in dev and staging, reaches prod."""
    began_wall, began = time.time(), time.monotonic()
    with envs_view.watching(info, envs_view.film_promotion) as envs:
        result = tool("change", "good", timeout=900)
        took = time.monotonic() - began
    assert result.returncode == 0, result.stdout + result.stderr
    good = source_head(info)
    states = {s.name: s for s in read_states(Path(info.remote))}
    for env in ("dev", "staging", "prod"):
        assert states[env].source_sha == good, states[env]
        assert states[env].verdict == "verified", states[env]
    status = board_status(info.board_url)
    assert status["backend"]["git_sha"] == good  # dev's pods answer the new commit
    envs_view.check_good_change(envs)  # dev, then staging, then prod; a pending promotion
    measured = {
        "push to verified in prod": took,
        **{f"step: {k}": v for k, v in step_times(info, began_wall).items()},
    }
    sys.stdout.write(f"[loop] make change-good: {json.dumps(measured, indent=1)}\n")
    return measured


def panel_shows_lead_time(info: rundir.RuntimeInfo) -> None:
    """The delivery panel: every environment, lead time from the run's source commits."""

    def ready() -> str | None:
        html = httpx.get(f"{info.board_url}/fragments/delivery", timeout=5).text
        return html if all(env in html for env in NAMESPACES) else None

    deadline = time.monotonic() + 30
    html = ready()
    while html is None and time.monotonic() < deadline:
        time.sleep(1)
        html = ready()
    assert html is not None
    assert "Lead time for changes" in html
