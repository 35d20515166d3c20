"""The GitHub workflows: linted, pinned, least-privilege, and never deploying imperatively."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from delivery.pipeline.cli import build_parser
from tools.platformkit.paths import REPO_ROOT as ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yaml"))
_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
# The delivery workflows hold no logic of their own: each run: line is one of these
# calls (the steps live in `pipeline`, docs/pipeline.md, and the local runner calls
# the same ones). ci.yaml and infra.yaml run the project's own make targets and tofu.
DELIVERY = ("images.yaml", "promote.yaml", "verify.yaml")
ALLOWED = ("make venv", ".venv/bin/pipeline ", ".venv/bin/delivery-metrics ", "cosign sign ")
_SUMMARY = ' >> "$GITHUB_STEP_SUMMARY"'
_SHELL = re.compile(r"[;&|<>`]|\$\(|\$\{\{")  # sequencing, pipes, redirection, substitution
_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = YAML(typ="safe").load(path.read_text())
    return data


@pytest.fixture(scope="module")
def actionlint() -> str:
    if shutil.which("go") is None and not list(
        Path.home().glob(".cache/gitops-platform/tools/actionlint-*/actionlint")
    ):
        message = "actionlint needs Go to build (tools/pipeline/actionlint.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {message}")
        pytest.skip(f"SKIPPED LOUDLY: {message}")
    result = subprocess.run(
        [str(ROOT / "tools/pipeline/actionlint.sh")], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_the_five_workflows_exist() -> None:
    names = [p.name for p in WORKFLOWS]
    assert names == ["ci.yaml", "images.yaml", "infra.yaml", "promote.yaml", "verify.yaml"]


def test_actionlint_is_clean(actionlint: str) -> None:
    result = subprocess.run(
        [actionlint, "-color=false"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_auditor_persona_is_clean() -> None:
    zizmor = ROOT / ".venv/bin/zizmor"
    result = subprocess.run(
        [str(zizmor), "--offline", "--persona=auditor", "--no-progress", ".github/workflows"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_full_commit_sha(path: Path) -> None:
    for line in path.read_text().splitlines():
        match = re.match(r"^\s*(?:-\s+)?uses:\s+(\S+)(.*)$", line)
        if match is None or match.group(1).startswith("./"):
            continue
        assert _PINNED.match(match.group(1)), line
        assert re.search(r"# v\d+\.\d+\.\d+", match.group(2)), f"no version comment: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_timeouts_and_concurrency(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}, "default to no permissions; jobs widen them"
    assert "group" in workflow["concurrency"]
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: job must state its permissions"
        if "uses" not in job:  # reusable-workflow calls take the callee's timeouts
            assert 0 < job["timeout-minutes"] <= 90, name


def test_nothing_applies_to_a_cluster() -> None:
    for path in WORKFLOWS:
        text = path.read_text()
        assert "kubectl apply" not in text
        assert "kubectl create" not in text
        assert "helm install" not in text


def test_promotion_commits_do_not_rebuild_images() -> None:
    trigger = _load(ROOT / ".github/workflows/images.yaml")["on"]["push"]
    assert "k8s/**" in trigger["paths-ignore"]


def _run_lines(path: Path) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(job:step name, the env the step sees, one non-empty line) for every run: line."""
    workflow = _load(path)
    for job_name, job in workflow["jobs"].items():
        for index, step in enumerate(job.get("steps", [])):
            if "run" not in step:
                continue
            name = f"{job_name}: {step.get('name') or step.get('id') or f'step {index + 1}'}"
            env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
            for line in str(step["run"]).splitlines():
                if line.strip():
                    yield name, env, line.strip()


@pytest.mark.parametrize("name", DELIVERY)
def test_every_run_line_is_one_allowed_step_call(name: str) -> None:
    lines = list(_run_lines(ROOT / ".github/workflows" / name))
    assert lines, f"{name}: no run: lines at all"
    for step, _, line in lines:
        where = f"{name}, step {step!r}, line {line!r}"
        assert line == "make venv" or line.startswith(ALLOWED[1:]), (
            f"{where}: not one of the allowed step calls {ALLOWED}; put the logic in "
            "`pipeline` (tools/delivery/src/delivery/pipeline) and call it"
        )
        bare = line.removesuffix(_SUMMARY) if "delivery-metrics" in line else line
        assert not _SHELL.search(bare), f"{where}: shell logic or ${{{{ }}}} in a run: line"


def _dummy(var: str) -> str:
    """A valid value for an environment variable, judged by its name."""
    if var.endswith("DIGEST"):
        return "sha256:" + "ab" * 32
    if var.endswith(("SHA", "PROMOTION")):
        return "0123456789abcdef0123456789abcdef01234567"
    if var.endswith("URL"):
        return "https://example.test/{env}/meta"
    if var.endswith("ENV") or var == "ENVIRONMENT":
        return "dev"
    if var == "GATE":
        return "pull-request"
    return var.lower()


def _pipeline_calls() -> Iterator[tuple[str, dict[str, Any], str]]:
    for name in DELIVERY:
        for step, env, line in _run_lines(ROOT / ".github/workflows" / name):
            if line.startswith(".venv/bin/pipeline "):
                yield f"{name}, step {step!r}", env, line


def test_every_pipeline_call_parses_with_the_real_cli() -> None:
    parser = build_parser()
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    used = set()
    for where, env, line in _pipeline_calls():
        for var in _VAR.findall(line):
            assert var in env or var.startswith("GITHUB_"), f"{where}: ${var} is not in env:"
        argv = shlex.split(_VAR.sub(lambda m: _dummy(m.group(1)), line))[1:]
        assert argv[0] in subs.choices, f"{where}: `pipeline {argv[0]}` is not a step: {line}"
        used.add(argv[0])
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                parser.parse_args(argv)
        except SystemExit as exc:
            pytest.fail(f"{where}: pipeline exits {exc.code} on {line}: {stderr.getvalue()}")
    assert used == {"build", "promote", "verify"}, used


def test_verify_is_one_pipeline_step_that_reverts_and_records_itself() -> None:
    job = _load(ROOT / ".github/workflows/verify.yaml")["jobs"]["verify"]
    step = next(s for s in job["steps"] if s.get("id") == "verify")
    argv = shlex.split(step["run"])
    assert argv[:2] == [".venv/bin/pipeline", "verify"]
    assert {"--push", "--run", "--url", "--status-url"} <= set(argv)
    assert step["env"]["PROMOTION"] == "${{ inputs.promotion-sha || github.sha }}"
    assert job["outputs"]["result"] == "${{ steps.verify.outputs.result }}"
    summary = job["steps"][-1]
    assert summary["run"].endswith('--markdown >> "$GITHUB_STEP_SUMMARY"')
    assert summary["if"].startswith("always()")


def test_a_verified_environment_proposes_the_next_and_prod_proposes_nothing() -> None:
    jobs = _load(ROOT / ".github/workflows/verify.yaml")["jobs"]
    propose = jobs["propose"]
    assert propose["needs"] == "verify"
    condition = " ".join(propose["if"].split())
    assert "needs.verify.outputs.result == 'verified'" in condition
    assert "== 'dev'" in condition
    assert "== 'staging'" in condition
    assert "prod" not in condition
    step = next(s for s in propose["steps"] if s.get("name") == "Propose the next environment")
    argv = shlex.split(step["run"])
    assert argv[:2] == [".venv/bin/pipeline", "promote"]
    assert argv[argv.index("--gate") + 1] == "pull-request"
    assert "--push" in argv
    assert step["env"]["NEXT_ENV"] == (
        "${{ needs.verify.outputs.environment == 'dev' && 'staging' || 'prod' }}"
    )


def test_promote_pushes_dev_and_opens_pull_requests_for_the_rest() -> None:
    step = next(
        s
        for s in _load(ROOT / ".github/workflows/promote.yaml")["jobs"]["promote"]["steps"]
        if s.get("id") == "commit"
    )
    assert step["env"]["GATE"] == "${{ inputs.environment == 'dev' && 'auto' || 'pull-request' }}"
    argv = shlex.split(step["run"])
    assert argv[:2] == [".venv/bin/pipeline", "promote"]
    assert "--push" in argv


def test_infra_checks_every_change_and_only_plans_on_a_schedule() -> None:
    workflow = _load(ROOT / ".github/workflows/infra.yaml")
    assert "infra/**" in workflow["on"]["pull_request"]["paths"]
    assert workflow["on"]["schedule"]
    assert workflow["jobs"]["check"]["steps"][-1]["run"] == "make infra-check"
    drift = workflow["jobs"]["drift"]
    assert drift["strategy"]["matrix"]["environment"] == ["dev", "staging", "prod"]
    plan = drift["steps"][-1]["run"]
    assert "plan -input=false -lock=false -detailed-exitcode" in plan
    text = (ROOT / ".github/workflows/infra.yaml").read_text()
    assert " apply" not in text.replace("apply is a", "")
