"""Rewrite image digests in a kustomization.yaml, preserving its comments and layout."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError


class OverlayError(ValueError):
    """The overlay cannot take the promotion (missing image entry, unreadable YAML)."""


@dataclass(frozen=True)
class Change:
    image: str
    old: str | None
    new: str


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode keeps comments, order and quoting
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def set_digests(
    text: str, digests: dict[str, str], source: str = "kustomization.yaml"
) -> tuple[str, list[Change]]:
    """Return the new text and the changes; unchanged images are left out of the list."""
    yaml = _yaml()
    try:
        doc: Any = yaml.load(text)
    except YAMLError as exc:
        raise OverlayError(f"{source}: not valid YAML: {exc}") from exc
    images = doc.get("images") if isinstance(doc, dict) else None
    if not isinstance(images, list):
        raise OverlayError(f"{source}: has no images: list to promote into")
    entries = {entry.get("name"): entry for entry in images if isinstance(entry, dict)}
    changes: list[Change] = []
    for image, digest in digests.items():
        entry = entries.get(image)
        if entry is None:
            listed = ", ".join(sorted(str(n) for n in entries)) or "none"
            raise OverlayError(
                f"{source}: image {image!r} is not listed under images: (listed: {listed})"
            )
        old = entry.get("digest")
        # A digest is the pin; a leftover tag would only mislead a reader.
        if "newTag" in entry:
            del entry["newTag"]
        if old != digest:
            entry["digest"] = digest
            changes.append(Change(image, old, digest))
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue(), changes


def read_digests(text: str, source: str = "kustomization.yaml") -> dict[str, str]:
    """Image name -> digest for every digest-pinned entry under ``images:``."""
    try:
        doc: Any = _yaml().load(text)
    except YAMLError as exc:
        raise OverlayError(f"{source}: not valid YAML: {exc}") from exc
    images = doc.get("images") if isinstance(doc, dict) else None
    return {
        str(entry["name"]): str(entry["digest"])
        for entry in images or []
        if isinstance(entry, dict) and entry.get("name") and entry.get("digest")
    }
