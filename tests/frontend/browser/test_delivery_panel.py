"""The delivery panel in a real browser: a frontend process reading a real git history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.frontend.support.delivery_history import Promotion, build_history
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import DEAD_BACKEND, ServiceProcess, frontend_process

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "delivery-panel.png"
# Two environments, every outcome: verified, failed then restored, reverted, still open,
# and a promotion nobody has verified yet (docs/specs/delivery-records.md).
HISTORY = [
    Promotion("dev", 26),
    Promotion("dev", 21, lead_hours=5),
    Promotion("dev", 17, ("failed",)),
    Promotion("dev", 16.8, lead_hours=1),
    Promotion("dev", 12),
    Promotion("dev", 9, (), reverted=True),
    Promotion("dev", 8.9),
    Promotion("dev", 5, ("failed", "verified")),  # a retried verification
    Promotion("dev", 3, lead_hours=0.5),
    Promotion("dev", 0.4, ()),
    Promotion("prod", 24, lead_hours=30),
    Promotion("prod", 15, lead_hours=26),
    Promotion("prod", 11, ("failed",), lead_hours=28),
    Promotion("prod", 10.5, lead_hours=50),
    Promotion("prod", 4, lead_hours=27),
    Promotion("prod", 1, ("failed",), lead_hours=24),
]
# Runs through DevTools (not subject to the page's CSP): CSP violations and panel swaps.
WATCH = """
window.__csp = [];
window.__swaps = 0;
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
document.addEventListener("htmx:afterSwap", (e) => {
  if (e.detail.elt && e.detail.elt.id === "delivery") { window.__swaps += 1; }
});
"""


@pytest.fixture(scope="module")
def delivery_board(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    repo = tmp_path_factory.mktemp("delivery") / "config"
    build_history(repo, HISTORY, datetime.now(UTC).replace(microsecond=0))
    proc = frontend_process(
        {
            "FRONTEND_DELIVERY_REPO": str(repo),
            "FRONTEND_DELIVERY_REFRESH_SECONDS": "5",  # the shortest: one poll within the test
            "FRONTEND_ENVIRONMENT": "dev",
            "FRONTEND_BACKEND_URL": DEAD_BACKEND,
        }
    ).start()
    try:
        proc.wait_until("/readyz", timeout=60)
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def page(browser: Browser, delivery_board: ServiceProcess) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.add_init_script(WATCH)
    console: list[str] = []
    opened.on("console", lambda m: console.append(f"{m.type}: {m.text} {m.location['url']}"))
    opened.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    opened.goto(delivery_board.url + "/")
    yield opened
    violations: list[str] = opened.evaluate("window.__csp")
    context.close()
    assert violations == []
    # The board has no favicon; Chromium asks for one anyway.
    errors = [m for m in console if m.startswith(("error", "pageerror"))]
    assert [m for m in errors if not m.endswith("/favicon.ico")] == []


def test_panel_and_chart_render_and_refresh_without_csp_violations(page: Page) -> None:
    page.wait_for_selector("#delivery .delivery-chart svg", timeout=30_000)

    rows = page.locator("#delivery table.keys tbody tr")
    assert [rows.nth(i).get_attribute("data-environment") for i in range(rows.count())] == [
        "dev",
        "prod",
    ]
    markers = page.locator("#delivery .delivery-chart g.marker")
    assert markers.count() == len(HISTORY)
    kinds = {markers.nth(i).get_attribute("class") for i in range(markers.count())}
    assert kinds == {f"marker marker-{k}" for k in ("verified", "failed", "reverted", "unverified")}
    label = markers.first.get_attribute("aria-label") or ""
    assert label.startswith("dev: verified at ")
    # Styled from board.css, not inline: a failed marker's stroke is the --bad colour.
    stroke = page.eval_on_selector(
        "#delivery g.marker-failed path", "(el) => getComputedStyle(el).stroke"
    )
    assert stroke == "rgb(207, 34, 46)"
    box = page.locator("#delivery .delivery-chart svg").bounding_box()
    assert box is not None
    assert box["width"] > 600

    # The panel polls its own fragment (every 5 s here) and is swapped in place.
    # Polled from here: wait_for_function would evaluate a string, which the CSP forbids.
    wait_for("a panel refresh", lambda: page.evaluate("window.__swaps") >= 1, timeout=20)
    assert page.locator("#delivery .delivery-chart g.marker").count() == len(HISTORY)
    assert page.locator("#delivery").count() == 1

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.locator("#delivery").screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
