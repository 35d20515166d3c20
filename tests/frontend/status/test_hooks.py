"""Argo CD's ``hook.IsHook`` (docs/specs/rollout-semantics.md, hooks and the restart-policy
annotation); the differential tier compares it with gitops-engine itself."""

from __future__ import annotations

import pytest

from frontend.status.hooks import is_hook


def _annotated(**annotations: str) -> dict[str, object]:
    keys = {"argo": "argocd.argoproj.io/hook", "helm": "helm.sh/hook"}
    return {"metadata": {"annotations": {keys[k]: v for k, v in annotations.items()}}}


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param({}, False, id="no-annotations"),
        pytest.param(_annotated(argo="PreSync"), True, id="argo-presync"),
        # Found by the differential tier: the board called an empty value no hook.
        pytest.param(_annotated(argo=""), True, id="argo-empty-value-is-a-hook"),
        pytest.param(_annotated(argo="Skip"), False, id="argo-skip"),
        pytest.param(_annotated(argo=" Skip "), False, id="argo-skip-trimmed"),
        pytest.param(_annotated(argo="Skip,Skip"), False, id="argo-skip-deduplicated"),
        pytest.param(_annotated(argo="Skip,PreSync"), True, id="argo-skip-with-another-type"),
        pytest.param(_annotated(argo="Skip,garbage"), False, id="argo-unknown-types-dropped"),
        pytest.param(_annotated(argo="garbage"), True, id="argo-unknown-type-is-still-a-hook"),
        pytest.param(_annotated(argo="", helm="pre-install"), True, id="argo-empty-beside-helm"),
        pytest.param(_annotated(helm="pre-install"), True, id="helm-hook"),
        pytest.param(_annotated(helm=""), True, id="helm-empty-value-is-a-hook"),
        pytest.param(_annotated(helm="crd-install"), False, id="helm-crd-install-is-no-hook"),
        pytest.param(
            _annotated(helm="crd-install,pre-install"), True, id="helm-crd-install-only-exactly"
        ),
        pytest.param(_annotated(argo="Skip", helm="pre-install"), False, id="argo-wins-over-helm"),
    ],
)
def test_is_hook_follows_gitops_engine(obj: dict[str, object], expected: bool) -> None:
    assert is_hook(obj) is expected
