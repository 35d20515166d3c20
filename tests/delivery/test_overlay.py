from __future__ import annotations

import pytest

from delivery.overlay import Change, OverlayError, set_digests
from tests.delivery.gitrepo import OVERLAY

NEW = "sha256:" + "2" * 64


def test_digest_is_replaced_and_comments_survive() -> None:
    text, changes = set_digests(OVERLAY, {"backend": NEW})
    assert changes == [Change("backend", "sha256:" + "1" * 64, NEW)]
    assert f"digest: {NEW}  # promoted" in text
    assert text.startswith("# dev overlay: promotion rewrites only the digests below\n")
    assert text.replace(NEW, "sha256:" + "1" * 64) == OVERLAY


def test_tag_is_dropped_when_a_digest_pins_the_image() -> None:
    text, changes = set_digests(OVERLAY, {"frontend": NEW})
    assert changes == [Change("frontend", None, NEW)]
    assert "newTag" not in text
    assert f"    digest: {NEW}\n" in text


def test_same_digest_is_no_change() -> None:
    text, changes = set_digests(OVERLAY, {"backend": "sha256:" + "1" * 64})
    assert changes == []
    assert text == OVERLAY


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (OVERLAY, "image 'cache' is not listed under images: (listed: backend, frontend)"),
        ("kind: Kustomization\nresources: [../../base]\n", "has no images: list"),
        ("images: [unclosed\n", "not valid YAML"),
    ],
)
def test_overlay_problems_are_named(text: str, message: str) -> None:
    with pytest.raises(OverlayError, match=message.replace("(", r"\(").replace(")", r"\)")):
        set_digests(text, {"cache": NEW}, "k8s/overlays/dev/kustomization.yaml")
