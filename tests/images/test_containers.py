"""Run each image as Kubernetes would: read-only root, non-root, SIGTERM to stop.

Containers share the host's network namespace and bind 127.0.0.1 on a free port.
"""

from __future__ import annotations

import json
import subprocess
import time
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime

import httpx
import pytest

from tests.images.support import PODMAN, PORTS, SERVICES, UID, Container, Image, container, podman
from tools.platformkit.paths import REPO_ROOT

pytestmark = [pytest.mark.images, pytest.mark.timeout(3000)]

DRAIN = 2.0  # BACKEND_DRAIN_DELAY_SECONDS for the SIGTERM test
GRACE = 30  # Kubernetes' default terminationGracePeriodSeconds


@pytest.fixture(params=SERVICES)
def image(request: pytest.FixtureRequest, images: dict[str, Image]) -> Image:
    return images[str(request.param)]


@pytest.fixture(scope="module")
def boxes(images: dict[str, Image]) -> Iterator[dict[str, Container]]:
    """One running container per image, shared by the read-only checks (a start
    copies the whole image with vfs storage). The frontend probes this backend."""
    with ExitStack() as stack:
        backend = stack.enter_context(container(images["backend"]))
        frontend = stack.enter_context(
            container(images["frontend"], {"FRONTEND_BACKEND_URL": backend.url})
        )
        yield {"backend": backend, "frontend": frontend}


def test_backend_meta_reports_the_build_args(
    backend_image: Image, boxes: dict[str, Container]
) -> None:
    """GIT_SHA, VERSION and BUILD_TIME are baked in: /meta needs no deploy-time input."""
    sha = backend_image.label("org.opencontainers.image.revision")
    version = backend_image.label("org.opencontainers.image.version")
    created = backend_image.label("org.opencontainers.image.created")
    assert sha == backend_image.git_sha, "the image was built from this checkout's commit"
    assert version
    assert created

    meta = httpx.get(f"{boxes['backend'].url}/meta", timeout=5).json()
    assert meta["git_sha"] == sha
    assert meta["version"] == version
    assert datetime.fromisoformat(meta["build_time"]) == datetime.fromisoformat(created)
    assert meta["image"] == {"ref": None, "digest": None}  # deploy-time, set by the manifests


def test_image_metadata(image: Image) -> None:
    assert image.config("User") == f"{UID}:{UID}"
    assert f"{PORTS[image.service]}/tcp" in image.config("ExposedPorts")
    assert image.config("Entrypoint") == f"[/app/.venv/bin/{image.service}]"
    for label in ("revision", "version", "created", "source", "title"):
        assert image.label(f"org.opencontainers.image.{label}"), label


def test_runs_as_non_root_on_a_read_only_root(image: Image, boxes: dict[str, Container]) -> None:
    box = boxes[image.service]
    assert box.exec("id", "-u").stdout.strip() == str(UID)
    status = box.exec("cat", "/proc/1/status").stdout
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert set(uids) == {str(UID)}, "PID 1 (the server) runs as the non-root UID"
    assert box.state("Running") == "true"
    readonly = podman("inspect", "--format", "{{.HostConfig.ReadonlyRootfs}}", box.name)
    assert readonly.stdout.strip() == "true"
    # Even root cannot write outside /tmp: the root filesystem itself is read-only.
    as_root = podman("exec", "--user", "0", box.name, "touch", "/app/probe", check=False)
    assert "Read-only file system" in as_root.stderr, as_root.stderr
    python = "/app/.venv/bin/python"
    assert box.exec(python, "-c", "open('/tmp/probe', 'w').write('ok')").returncode == 0
    ready = httpx.get(f"{box.url}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text


def test_final_image_holds_only_the_service_and_its_runtime_deps(image: Image) -> None:
    """No uv, pip, build tools or tests; exactly the lock's closure for the service."""
    script = (
        "import importlib.metadata as m, json, re, shutil;"
        # PEP 503 names, as uv.lock spells them (ruamel.yaml is ruamel-yaml there).
        "names = [re.sub(r'[-_.]+', '-', d.metadata['Name']).lower() for d in m.distributions()];"
        "print(json.dumps(names));"
        "print(shutil.which('uv'), shutil.which('gcc'))"
    )
    proc = podman(
        "run", "--rm", "--network", "none", "--read-only",
        "--entrypoint", "/app/.venv/bin/python", image.ref, "-c", script,
    )  # fmt: skip
    names_line, tools_line = proc.stdout.strip().splitlines()
    installed = set(json.loads(names_line))
    assert tools_line == "None None"
    expected = _lock_closure(image.service)
    assert image.service in installed
    assert installed <= expected, f"not in the lock's closure: {installed - expected}"
    assert {"pip", "uv", "pytest", "setuptools"}.isdisjoint(installed)
    other = next(s for s in SERVICES if s != image.service)
    assert other not in installed


def _lock_closure(service: str) -> set[str]:
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    deps = {
        package["name"]: {d["name"] for d in package.get("dependencies", [])}
        for package in lock["package"]
    }
    seen: set[str] = set()
    todo = [service]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(deps.get(name, ()))
    return seen


def test_backend_drains_on_sigterm_and_exits_zero(backend_image: Image) -> None:
    """SIGTERM: readiness turns 503 for the drain delay, then a clean exit 0."""
    env = {"BACKEND_DRAIN_DELAY_SECONDS": str(DRAIN), "BACKEND_SHUTDOWN_TIMEOUT_SECONDS": "5"}
    with container(backend_image, env) as box:
        assert httpx.get(f"{box.url}/readyz", timeout=5).status_code == 200
        start = time.monotonic()
        stop = subprocess.Popen([*PODMAN, "stop", "--time", str(GRACE), box.name])
        statuses = []
        try:
            while time.monotonic() - start < DRAIN * 0.8:
                try:
                    statuses.append(httpx.get(f"{box.url}/readyz", timeout=1).status_code)
                except httpx.HTTPError:
                    statuses.append(0)
                time.sleep(0.1)
            assert stop.wait(timeout=GRACE + 10) == 0
        finally:
            stop.kill()
        elapsed = time.monotonic() - start
        logs = box.logs()
        assert box.state("ExitCode") == "0", logs[-3000:]
    assert 503 in statuses, f"readiness never failed during the drain: {statuses}"
    assert 200 not in statuses[statuses.index(503) :], "ready again after the drain began"
    assert DRAIN <= elapsed < GRACE, f"stopped after {elapsed:.1f}s"
    assert '"msg":"draining"' in logs
    assert '"signal":"SIGTERM"' in logs
    assert "drain delay over" in logs
    assert '"msg":"stopped"' in logs


def test_frontend_stops_cleanly_on_sigterm(frontend_image: Image) -> None:
    with container(frontend_image) as box:
        start = time.monotonic()
        podman("stop", "--time", str(GRACE), box.name, timeout=GRACE + 10)
        elapsed = time.monotonic() - start
        logs = box.logs()
        assert box.state("ExitCode") == "0", logs[-3000:]
    assert elapsed < GRACE, f"stopped after {elapsed:.1f}s: SIGTERM was not honoured"


def test_frontend_serves_the_board_and_its_pinned_assets(
    boxes: dict[str, Container], backend_image: Image
) -> None:
    """Without a cluster the board says so and shows the backend panel; htmx comes
    from the image (npm ci at build time), not a CDN."""
    box = boxes["frontend"]
    sha = backend_image.label("org.opencontainers.image.revision")
    deadline = time.monotonic() + 30
    page = httpx.get(f"{box.url}/", timeout=5)
    while sha[:12] not in page.text and time.monotonic() < deadline:
        time.sleep(1)
        page = httpx.get(f"{box.url}/", timeout=5)
    assert page.status_code == 200
    assert "no cluster configured" in page.text.lower()
    assert sha[:12] in page.text, "the backend panel shows the backend's build"
    for name in ("htmx.min.js", "sse.min.js"):
        assert f"/static/vendor/{name}" in page.text
        asset = httpx.get(f"{box.url}/static/vendor/{name}", timeout=5)
        assert asset.status_code == 200, name
        assert len(asset.content) > 1000, name
