"""Event-to-screen latency of the board in real Chromium at 200 workloads / 2,000 pods.

The board runs as its own process (``bench/board_rollout_source.py --plan toggles``: the
real app under uvicorn on 127.0.0.1, default settings, so 250 ms batching unless
FRONTEND_BATCH_INTERVAL_MS is set) on the synthetic cluster of
``bench.board_render.synthetic``. Debian's Chromium (headless, driven by Playwright; no
browser is downloaded) opens the board; a MutationObserver in the page records, for
every card inserted into the DOM among the changed ones, its ready count and
``performance.timeOrigin + performance.now()``, and the time of the next animation frame.
The server then applies ``--changes`` single-workload changes, one every 500-900 ms
(one pod of a Deployment turns not ready, and later ready again), logging the
``time.time()`` each was applied. A change's latency is from that moment to the first
insertion of its card showing the new ready count (same machine, same clock).

    uv run --frozen python bench/board_browser.py [--changes 30]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script: the repository root on the path, for ``bench`` and ``tools``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.board_live import pct, played, wait_done
from bench.board_rollout_source import PlayedCluster, toggle_plan
from tools.platformkit.chromium import CHROMIUM, CHROMIUM_ARGS

OBSERVE = """
(anchors) => {
  const watched = new Set(anchors);
  window.__seen = [];
  const now = () => performance.timeOrigin + performance.now();
  const note = (el) => {
    const nums = el.querySelectorAll(".progress .num");
    const rec = {id: el.id, ready: nums.length > 1 ? nums[1].textContent.trim() : null, t: now()};
    window.__seen.push(rec);
    requestAnimationFrame(() => { rec.frame = now(); });
  };
  new MutationObserver((mutations) => {
    for (const m of mutations) {
      for (const n of m.addedNodes) {
        if (n.nodeType !== 1) continue;
        if (watched.has(n.id)) { note(n); continue; }
        for (const el of n.querySelectorAll("article.card")) {
          if (watched.has(el.id)) note(el);
        }
      }
    }
  }).observe(document.body, {childList: true, subtree: true});
  // When each SSE message reached the page's script (before htmx swaps it).
  window.__messages = [];
  document.body.addEventListener("htmx:sseBeforeMessage", (e) => {
    window.__messages.push(now());
  });
  // Main-thread tasks over 50 ms (layout after a swap, the ages ticking every second).
  window.__long = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.__long.push([performance.timeOrigin + entry.startTime, entry.duration]);
    }
  }).observe({type: "longtask"});
}
"""


def drive(url: str, pid: int, log: Path, plan_anchors: list[str]) -> dict[str, Any]:
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - needs the variable above

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            failed: list[str] = []
            page.on(
                "response",
                lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            started = time.perf_counter()
            page.goto(url + "/", timeout=60_000)
            page.wait_for_selector("text=Live updates: connected", timeout=60_000)
            load_s = time.perf_counter() - started
            page.evaluate(OBSERVE, plan_anchors)
            before = time.time() * 1000
            page_now: float = page.evaluate("performance.timeOrigin + performance.now()")
            after = time.time() * 1000
            skew = page_now - (before + after) / 2  # page clock minus server clock, +- rtt/2
            time.sleep(1)
            os.kill(pid, signal.SIGUSR1)
            wait_done(log)
            time.sleep(2)  # the last batch and its swap
            seen: list[dict[str, Any]] = page.evaluate("window.__seen")
            messages: list[float] = page.evaluate("window.__messages")
            long_tasks: list[list[float]] = page.evaluate("window.__long")
            version: str = page.get_attribute("#board-foot", "data-version") or "?"
        finally:
            browser.close()
    return {
        "seen": seen,
        "messages": messages,
        "long": long_tasks,
        "load_s": load_s,
        "skew_ms": skew,
        "rtt_ms": after - before,
        "errors": errors,
        "failed": failed,
        "version": version,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=30)
    parser.add_argument(
        "--gitops", action="store_true", help="a Kustomization per namespace: the view shows"
    )
    args = parser.parse_args()
    if not CHROMIUM.is_file():
        sys.stderr.write(f"needs {CHROMIUM} (apt-get install -y chromium)\n")
        return 2
    plan = ["--plan", "toggles", "--changes", str(args.changes), "--interval", "500", "900"]
    plan += ["--gitops"] if args.gitops else []
    with played(plan, "board-browser-") as run:
        # The plan is fixed by the seed; the server logs each step as it applies it,
        # so the anchors to watch are those of the workloads the toggle plan picks.
        anchors = sorted(planned_anchors(args.changes))
        result = drive(run.process.url, run.pid, run.log, anchors)
    entries = run.entries
    header, steps = entries[0], [e for e in entries if "applied" in e]
    dom, frame, arrive, swap, missing = [], [], [], [], []
    for step in steps:
        anchor = f"d-{step['namespace']}-{step['name']}"
        applied = step["applied"] * 1000
        shown = [r for r in result["seen"] if r["id"] == anchor and r["ready"] == step["ready"]]
        hits = [r for r in shown if r["t"] >= applied - 50]
        if not hits:
            missing.append(step["step"])
            continue
        dom.append(hits[0]["t"] - applied)
        came = [t for t in result["messages"] if applied <= t <= hits[0]["t"]]
        if came:  # the message that carried the change: the last before its swap
            arrive.append(came[-1] - applied)
            swap.append(hits[0]["t"] - came[-1])
        frame.append(hits[0].get("frame", hits[0]["t"]) - applied)
    sys.stdout.write(
        f"{len(steps)} single-workload changes, batch {header['batch_ms']} ms, Chromium headless, "
        f"page load + SSE connected {result['load_s']:.1f} s, clock skew page-server "
        f"{result['skew_ms']:+.1f} ms (rtt {result['rtt_ms']:.1f} ms), final version "
        f"{result['version']}, console errors {result['errors']}, failed requests "
        f"{result['failed']}, not seen {missing}\n"
    )
    start = min(s["applied"] for s in steps) * 1000
    long = [d for t, d in result["long"] if t >= start]
    sys.stdout.write(
        f"main-thread tasks over 50 ms during the changes: {len(long)}, "
        f"median {statistics.median(long) if long else 0:.0f} ms, "
        f"max {max(long, default=0):.0f} ms\n"
    )
    for name, values in (
        ("DOM (MutationObserver)", dom),
        ("next animation frame", frame),
        ("  of which: applied -> SSE message in the page", arrive),
        ("  of which: message -> card in the DOM", swap),
    ):
        if values:
            sys.stdout.write(
                f"{name}: p50 {statistics.median(values):.0f} ms, p95 {pct(values, 0.95):.0f} ms, "
                f"max {max(values):.0f} ms, min {min(values):.0f} ms (n={len(values)})\n"
            )
    sys.stdout.write("per change, ms: " + " ".join(f"{v:.0f}" for v in dom) + "\n")
    return 1 if missing else 0


def planned_anchors(changes: int) -> set[str]:
    steps = toggle_plan(PlayedCluster(200, 10), 200, changes)
    return {f"d-{s.note['namespace']}-{s.note['name']}" for s in steps}


if __name__ == "__main__":
    sys.exit(main())
