"""The board's environments view during `make run`'s delivery loop, checked from outside.

During `make change-bad` and `make change-good` a watcher polls ``/api/v1/environments``
every 0.2 s and a camera (Chromium) keeps the board open: dev failing while Flux holds
staging (``DependencyNotReady``, in Flux's words) and prod behind it; the new version in
dev, then staging, then prod, and what the pending promotion would change. At the end the
JSON is checked against kubectl (each Kustomization's ``lastAppliedRevision``) and the
cards (the kubelet's digests), and an inventory is followed to its card. The README's
docs/environments*.png are taken here. dev is Degraded for about a second, and the board
swaps rows live: the page freezes the panel (its swap targets get other ids) in the same
script that sees the state, so each picture is what a viewer saw at that moment.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tools.localplatform import rundir
from tools.localplatform.orchestrator import NAMESPACES
from tools.platformkit.board import status as board_status
from tools.platformkit.kube import Kube
from tools.platformkit.paths import REPO_ROOT

if TYPE_CHECKING:
    from playwright.sync_api import Page

Doc = dict[str, Any]
ENVIRONMENTS = ("dev", "staging", "prod")  # the promotion order (Flux dependsOn)
APP = "backend"
DOCS = REPO_ROOT / "docs"
BLOCKED_PNG, PROMOTION_PNG = DOCS / "environments-blocked.png", DOCS / "environments-promotion.png"
OVERVIEW_PNG = DOCS / "environments.png"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip

# In the page: find a cell, a step, a column's "blocked by"; freeze and thaw the panel.
HELPERS = """window.envl = {
  row(app) { return [...document.querySelectorAll('#environments tr.env-row')]
    .find(r => r.querySelector('th').textContent.trim() === app); },
  cell(app, env) { const r = envl.row(app);
    return r && r.querySelector(`td.env-cell[data-environment="${env}"]`); },
  step(app, pair) { const r = envl.row(app), s = r && r.nextElementSibling;
    return s && s.classList.contains('env-steps') && s.querySelector(`[data-step="${pair}"]`); },
  changes(app, pair) { const s = envl.step(app, pair), rows = 'table.env-changes th[scope=row]';
    return s ? [...s.querySelectorAll(rows)].map(t => t.textContent) : []; },
  digest(app, env) { return envl.cell(app, env)?.querySelector('.env-facts code')?.textContent; },
  blocked(env) { const h = document.getElementById('ks-flux-system-gitops-platform-' + env);
    return h && h.querySelector('.env-blocked'); },
  freeze() { document.querySelectorAll('#environments-panel, #environments-panel tbody[id]')
    .forEach(el => { el.dataset.liveId = el.id; el.id = 'frozen-' + el.id; }); return true; },
  thaw() { document.querySelectorAll('[data-live-id]')
    .forEach(el => { el.id = el.dataset.liveId; delete el.dataset.liveId; }); },
};"""
DEV, HELD = "envl.cell('backend', 'dev')", "envl.blocked('staging')"
DEV_FAILING = f"{DEV}?.querySelector('.env-failure') && {HELD}"
DEV_MOVING = f"{DEV}?.matches('.env-moving, .env-cell-bad') && {HELD}"
IMAGE = (  # read from the overlays at the revisions Flux applied, not the live objects
    "envl.changes('backend', 'dev-staging').includes('image backend')"
    " && envl.step('backend', 'dev-staging').dataset.basis === 'config'"
)
RUNS = "envl.digest('backend', 'dev') !== envl.digest('backend', 'staging')"  # the pods, too
PENDING = f"{IMAGE} && {RUNS} && {DEV}?.matches('.env-cell-ok')"
SETTLED = " && ".join(
    f"envl.cell('backend', '{env}')?.matches('.env-cell-ok:not(.env-moving)')"
    f" && envl.cell('backend', '{env}').querySelector('.env-verified-verified')"
    for env in ENVIRONMENTS
)


def environments(info: rundir.RuntimeInfo) -> Doc:
    return dict(
        httpx.get(f"{info.board_url}/api/v1/environments", timeout=5).raise_for_status().json()
    )


def column(doc: Doc, env: str) -> Doc:
    return next(e for e in doc["environments"] if e["name"] == env)


def cell(doc: Doc, env: str, app: str = APP) -> Doc:
    row = next(r for r in doc["applications"] if r["application"] == app)
    found: Doc = row["cells"][[e["name"] for e in doc["environments"]].index(env)]
    return found


def changes(doc: Doc, pair: str, app: str = APP) -> list[str]:
    row = next(r for r in doc["applications"] if r["application"] == app)
    steps = [s for s in row["steps"] if f"{s['earlier']}-{s['later']}" == pair]
    return [c["setting"] for s in steps for c in s["changes"]]


def promotes(digest: str, pair: str = "dev-staging") -> Callable[[Doc], bool]:
    """The PAIR step, read from the config repository's overlays at the revisions Flux
    applied, carries the image DIGEST (short) to the later environment."""

    def check(doc: Doc) -> bool:
        row = next(r for r in doc["applications"] if r["application"] == APP)
        return any(
            f"{s['earlier']}-{s['later']}" == pair
            and s["basis"] == "config"
            and any(
                c["carried"] and c["setting"] == f"image {APP}" and f"@sha256:{digest}" in c["then"]
                for c in s["changes"]
            )
            for s in row["steps"]
        )

    return check


def blocked(doc: Doc, env: str, by: str) -> bool:
    """Flux holds ENV back for BY (DependencyNotReady), and the view says so in its words."""
    col = column(doc, env)
    return (
        col["verdict"]["reason"] == "DependencyNotReady"
        and by in [b["environment"] for b in col["blocked_by"]]
        and (col["message"] or "").startswith(f"dependency 'flux-system/gitops-platform-{by}'")
    )


def dev_failing(doc: Doc) -> bool:
    dev, verdict = cell(doc, "dev"), column(doc, "dev")["verdict"]
    return (dev["health"] == "Degraded" and bool(dev["failure"])) or verdict["state"] == "failed"


def running(env: str, digest: str) -> Callable[[Doc], bool]:
    return lambda doc: bool(cell(doc, env)["digest"] == digest)


def ahead(doc: Doc, digest: str) -> bool:
    """dev runs DIGEST, staging not yet: a promotion is pending."""
    return running("dev", digest)(doc) and not running("staging", digest)(doc)


@dataclass
class Watch:
    """What the environments API said during one step (on each change), and the shots."""

    info: rundir.RuntimeInfo
    seen: list[tuple[float, Doc]] = field(default_factory=list, repr=False)
    shots: dict[str, tuple[str, bytes]] = field(default_factory=dict, repr=False)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        try:
            doc = environments(self.info)
        except httpx.HTTPError:
            return
        last = self.seen[-1][1] if self.seen else {}
        if any(last.get(key) != doc[key] for key in ("environments", "applications")):
            self.seen.append((time.monotonic(), doc))

    def poll(self) -> None:
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.2)

    def when(self, check: Callable[[Doc], bool]) -> list[float]:
        return [t for t, doc in self.seen if check(doc)]


def have_chromium(what: str) -> bool:
    if CHROMIUM.is_file():
        return True
    message = f"SCREENSHOT NOT TAKEN ({what}): {CHROMIUM} missing (apt-get install -y chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    sys.stdout.write(f"\n{message}\n")
    return False


@contextmanager
def board_page(info: rundir.RuntimeInfo) -> Iterator[Page]:
    os.environ["PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD"] = "1"
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only with Chromium

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.add_init_script(HELPERS)
            page.goto(info.board_url + "/")
            page.wait_for_selector("text=Live updates: connected")
            yield page
        finally:
            browser.close()


def frozen_when(page: Page, watch: Watch, condition: str) -> bool:
    """Wait (until the step ends) for CONDITION on the page; freeze the panel as it holds."""
    from playwright.sync_api import TimeoutError as PageTimeout  # noqa: PLC0415

    while not watch.stop.is_set():
        try:
            freeze = f"() => ({condition}) ? envl.freeze() : false"
            page.wait_for_function(freeze, polling=50, timeout=1000)
            return True
        except PageTimeout:
            continue
    return False


def film_failure(page: Page, watch: Watch) -> None:
    """staging blocked while dev fails: at once if dev is Degraded on the page, else while
    the bad version rolls out, then again if the failure shows before the revert lands."""
    if not frozen_when(page, watch, f"({DEV_FAILING}) || ({DEV_MOVING})"):
        return
    note = page.locator("#ks-flux-system-gitops-platform-staging .env-blocked").inner_text()
    assert "blocked by dev" in note, note
    assert "dependency 'flux-system/gitops-platform-dev'" in note, note  # Flux's own words
    failing = page.evaluate(f"() => !!({DEV_FAILING})")
    watch.shots["blocked"] = (
        "dev Degraded" if failing else "dev rolling out",
        page.locator("#environments").screenshot(),
    )
    page.evaluate("envl.thaw()")
    if not failing and frozen_when(page, watch, DEV_FAILING):
        watch.shots["blocked"] = ("dev Degraded", page.locator("#environments").screenshot())


def film_promotion(page: Page, watch: Watch) -> None:
    """A pending promotion: dev runs the new version, staging the old; open dev → staging."""
    if not frozen_when(page, watch, PENDING):
        return
    page.evaluate("envl.step('backend', 'dev-staging').dataset.shot = 'promotion'")
    step = page.locator("details[data-shot='promotion']")
    step.locator("summary").click()
    assert step.get_attribute("open") is not None
    image = step.locator("table.env-changes tr", has=page.locator("th", has_text="image backend"))
    assert image.is_visible(), step.inner_html()
    watch.shots["promotion"] = (image.inner_text(), page.locator("#environments").screenshot())


@contextmanager
def watching(info: rundir.RuntimeInfo, film: Callable[[Page, Watch], None]) -> Iterator[Watch]:
    """The watcher, and the camera when Chromium is there, for the duration of a step."""
    watch = Watch(info)
    watch.sample()  # what it said before the step
    threads = [threading.Thread(target=watch.poll, daemon=True)]
    if have_chromium(film.__name__):

        def camera() -> None:
            try:
                with board_page(info) as page:
                    film(page, watch)
            except Exception as error:  # raised again in the test's thread
                watch.errors.append(error)

        threads.append(threading.Thread(target=camera, daemon=True))
    for thread in threads:
        thread.start()
    try:
        yield watch
    finally:
        watch.stop.set()
        ended = time.monotonic()
        for thread in threads:
            thread.join(30)
        sys.stdout.write(f"[envs] {film.__name__}: stopped in {time.monotonic() - ended:.1f}s\n")
    if watch.errors:
        raise watch.errors[0]


def _save(watch: Watch, shot: str, path: Path) -> str:
    if not CHROMIUM.is_file():
        return "not taken"
    assert shot in watch.shots, f"the board never showed it to Chromium: {shot}"
    what, png = watch.shots[shot]
    path.write_bytes(png)
    assert len(png) > 10_000, path
    return what


def check_bad_change(watch: Watch) -> None:
    """dev's failure in the view; Flux holding staging for dev and prod for staging."""
    assert watch.seen, "the environments API never answered"
    assert all(tuple(e["name"] for e in d["environments"]) == ENVIRONMENTS for _, d in watch.seen)
    failing = watch.when(dev_failing)
    assert failing, [cell(d, "dev") for _, d in watch.seen]
    staging_held = watch.when(lambda d: blocked(d, "staging", "dev"))
    prod_held = watch.when(lambda d: blocked(d, "prod", "staging"))
    assert staging_held, [column(d, "staging") for _, d in watch.seen]
    assert prod_held, [column(d, "prod") for _, d in watch.seen]
    # At the same moment: Flux waits for dev's health checks while it fails.
    assert watch.when(lambda d: dev_failing(d) and blocked(d, "staging", "dev"))
    for env in ("staging", "prod"):  # not promoted (the pods of the last one may still drain)
        assert len({cell(d, env)["version"] for _, d in watch.seen}) == 1, env
    doc = next(d for _, d in watch.seen if dev_failing(d))
    shot = _save(watch, "blocked", BLOCKED_PNG)
    sys.stdout.write(
        f"[envs] make change-bad: dev {cell(doc, 'dev')['health']} for "
        f"{failing[-1] - failing[0]:.1f}s ({cell(doc, 'dev')['failure']!r}), its Kustomization "
        f"{column(doc, 'dev')['verdict']['phrase']!r}; staging held for "
        f"{staging_held[-1] - staging_held[0]:.1f}s: {column(doc, 'staging')['message']!r}; "
        f"prod held for {prod_held[-1] - prod_held[0]:.1f}s: {column(doc, 'prod')['message']!r}; "
        f"screenshot: {shot}\n"
    )


def check_good_change(watch: Watch) -> None:
    """The new version reaches dev, then staging, then prod; a pending promotion is shown."""
    old = cell(watch.seen[0][1], "dev")["digest"]
    new = cell(watch.seen[-1][1], "dev")["digest"]
    assert new != old, new
    deadline = time.monotonic() + 60  # the board may show prod's pods a moment after its record
    while not watch.when(running("prod", new)):
        assert time.monotonic() < deadline, cell(watch.seen[-1][1], "prod")
        time.sleep(0.2)
        watch.sample()
    arrived = [watch.when(running(env, new))[0] for env in ENVIRONMENTS]
    assert arrived == sorted(arrived), dict(zip(ENVIRONMENTS, arrived, strict=True))
    pending = watch.when(lambda d: ahead(d, new) and promotes(new)(d))
    assert pending, "dev never ran the new version ahead of staging with the step saying so"
    moving = [env for env in ENVIRONMENTS if any(cell(d, env)["moving"] for _, d in watch.seen)]
    shot = _save(watch, "promotion", PROMOTION_PNG)
    began = watch.seen[0][0]
    times = ", ".join(f"{e} +{t - began:.1f}s" for e, t in zip(ENVIRONMENTS, arrived, strict=True))
    sys.stdout.write(
        f"[envs] make change-good: {old} -> {new} running in {times}; seen rolling out: "
        f"{moving}; promotion pending for {pending[-1] - pending[0]:.1f}s; screenshot: {shot}\n"
    )


def short_revision(revision: str) -> str:
    prefix, _, digest = revision.rpartition(":")
    return f"{prefix}:{digest[:12]}"


def mismatches(doc: Doc, status: Doc, kustomizations: dict[str, Doc]) -> list[str]:
    """Where the environments JSON disagrees with Flux's objects and the board's cards."""
    found: list[str] = []
    names = tuple(e["name"] for e in doc["environments"])
    if names != ENVIRONMENTS:
        return [f"environments {names}"]
    cards = {(g["namespace"], e["deployment"]["name"]): e["deployment"]
             for g in status["namespaces"] for e in g["deployments"]}  # fmt: skip
    for env in ENVIRONMENTS:
        ks = kustomizations[f"gitops-platform-{env}"]
        applied = short_revision(ks["status"]["lastAppliedRevision"])
        col = column(doc, env)
        facts: list[tuple[object, object]] = [
            (col["source"], f"flux-system/{ks['metadata']['name']}"),
            (col["verdict"]["state"], "ready"),
            (col["applied_revision"], applied),
        ]
        for row in doc["applications"]:
            here = cell(doc, env, row["application"])
            card = cards[(NAMESPACES[env], row["application"])]
            pods = card["provenance"]["running"]  # the kubelet's imageIDs
            facts += [
                (here["config_revision"], applied),
                (here["digest"], pods[0].removeprefix("sha256:")[:12] if pods else None),
                (here["health"], card["health"]["code"]),
                (here["namespace"], NAMESPACES[env]),
                (here["version"] in card["image"], True),
            ]
        backend = cell(doc, env)
        facts += [(backend["health"], "Healthy"), (backend["moving"], False)]
        for row in doc["applications"]:  # the step into ENV, from the overlays Flux applied
            for step in (s for s in row["steps"] if s["later"] == env):
                read = (step["basis"], applied[-12:] in (step["note"] or ""))
                facts += [(read, ("config", True))]
        facts += [(backend["verified"], "verified")]
        found += [f"{env}: {a!r} != {b!r}" for a, b in facts if a != b]
    if len({cell(doc, env)["digest"] for env in ENVIRONMENTS}) != 1:
        found.append("the environments run different backends")
    elif f"image {APP}" in changes(doc, "dev-staging") + changes(doc, "staging-prod"):
        found.append(f"the same {APP} everywhere, yet a step would change its image")
    return found


def against_the_platform(info: rundir.RuntimeInfo) -> None:
    """The JSON against kubectl and the board's cards; then, in Chromium, an inventory's link
    to its card, and the view with all three Healthy (docs/environments.png)."""
    kube = Kube(info.kubectl, Path(info.kubeconfig))
    began = time.monotonic()
    deadline = began + 60
    while True:  # settled: records verified, the last pods reported
        listed = kube.json("get", "kustomizations.kustomize.toolkit.fluxcd.io", "-n", "flux-system")
        kustomizations = {k["metadata"]["name"]: k for k in listed["items"]}
        doc, status = environments(info), board_status(info.board_url)
        problems = mismatches(doc, status, kustomizations)
        if not problems:
            break
        assert time.monotonic() < deadline, problems
        time.sleep(0.5)
    took = time.monotonic() - began
    sys.stdout.write(f"[envs] the JSON agrees with kubectl and the cards ({took:.1f}s)\n")
    if not have_chromium("environments.png"):
        return
    anchor = f"d-{NAMESPACES['dev']}-{APP}"
    with board_page(info) as page:
        page.wait_for_function(f"() => ({SETTLED}) ? envl.freeze() : false", polling=100)
        head = page.locator("#ks-flux-system-gitops-platform-dev")
        head.locator("details.env-inventory > summary").click()
        head.locator(f"details.env-inventory a[href='#{anchor}']").click()  # loaded on demand
        assert page.url.endswith(f"#{anchor}"), page.url
        assert page.locator(f"article#{anchor}").count() == 1
        assert page.evaluate("document.querySelector(':target')?.id") == anchor
        top = page.evaluate(f"document.getElementById('{anchor}').getBoundingClientRect().top")
        assert -1 < top < 900, top  # scrolled to the card (top: 0 give or take a subpixel)
        page.locator("#environments").screenshot(path=str(OVERVIEW_PNG))
    assert OVERVIEW_PNG.stat().st_size > 10_000
    sys.stdout.write(
        f"[envs] an inventory's link to its card, the view: {time.monotonic() - began:.1f}s\n"
    )
