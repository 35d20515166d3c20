"""pipeline, the command: arguments, exit codes and outputs (in-process, on real repos)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from delivery import verify_cli
from delivery.git import run as git
from delivery.pipeline import cli, images, remote, steps
from tests.delivery.pipeline.configrepo import (
    Config,
    add_record,
    digest,
    head,
    identify,
    note_lines,
    record_line,
    source,
)

S1, S2 = source("1"), source("2")
D1, D2 = digest("1"), digest("2")


@pytest.fixture(autouse=True)
def outside_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_OUTPUT", "GH_TOKEN", "REGISTRY_USER", "REGISTRY_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: step"),
        (["deploy"], "argument step: invalid choice: 'deploy'"),
        (["build", "--registry", "r"], "the following arguments are required: --sha"),
        (["build", "--sha", "abc", "--registry", "r"], "--sha: must be a full 40-character"),
        (["promote", "--env", "Dev"], "--env: not an environment name: 'Dev'"),
        (["promote", "--env", "dev", "--image", "backend=sha256:12"],
         "--image: digest for 'backend' must look like sha256:<64 hex>"),
        (["promote", "--env", "dev", "--gate", "manual"], "--gate: invalid choice: 'manual'"),
        (["verify", "--promotion", "HEAD"], "--promotion: must be a full 40-character"),
        (["verify", "--promotion", S1, "--consecutive", "many"], "--consecutive: invalid int"),
        (["plan", "--source-head", "main"], "--source-head: must be a full 40-character"),
    ],
)  # fmt: skip
def test_bad_input_exits_3_with_one_line_naming_the_argument(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 3
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert err.startswith("pipeline")


def test_plan_prints_where_each_environment_stands_as_json(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["promote", "--repo", str(config.work), "--env", "dev",
                     "--image", f"backend={D1}", "--source-sha", S1]) == 0  # fmt: skip
    promotion = head(config.work)
    add_record(config.work, promotion, record_line("dev", "verified", S1, D1))
    capsys.readouterr()
    assert cli.main(["plan", "--repo", str(config.work), "--source-head", S2]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [env["name"] for env in doc["environments"]] == ["dev", "staging", "prod"]
    dev = doc["environments"][0]
    assert (dev["promotion"], dev["source_sha"], dev["verdict"]) == (promotion, S1, "verified")
    assert (dev["tried"], dev["failed"]) == ([S1], [])
    assert dev["digests"]["backend"] == D1
    assert doc["next"] | {"why": ""} == {
        "action": "build", "env": "dev", "promotion": None, "source_sha": S2,
        "from_env": None, "why": "",
    }  # fmt: skip

    assert cli.main(["plan", "--repo", str(config.work), "--chain", "dev,staging"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["environments"]) == 2
    assert (doc["next"]["action"], doc["next"]["env"]) == ("promote", "staging")


def test_promote_writes_the_commit_to_github_output(
    config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    output = tmp_path / "github-output"
    output.write_text("earlier=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    assert cli.main(["promote", "--repo", str(config.work / "k8s"), "--env", "dev", "--image",
                     f"backend={D1}", "--image", "frontend=", "--source-sha", S1]) == 0  # fmt: skip
    promotion = head(config.work)
    assert capsys.readouterr().out == f"promotion-sha={promotion}\n"
    assert output.read_text() == f"earlier=1\npromotion-sha={promotion}\n"
    assert (
        git(config.work, "log", "-1", "--format=%s") == f"deploy(dev): promote backend to {S1[:12]}"
    )


def test_promote_needs_images_and_a_source_without_from(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["promote", "--repo", str(config.work), "--env", "dev",
                     "--image", "frontend=", "--source-sha", S1]) == steps.REFUSED  # fmt: skip
    assert capsys.readouterr().err == (
        "pipeline promote: --image and --source-sha are needed without --from\n"
    )


def test_promote_from_refuses_when_the_version_is_not_verified(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["promote", "--repo", str(config.work), "--env", "dev",
                     "--image", f"backend={D1}", "--source-sha", S1]) == 0  # fmt: skip
    before = head(config.work)
    capsys.readouterr()
    argv = ["promote", "--repo", str(config.work), "--env", "staging", "--from", "dev"]
    assert cli.main(argv) == steps.REFUSED
    assert capsys.readouterr().err == (
        f"pipeline promote: dev's version is not verified (dev: {S1[:12]} (not verified yet)); "
        "nothing goes to staging\n"
    )
    assert head(config.work) == before
    add_record(config.work, before, record_line("dev", "verified", S1, D1))
    assert cli.main(argv) == 0
    assert capsys.readouterr().out == f"promotion-sha={head(config.work)}\n"


def test_promote_push_authenticates_and_pushes(
    config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    authenticated: list[bool] = []

    def authenticate() -> bool:
        authenticated.append(True)
        return True

    monkeypatch.setattr(remote, "authenticate_from_env", authenticate)
    assert cli.main(["promote", "--repo", str(config.work), "--push", "--env", "dev",
                     "--image", f"backend={D1}", "--source-sha", S1]) == 0  # fmt: skip
    assert authenticated == [True]
    assert capsys.readouterr().out == f"promotion-sha={head(config.origin, 'main')}\n"


@pytest.mark.parametrize(
    ("outcomes", "code", "result"),
    [([0], 0, "verified"), ([1, 0], 1, "restored"), ([1, 1], 2, "not-restored"),
     ([3], 3, "bad-input"), ([4], 6, "not-delivered")],
)  # fmt: skip
def test_verify_says_how_it_ended(
    config: Config, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    outcomes: list[int], code: int, result: str,
) -> None:  # fmt: skip
    for sha, dig in ((S1, D1), (S2, D2)):
        assert cli.main(["promote", "--repo", str(config.work), "--env", "dev",
                         "--image", f"backend={dig}", "--source-sha", sha]) == 0  # fmt: skip
    promotion = head(config.work)
    calls: list[list[str] | None] = []

    def verify_main(argv: list[str] | None = None, stop: object = None) -> int:
        assert stop is not None  # the pipeline asks whether it was superseded meanwhile
        calls.append(argv)
        return outcomes[len(calls) - 1]

    monkeypatch.setattr(verify_cli, "main", verify_main)
    capsys.readouterr()
    assert cli.main(["verify", "--repo", str(config.work), "--promotion", promotion,
                     "--kubeconfig", "/k", "--judge-rollout", "--consecutive", "2",
                     "--run", "https://ci/run/7"]) == code  # fmt: skip
    assert capsys.readouterr().out == f"result={result}\n"
    assert calls[0] is not None
    assert "--judge-rollout" in calls[0]
    assert len(calls) == len(outcomes)
    if code in (3, 6):  # no verdict: nothing recorded
        assert note_lines(config.work, promotion) == []
    else:
        assert "https://ci/run/7" in note_lines(config.work, promotion)[0]


def build_context(tmp_path: Path, script: str) -> tuple[Path, str, str]:
    """A source tree with a fake build.sh, as two commits (the second touches the backend)."""
    context = tmp_path / "source"
    (context / "tools/images").mkdir(parents=True)
    (context / "tools/images/build.sh").write_text(script)
    git(context, "init", "-q", "-b", "main")
    identify(context)
    git(context, "add", "-A")
    git(context, "commit", "-qm", "one")
    since = git(context, "rev-parse", "HEAD")
    (context / "services/backend").mkdir(parents=True)
    (context / "services/backend/app.py").write_text("app\n")
    git(context, "add", "-A")
    git(context, "commit", "-qm", "two")
    return context, since, git(context, "rev-parse", "HEAD")


def test_build_since_the_last_build_skips_an_unchanged_frontend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    context, since, sha = build_context(tmp_path, '#!/usr/bin/env bash\necho "built $1 $VERSION"\n')
    pushed: list[str] = []

    def push(_local: str, target: str, tls_verify: bool = True) -> str:
        pushed.append(f"{target} tls={tls_verify}")
        return D1

    monkeypatch.setattr(images, "push", push)
    assert cli.main(["build", "--context", str(context), "--sha", sha, "--since", since,
                     "--registry", "r.example", "--insecure-registry"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert out == f"backend-digest={D1}\nfrontend-digest=\n"
    assert err == f"pipeline: built backend {sha[:12]}\n"
    assert pushed == [f"r.example/gitops-platform-backend:{sha} tls=False"]


def test_build_of_every_service_without_since(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    context, _, sha = build_context(tmp_path, '#!/usr/bin/env bash\necho "built $1 $VERSION"\n')
    monkeypatch.setattr(images, "push", lambda *_args: D2)
    assert cli.main(["build", "--context", str(context), "--sha", sha, "--version", "1.0.0",
                     "--registry", "r.example"]) == 0  # fmt: skip
    out, err = capsys.readouterr()
    assert out == f"backend-digest={D2}\nfrontend-digest={D2}\n"
    assert err == "pipeline: built backend 1.0.0\npipeline: built frontend 1.0.0\n"


def test_a_failed_build_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    context, _, sha = build_context(tmp_path, "#!/usr/bin/env bash\necho 'no space' >&2\nexit 1\n")
    assert cli.main(["build", "--context", str(context), "--sha", sha,
                     "--registry", "r.example"]) == steps.REFUSED  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("pipeline build: bash ")
    assert err.endswith("exited 1:\nno space\n")
