"""Argo CD's hook detection on generated annotations: the board's ``is_hook`` against
gitops-engine's ``hook.IsHook`` at the version Argo CD v3.2.11 resolves."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontend.status.hooks import ARGO_HOOK, HELM_HOOK, is_hook
from tests.frontend.status.differential.compare import COMPARED, DIFFERENTIAL, seeded, shown
from tests.support.oracle import Obj, Oracles

pytestmark = pytest.mark.oracle

# Pieces of hook annotations: every type Argo CD and Helm know, unknown words, spaces and
# commas, so the CSV parsing (trim, drop empty, deduplicate) is exercised.
_WORDS = st.sampled_from(
    ["PreSync", "Sync", "PostSync", "SyncFail", "Skip", "skip", "pre-install", "pre-upgrade",
     "post-install", "post-upgrade", "crd-install", "test", "", " ", "  Skip", "Skip "]
)  # fmt: skip
_VALUES = st.lists(_WORDS, max_size=4).map(",".join)


@st.composite
def _annotated(draw: st.DrawFn) -> Obj:
    annotations = {}
    if draw(st.booleans()):
        annotations[ARGO_HOOK] = draw(_VALUES)
    if draw(st.booleans()):
        annotations[HELM_HOOK] = draw(st.one_of(_VALUES, st.just("crd-install")))
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": annotations},
    }


@seeded
@DIFFERENTIAL
@given(obj=_annotated())
def test_is_hook_matches_argo_cd(oracles: Oracles, obj: Obj) -> None:
    assert is_hook(obj) == oracles.is_hook(shown(obj))
    COMPARED["Argo CD hook.IsHook"] += 1
