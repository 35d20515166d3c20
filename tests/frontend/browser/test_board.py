"""The board in a real browser, against the real control plane and a real backend."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.support.constants import SHA_A
from tools.platformkit.board import board
from tools.platformkit.cluster.faults import fault_labels
from tools.platformkit.kube import Kube
from tools.platformkit.objects import IMAGE, deployment_manifest
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import ServiceProcess, backend_process

pytestmark = [pytest.mark.browser, pytest.mark.cluster]

SCREENSHOT = Path(__file__).resolve().parents[3] / "docs" / "board.png"
EVIL = '<script>window.__pwned = 1</script><b>bold</b><img src=x onerror="window.__pwned=2">'
# Runs through DevTools (not subject to the page's CSP): collects CSP violations.
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


@pytest.fixture(scope="module")
def live_board(namespace: str, kubeconfig: Path) -> Iterator[ServiceProcess]:
    backend = backend_process({"BACKEND_GIT_SHA": SHA_A, "BACKEND_VERSION": "1.4.0"}).start()
    try:
        backend.wait_until("/readyz")
        with board(kubeconfig, namespace, FRONTEND_BACKEND_URL=backend.url,
                   FRONTEND_ENVIRONMENT="dev") as proc:  # fmt: skip
            yield proc
    finally:
        backend.stop()


@pytest.fixture
def page(browser: Browser, live_board: ServiceProcess) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    opened = context.new_page()
    opened.add_init_script(WATCH_CSP)
    console: list[str] = []
    opened.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    opened.goto(live_board.url + "/")
    opened.wait_for_selector("text=Live updates: connected")
    yield opened
    violations: list[str] = opened.evaluate("window.__csp")
    csp_console = [m for m in console if "Content Security Policy" in m]
    context.close()
    assert violations == []
    assert csp_console == []


def _ms(since: float) -> float:
    return round((time.monotonic() - since) * 1000)


def test_rollout_appears_without_reload(page: Page, kube: Kube, namespace: str) -> None:
    page.evaluate("window.__sameDocument = true")
    card = f"#d-{namespace}-checkout"

    kube.apply(deployment_manifest("checkout", replicas=3), namespace=namespace)
    applied = time.monotonic()
    page.wait_for_selector(card, timeout=30_000)
    appear_ms = _ms(applied)
    page.wait_for_selector(f'{card}[data-done="true"]', timeout=60_000)

    kube.run("set", "image", "deployment/checkout", f"app={IMAGE[:-5]}6.9.1", "-n", namespace)
    changed = time.monotonic()
    page.wait_for_selector(f'{card}[data-revision="2"]', timeout=30_000, state="attached")
    revision_ms = _ms(changed)
    page.wait_for_selector(f'{card}[data-revision="2"][data-done="true"]', timeout=60_000)
    done_ms = _ms(changed)

    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    latencies = {"card_appears_ms": appear_ms, "revision_2_ms": revision_ms,
                 "rollout_done_ms": done_ms}  # fmt: skip
    sys.stdout.write(f"\nevent-to-screen latency: {json.dumps(latencies)}\n")


def _evil_event(namespace: str, about: dict[str, Any]) -> dict[str, Any]:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "apiVersion": "v1", "kind": "Event", "type": "Warning", "reason": "Evil",
        "message": EVIL, "count": 1, "firstTimestamp": now, "lastTimestamp": now,
        "metadata": {"name": "evil-event", "namespace": namespace},
        "involvedObject": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": namespace,
                           "name": about["metadata"]["name"]},
        "source": {"component": "browser-test"},
    }  # fmt: skip


def test_cluster_strings_render_as_text(page: Page, kube: Kube, namespace: str) -> None:
    dep = deployment_manifest("escaping", replicas=1)
    dep["metadata"]["annotations"] = {"kubernetes.io/change-cause": EVIL}
    kube.apply(dep, namespace=namespace)
    kube.apply(_evil_event(namespace, dep), namespace=namespace)
    card = f"#d-{namespace}-escaping"

    page.wait_for_selector(f"{card} .event-message", timeout=30_000)
    page.wait_for_selector(f"{card}-revisions > summary", timeout=30_000)
    page.click(f"{card}-revisions > summary")  # the history is folded until opened
    page.wait_for_selector(f"{card} .change-cause", timeout=30_000)

    assert page.inner_text(f"{card} .event-message") == EVIL
    assert page.inner_text(f"{card} .change-cause") == EVIL
    assert page.locator(f"{card} b").count() == 0
    assert page.locator(f"{card} img").count() == 0
    assert page.evaluate("window.__pwned") is None


def test_board_screenshot_for_the_readme(page: Page, kube: Kube, namespace: str) -> None:
    kube.apply(deployment_manifest("payments", replicas=2), namespace=namespace)
    kube.apply(deployment_manifest("search", replicas=2, pod_labels=fault_labels("crashloop")),
               namespace=namespace)  # fmt: skip
    page.wait_for_selector(f"#d-{namespace}-payments[data-done='true']", timeout=60_000)
    # The screenshot should show the failing rollout as Degraded, not mid-start.
    page.wait_for_selector(f"#d-{namespace}-search[data-health='Degraded']", timeout=30_000)
    wait_for("backend panel", lambda: "1.4.0" in page.inner_text(".backend"), timeout=30)

    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=False)
    assert SCREENSHOT.stat().st_size > 10_000
    page.keyboard.press("Tab")  # keyboard reachable: the skip link takes focus first
    assert page.evaluate("document.activeElement.className") == "skip"


def test_an_opened_section_stays_open_while_its_card_updates(
    page: Page, kube: Kube, namespace: str
) -> None:
    card = f"#d-{namespace}-ledger"
    kube.apply(deployment_manifest("ledger", replicas=2), namespace=namespace)
    page.wait_for_selector(f'{card}[data-done="true"]', timeout=60_000)
    kube.run("set", "image", "deployment/ledger", f"app={IMAGE[:-5]}6.9.1", "-n", namespace)
    page.wait_for_selector(f'{card}[data-revision="2"][data-done="true"]', timeout=60_000)

    page.click(f"{card}-revisions > summary")
    assert page.eval_on_selector(f"{card}-revisions", "el => el.open")
    page.evaluate(
        f"window.__before = document.querySelector('{card}');"
        "window.__group = document.querySelector('#board .group')"
    )
    # A change to this card only: it comes as a delta, replacing the card element.
    kube.run("scale", "deployment/ledger", "--replicas=3", "-n", namespace)
    # Polled through DevTools: wait_for_function evaluates strings in the page, which
    # the board's CSP (no unsafe-eval) rightly refuses.
    replaced = (
        f"document.querySelector('{card}') !== window.__before"
        f" && document.querySelector('{card} .num').textContent.endsWith('/3')"
    )
    wait_for("the card replaced at 3 replicas", lambda: page.evaluate(replaced), timeout=30)
    assert page.eval_on_selector(f"{card}-revisions", "el => el.open")
    # Patched by a delta, not rebuilt: the namespace's section is the same element.
    assert page.evaluate("document.querySelector('#board .group') === window.__group")


def test_added_and_removed_cards_are_patched_in_board_order(
    page: Page, kube: Kube, namespace: str
) -> None:
    prefix = f"#d-{namespace}-order"
    kube.apply(deployment_manifest("order-b", replicas=1), namespace=namespace)
    page.wait_for_selector(f"{prefix}-b", timeout=60_000)
    page.evaluate("window.__group = document.querySelector('#board .group')")
    order = (
        "Array.from(document.querySelectorAll('#board article.card'))"
        f".map(c => c.id).filter(id => id.startsWith('{prefix[1:]}-'))"
    )

    for name in ("order-c", "order-a"):  # one after the last card, one before the first
        kube.apply(deployment_manifest(name, replicas=1), namespace=namespace)
    wait_for("three order cards", lambda: len(page.evaluate(order)) == 3, timeout=60)
    assert page.evaluate(order) == [f"{prefix[1:]}-{n}" for n in "abc"]

    kube.run("delete", "deployment/order-b", "-n", namespace, "--wait=false")
    wait_for("order-b removed", lambda: page.query_selector(f"{prefix}-b") is None, timeout=60)
    assert page.evaluate(order) == [f"{prefix[1:]}-{n}" for n in "ac"]
    # Inserted and deleted by deltas: the namespace's section was never re-rendered.
    assert page.evaluate("document.querySelector('#board .group') === window.__group")


def test_filters_live_in_the_url_and_survive_updates(
    browser: Browser, live_board: ServiceProcess, kube: Kube, namespace: str
) -> None:
    kube.apply(deployment_manifest("filter-ok", replicas=1), namespace=namespace)
    failing = deployment_manifest("filter-bad", replicas=1, pod_labels=fault_labels("crashloop"))
    kube.apply(failing, namespace=namespace)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_board.url + "/?unhealthy=1")
        page.wait_for_selector("text=Live updates: connected")
        bad, ok = f"#d-{namespace}-filter-bad", f"#d-{namespace}-filter-ok"
        wait_for("both cards on the board", lambda: page.query_selector(bad)
                 and page.query_selector(ok), timeout=60)  # fmt: skip
        hidden_healthy = (
            f"(c => c.dataset.health === 'Healthy' && c.hidden)(document.querySelector('{ok}'))"
        )
        wait_for("filter-ok Healthy and hidden", lambda: page.evaluate(hidden_healthy), timeout=60)
        assert page.is_visible(bad)
        assert page.is_checked("#filters input[name=unhealthy]")
        assert page.query_selector(".summary [data-health-filter=Healthy]") is not None

        # Typing a name writes it into the URL; a new page at that URL shows the same view.
        page.uncheck("#filters input[name=unhealthy]")
        page.fill("#filters input[name=name]", "filter-ok")
        assert page.evaluate("window.location.search") == "?name=filter-ok"
        assert page.is_visible(ok)
        assert not page.is_visible(bad)
        # An update to the hidden card keeps it hidden.
        kube.run("scale", "deployment/filter-bad", "--replicas=2", "-n", namespace)
        wait_for("filter-bad updated", lambda: page.evaluate(
            f"document.querySelector('{bad} .num').textContent.endsWith('/2')"
        ), timeout=30)  # fmt: skip
        assert not page.is_visible(bad)
        again = context.new_page()
        again.goto(page.url)
        again.wait_for_selector(ok)
        assert again.input_value("#filters input[name=name]") == "filter-ok"
        assert again.is_visible(ok)
        assert not again.is_visible(bad)
        assert "1 of" in again.inner_text("#filter-count")
    finally:
        context.close()
