"""The build step: which images a commit needs, and how build.sh and the push are run
(a fake build script stands in for buildah)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from delivery.git import run as git
from delivery.pipeline import images
from tests.delivery.pipeline.configrepo import digest, identify, source

SHA = source("a")
FAKE_BUILD = """\
#!/usr/bin/env bash
echo "built $* GIT_SHA=$GIT_SHA VERSION=$VERSION IMAGE_TAG=$IMAGE_TAG CONTEXT=$IMAGES_CONTEXT"
"""


@pytest.mark.parametrize(
    ("service", "changed", "needed"),
    [
        ("backend", [], True),
        ("backend", None, True),
        ("frontend", None, True),
        ("frontend", [], False),
        ("frontend", ["services/backend/src/app.py", "Dockerfile.backend", "docs/x.md"], False),
        ("frontend", ["services/frontend/src/main.py"], True),
        ("frontend", ["Dockerfile.frontend"], True),
        ("frontend", ["tools/delivery/src/delivery/history.py"], True),
        ("frontend", ["services/servicekit/src/kit.py"], True),
        ("frontend", ["uv.lock"], True),
        ("frontend", ["tools/images/build.sh"], True),
        ("frontend", ["services/frontend-old/x"], False),
    ],
)
def test_needs_build(service: str, changed: list[str] | None, needed: bool) -> None:
    assert images.needs_build(service, changed) is needed


@pytest.mark.parametrize(
    ("registry", "service", "expected"),
    [
        ("ghcr.io/Example-Org", "backend", "ghcr.io/example-org/gitops-platform-backend"),
        ("ghcr.io/Example-Org/", "frontend", "ghcr.io/example-org/gitops-platform-frontend"),
        ("127.0.0.1:5000", "backend", "127.0.0.1:5000/gitops-platform-backend"),
    ],
)
def test_repository(registry: str, service: str, expected: str) -> None:
    assert images.repository(registry, service) == expected


def test_changed_paths_between_two_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    identify(tmp_path)
    (tmp_path / "a.txt").write_text("a\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "one")
    first = git(tmp_path, "rev-parse", "HEAD")
    (tmp_path / "services/frontend").mkdir(parents=True)
    (tmp_path / "services/frontend/b.py").write_text("b\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "two")
    second = git(tmp_path, "rev-parse", "HEAD")
    assert images.changed_paths(tmp_path, first, second) == ["services/frontend/b.py"]
    assert images.changed_paths(tmp_path, "f" * 40, second) is None  # unknown: build all


def fake_context(tmp_path: Path, script: str = FAKE_BUILD) -> Path:
    build = tmp_path / "context/tools/images/build.sh"
    build.parent.mkdir(parents=True)
    build.write_text(script)
    return tmp_path / "context"


def test_build_and_push_runs_build_sh_per_service_and_pushes_by_sha(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = fake_context(tmp_path)
    pushed: list[tuple[str, str, bool]] = []

    def push(local: str, target: str, tls_verify: bool = True) -> str:
        pushed.append((local, target, tls_verify))
        return digest("b" if "backend" in local else "f")

    monkeypatch.setattr(images, "push", push)
    built = images.build_and_push(context, SHA, "1.2.3", "ghcr.io/Org", upstream=True,
                                  tls_verify=False)  # fmt: skip
    assert built.source_sha == SHA
    assert built.images == {"backend": digest("b"), "frontend": digest("f")}
    assert set(built.seconds) == {"backend", "frontend"}
    assert built.lines == tuple(
        f"built --upstream {service} GIT_SHA={SHA} VERSION=1.2.3 IMAGE_TAG=pipeline "
        f"CONTEXT={context}"
        for service in ("backend", "frontend")
    )
    assert pushed == [
        ("localhost/gitops-platform/backend:pipeline",
         f"ghcr.io/org/gitops-platform-backend:{SHA}", False),
        ("localhost/gitops-platform/frontend:pipeline",
         f"ghcr.io/org/gitops-platform-frontend:{SHA}", False),
    ]  # fmt: skip


def test_only_the_services_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context = fake_context(tmp_path)
    monkeypatch.setattr(images, "push", lambda *_args: digest("b"))
    built = images.build_and_push(context, SHA, "v", "r.example", services=["backend"])
    assert built.images == {"backend": digest("b")}
    assert built.lines == (
        f"built backend GIT_SHA={SHA} VERSION=v IMAGE_TAG=pipeline CONTEXT={context}",
    )


def test_a_failed_build_raises_with_the_tail_of_its_output(tmp_path: Path) -> None:
    noisy = "".join(f"echo line {i} >&2\n" for i in range(30))
    context = fake_context(tmp_path, f"#!/usr/bin/env bash\n{noisy}exit 7\n")
    with pytest.raises(images.BuildError) as failed:
        images.build_and_push(context, SHA, "v", "r.example")
    message = str(failed.value)
    assert message.startswith(f"bash {context}/tools/images/build.sh backend exited 7:\n")
    assert message.splitlines()[1:] == [f"line {i}" for i in range(15, 30)]


def test_a_build_that_does_not_finish_in_time() -> None:
    with pytest.raises(images.BuildError, match="sleep did not finish in 0s"):
        images._run(["sleep", "5"], timeout=0.2)


def test_push_reads_back_the_digest_buildah_wrote(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Sequence[str]] = []

    def run(argv: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 0) -> str:
        del env, timeout
        calls.append(argv)
        Path(argv[argv.index("--digestfile") + 1]).write_text(digest("d") + "\n")
        return ""

    monkeypatch.setattr(images, "_run", run)
    assert images.push("localhost/x:pipeline", "r.example/x:abc", tls_verify=False) == digest("d")
    (argv,) = calls
    assert [*argv[:4], *argv[-2:]] == [
        "buildah", "push", "--quiet", "--tls-verify=false",
        "localhost/x:pipeline", "docker://r.example/x:abc",
    ]  # fmt: skip


def test_login_without_credentials_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("buildah must not run")

    monkeypatch.setattr(subprocess, "run", fail)
    assert images.login_from_env("ghcr.io/org", {"REGISTRY_USER": "me"}) is False
    monkeypatch.delenv("REGISTRY_USER", raising=False)
    monkeypatch.delenv("REGISTRY_TOKEN", raising=False)
    assert images.login_from_env("ghcr.io/org") is False


@pytest.mark.parametrize("returncode", [0, 1])
def test_login_passes_the_token_on_stdin(monkeypatch: pytest.MonkeyPatch, returncode: int) -> None:
    calls: list[tuple[list[str], str]] = []

    def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append((argv, kwargs["input"]))
        return subprocess.CompletedProcess(argv, returncode, "", "unauthorized\n")

    monkeypatch.setattr(subprocess, "run", run)
    environ = {"REGISTRY_USER": "me", "REGISTRY_TOKEN": "s3cret"}
    if returncode:
        with pytest.raises(
            images.BuildError, match=r"buildah login ghcr\.io failed: unauthorized$"
        ):
            images.login_from_env("ghcr.io/org", environ)
    else:
        assert images.login_from_env("ghcr.io/org", environ) is True
    assert calls == [
        (["buildah", "login", "--username", "me", "--password-stdin", "ghcr.io"], "s3cret")
    ]
