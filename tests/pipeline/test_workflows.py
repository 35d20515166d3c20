"""The GitHub workflows: linted, pinned, least-privilege, and never deploying imperatively."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tools.platformkit.paths import REPO_ROOT as ROOT

WORKFLOWS = sorted((ROOT / ".github/workflows").glob("*.yaml"))
_PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


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


def test_verify_reverts_on_failure_and_checks_the_previous_version() -> None:
    steps = _load(ROOT / ".github/workflows/verify.yaml")["jobs"]["verify"]["steps"]
    names = [step.get("name", "") for step in steps]
    revert = steps[names.index("Revert the promotion")]
    assert revert["if"] == "failure() && steps.verify.outcome == 'failure'"
    assert ".venv/bin/rollback --promotion" in revert["run"]
    assert "Verify the previous version answers again" in names


def test_verify_records_every_outcome_in_git_and_summarises_the_four_keys() -> None:
    steps = _load(ROOT / ".github/workflows/verify.yaml")["jobs"]["verify"]["steps"]
    names = [step.get("name", "") for step in steps]
    assert names.index("Fetch the deployment records") < names.index(
        "Verify the promoted version answers"
    )
    record = steps[names.index("Record the outcomes in git")]
    assert record["if"].startswith("always()")
    assert '.venv/bin/delivery-record --promotion "$PROMOTION"' in record["run"]
    assert '--promotion "$PREVIOUS_PROMOTION" --verdict verified' in record["run"]
    # Each record carries the time its verify finished, not the time of this step.
    for step_id in ("verify", "again"):
        step = next(s for s in steps if s.get("id") == step_id)
        assert 'echo "at=$(date -u' in step["run"]
        assert f"steps.{step_id}.outputs.at" in str(record["env"])
    assert "push origin refs/notes/deployments" in record["run"]
    assert "--force" not in record["run"]
    assert "+refs/notes/deployments:refs/notes/deployments " not in record["run"]
    summary = steps[names.index("Summarise the four keys")]
    assert '--markdown >> "$GITHUB_STEP_SUMMARY"' in summary["run"]


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
