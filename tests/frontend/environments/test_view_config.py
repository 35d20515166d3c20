"""What a promotion would change, read from the config repository: a real git repository
holding this repository's overlays (k8s/overlays), promoted by the pipeline's own step
(``delivery.promote_cli.promote``), and the Kustomizations recorded from the real Flux
controllers, each pointed at the revision it applied.

The view asks ``ConfigOverlays`` for each environment's overlay at that revision; the
first build falls back to the live objects while git is read in the background, and the
next build (the read bumps the generation) reads the overlays.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from delivery.overlay import read_digests
from delivery.promote_cli import promote
from frontend.board.builder import build_board
from frontend.environments.changes import Change
from frontend.environments.configrepo import ConfigOverlays
from frontend.environments.view import EnvironmentsMemo, EnvironmentsView, Step
from tests.frontend.environments.test_view import NAMESPACES, THREE, _kustomization, _rollouts
from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW

Obj = dict[str, Any]
OVERLAYS = Path(__file__).resolve().parents[3] / "k8s" / "overlays"
NEW_DIGEST = "sha256:" + "ab" * 32
SOURCE_SHA = "5" * 40


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A config repository with this checkout's overlays as its first commit."""
    found = tmp_path / "config"
    shutil.copytree(OVERLAYS, found / "k8s" / "overlays")
    _git(found, "init", "-q", "-b", "main")
    _git(found, "add", ".")
    _git(found, "commit", "-q", "-m", "overlays")
    return found


def _head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD")


def _pin(repo: Path, commit: str, env: str, image: str = "backend") -> str:
    text = _git(repo, "show", f"{commit}:k8s/overlays/{env}/kustomization.yaml")
    return f"ghcr.io/example-org/gitops-platform-{image}@{read_digests(text)[image]}"


def _applied(env: str, commit: str | None, path: str | None = None) -> Obj:
    """ENV's recorded Kustomization, delivering backend, having applied COMMIT at PATH."""
    found = _kustomization(env, ["backend"])
    found["spec"]["path"] = path if path is not None else f"./k8s/overlays/{env}"
    found["status"]["lastAppliedRevision"] = f"main@sha1:{commit}" if commit else ""
    return found


class Reads:
    """Counts the config repository's finished reads, so a test can wait for them."""

    def __init__(self) -> None:
        self.done = threading.Semaphore(0)

    def __call__(self) -> None:
        self.done.release()

    def wait(self, count: int) -> None:
        for _ in range(count):
            assert self.done.acquire(timeout=20), "the config repository was not read"


@pytest.fixture
def reads() -> Reads:
    return Reads()


@pytest.fixture
def overlays(repo: Path, reads: Reads) -> Iterator[ConfigOverlays]:
    config = ConfigOverlays(repo, reads)
    yield config
    config.close()


def _views(
    config: ConfigOverlays, reads: Reads, kustomizations: Sequence[Obj], wait_for: int
) -> tuple[EnvironmentsView, EnvironmentsView]:
    """The view before the overlays were read, and after WAIT_FOR reads finished."""
    objects = _rollouts([("backend", env) for env in THREE])
    cluster = StaticCluster([*objects, *kustomizations], tuple(NAMESPACES.values()))
    board = build_board(cluster.snapshot(), PROBES, NOW)
    deployments = [obj for obj in objects if obj["kind"] == "Deployment"]
    memo = EnvironmentsMemo(config)
    first = memo.view(board.groups, kustomizations, lambda _ns: deployments)
    reads.wait(wait_for)
    return first, memo.view(board.groups, kustomizations, lambda _ns: deployments)


def _steps(view: EnvironmentsView) -> tuple[Step, ...]:
    (row,) = [r for r in view.rows if r.application == "backend"]
    return row.steps


def test_a_step_compares_the_overlays_at_the_revisions_flux_applied_not_head(
    repo: Path, overlays: ConfigOverlays, reads: Reads
) -> None:
    before = _head(repo)
    promoted = promote(repo, "dev", {"backend": NEW_DIGEST}, SOURCE_SHA)
    assert promoted is not None
    # HEAD has staging promoted too; staging's Kustomization has not applied it yet.
    assert promote(repo, "staging", {"backend": NEW_DIGEST}, SOURCE_SHA) is not None
    kustomizations = [
        _applied("dev", promoted),
        _applied("staging", before),
        _applied("prod", before),
    ]
    first, second = _views(overlays, reads, kustomizations, wait_for=3)

    assert [(s.basis, s.note) for s in _steps(first)] == [
        ("live", "from the live objects: reading the config repository")
    ] * 2
    to_staging, to_prod = _steps(second)
    assert to_staging.basis == "config"
    assert to_staging.note == (
        f"./k8s/overlays/dev at {promoted[:12]} → ./k8s/overlays/staging at {before[:12]}"
    )
    assert to_staging.changes[0] == Change(
        "image backend", _pin(repo, before, "staging"), _pin(repo, promoted, "dev")
    )
    stays = {c.setting: (c.now, c.then) for c in to_staging.changes if not c.carried}
    assert stays["ConfigMap backend data.BACKEND_ENVIRONMENT"] == ("staging", "dev")
    assert [c.setting for c in to_staging.changes if c.carried] == ["image backend"]
    # staging → prod: both at the first commit, as checked in here; prod's patches stay.
    assert to_prod.basis == "config"
    assert [c for c in to_prod.changes if c.carried] == [
        Change("image backend", _pin(repo, before, "prod"), _pin(repo, before, "staging"))
    ]
    assert any(c.setting.startswith("Deployment backend spec.template") for c in to_prod.changes)


def test_the_same_revisions_are_read_once(
    repo: Path, overlays: ConfigOverlays, reads: Reads
) -> None:
    head = _head(repo)
    kustomizations = [_applied(env, head) for env in THREE]
    _views(overlays, reads, kustomizations, wait_for=3)
    _views(overlays, reads, kustomizations, wait_for=0)
    assert overlays.reads == 3


CASES = [
    pytest.param(
        {"staging": ("f" * 40, None)},
        f"git ls-tree in {{repo}}: fatal: Not a valid object name {'f' * 40}:k8s/overlays/staging",
        id="commit-not-in-the-checkout-yet",
    ),
    pytest.param(
        {"staging": (None, None)},
        "staging names no applied commit and path",
        id="nothing-applied-yet",
    ),
    pytest.param(
        {"staging": ("HEAD", "../elsewhere")},
        "capflux/gitops-platform-staging: spec.path '../elsewhere' is not a directory "
        "inside the repository",
        id="path-outside-the-repository",
    ),
    pytest.param(
        {"staging": ("HEAD", "./k8s/base")},
        "git ls-tree in {repo}: fatal: Not a valid object name",
        id="path-missing-at-that-commit",
    ),
]


@pytest.mark.parametrize(("applied", "note"), CASES)
def test_without_both_overlays_a_step_says_why_and_diffs_the_live_objects(
    repo: Path,
    overlays: ConfigOverlays,
    reads: Reads,
    applied: dict[str, tuple[str | None, str | None]],
    note: str,
) -> None:
    head = _head(repo)
    kustomizations = []
    for env in THREE:
        commit, path = applied.get(env, (head, None))
        kustomizations.append(_applied(env, head if commit == "HEAD" else commit, path))
    reads_expected = sum(1 for env in THREE if applied.get(env, ("", None))[0] is not None)
    reads_expected -= sum(1 for c, p in applied.values() if p and p.startswith(".."))
    _, view = _views(overlays, reads, kustomizations, wait_for=reads_expected)
    to_staging = _steps(view)[0]
    assert to_staging.basis == "live"
    assert to_staging.note is not None
    assert to_staging.note.startswith(f"from the live objects: {note.format(repo=repo)}")
    assert to_staging.changes == ()  # the live workloads are the same


def test_an_application_neither_overlay_pins_is_diffed_from_the_live_objects(
    repo: Path, reads: Reads
) -> None:
    head = _head(repo)
    for env in THREE:  # an overlay that pins only the frontend
        path = repo / "k8s" / "overlays" / env / "kustomization.yaml"
        text = path.read_text()
        path.write_text(text.replace("- name: backend", "- name: worker", 1))
    _git(repo, "commit", "-qam", "backend unpinned")
    head = _head(repo)
    config = ConfigOverlays(repo, reads)
    try:
        _, view = _views(config, reads, [_applied(env, head) for env in THREE], wait_for=3)
    finally:
        config.close()
    assert {(s.basis, s.note) for s in _steps(view)} == {
        ("live", "from the live objects: neither overlay pins an image of backend")
    }


def test_the_api_and_the_page_show_a_step_from_the_config_repository(
    repo: Path, make_client: ClientFactory
) -> None:
    before = _head(repo)
    promoted = promote(repo, "dev", {"backend": NEW_DIGEST}, SOURCE_SHA)
    assert promoted is not None
    objects = _rollouts([("backend", "dev"), ("backend", "staging")])
    objects += [_applied("dev", promoted), _applied("staging", before)]
    client = make_client(
        StaticCluster(objects, (NAMESPACES["dev"], NAMESPACES["staging"])),
        delivery_repo=repo,
        batch_interval_ms=20,
    )
    step: dict[str, Any] = {}
    for _ in range(200):  # the reads finish in the background; each poll is a new version
        body = client.get("/api/v1/environments").json()
        (row,) = [r for r in body["applications"] if r["application"] == "backend"]
        step = row["steps"][0]
        if step["basis"] == "config":
            break
        threading.Event().wait(0.05)
    assert step["basis"] == "config", step
    assert step["changes"][0] == {
        "setting": "image backend",
        "now": _pin(repo, before, "staging"),
        "then": _pin(repo, promoted, "dev"),
        "carried": True,
    }
    page = client.get("/fragments/environments").text
    assert 'data-basis="config"' in page
    assert "from the config repository: ./k8s/overlays/dev at" in page
    assert 'data-part="stays"' in page
    assert "a promotion leaves these as they are" in page
