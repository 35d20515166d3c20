"""What a promotion would change, from the config repository: two environments' Kustomize
overlays, each at the revision Flux applied there (pure).

A promotion here rewrites only the ``digest:`` lines of an overlay's ``images:``
(docs/specs/delivery-records.md), so the images are what it carries. Everything else an
overlay sets (its patches: replicas, autoscaling, resources, configuration) differs on
purpose and stays as each environment's overlay says; the view lists those too, marked as
staying, so a reader sees the whole difference and which part moves.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from frontend.environments.changes import Change

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_COMMIT = re.compile(r"(?:^|[@:])([0-9a-f]{40}|[0-9a-f]{64})$")


class OverlayError(ValueError):
    """An overlay that cannot be read: the message names the file and what is wrong."""


@dataclass(frozen=True)
class Overlay:
    """One environment's overlay at one revision, flattened for comparison."""

    # image name (as the base's containers write it) -> what the overlay pins it to
    images: Mapping[str, str]
    # "<Kind> <name>" of each patched resource -> setting path -> value
    settings: Mapping[str, Mapping[str, str]]


def commit_of(revision: str | None) -> str | None:
    """The commit in a Flux revision (``main@sha1:<hex>``, ``sha1:<hex>``) or an Argo CD
    one (bare hex); None for anything else (an OCI digest names no commit of a repository)."""
    revision = (revision or "").strip()
    if not revision:
        return None
    match = _COMMIT.search(revision)
    if match is None or revision.startswith("sha256:") or "@sha256:" in revision:
        return None
    return match[1]


def overlay_directory(path: str) -> str:
    """A Kustomization's ``spec.path`` as a directory inside the repository
    (``./k8s/overlays/dev`` to ``k8s/overlays/dev``; empty or ``./``: the root, ``""``, as
    Flux reads it); OverlayError when it leaves the repository."""
    normal = posixpath.normpath(path.strip().lstrip("/") or ".")
    if ".." in normal.split("/"):
        raise OverlayError(f"spec.path {path!r} is not a directory inside the repository")
    return "" if normal == "." else normal


def _safe_load_all(text: str, where: str) -> list[Any]:
    """Documents with every scalar as written (``1.10`` stays ``1.10``, ``true`` stays
    ``true``): values are compared and shown, never computed with."""
    try:
        loaded = YAML(typ="base", pure=True).load_all(text)
        return [doc for doc in loaded if doc not in (None, "")]
    except YAMLError as exc:
        raise OverlayError(f"{where}: not valid YAML: {' '.join(str(exc).split())}") from exc


def _pin(entry: Mapping[str, Any]) -> str:
    """``newName@digest`` / ``newName:newTag`` as the image the overlay makes."""
    base = str(entry.get("newName") or entry.get("name"))
    if entry.get("digest"):
        return f"{base}@{entry['digest']}"
    if entry.get("newTag") is not None:
        return f"{base}:{entry['newTag']}"
    return base


def _flatten(value: Any, path: str, into: dict[str, str]) -> None:
    """Settings as ``dotted.path`` -> value; list items with a ``name`` are keyed by it
    (as a strategic merge patch merges them), others by position."""
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(inner, f"{path}.{key}" if path else str(key), into)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            named = inner.get("name") if isinstance(inner, Mapping) else None
            _flatten(inner, f"{path}[{named if named is not None else i}]", into)
    else:
        into[path] = "null" if value is None else str(value)


def _patch_files(kustomization: Mapping[str, Any], where: str) -> list[str]:
    """The overlay's own files that set something: patches (by path), strategic-merge
    patches, and resources in the overlay's directory (``../`` ones are shared)."""
    listed = {}
    for key in ("patches", "patchesStrategicMerge", "resources"):
        listed[key] = kustomization.get(key) or []
        if not isinstance(listed[key], list):
            raise OverlayError(f"{where}: {key} is {type(listed[key]).__name__}, not a list")
    files: list[str] = []
    for patch in listed["patches"]:
        if isinstance(patch, Mapping) and isinstance(patch.get("path"), str):
            files.append(patch["path"])
        elif isinstance(patch, str):
            files.append(patch)
    for key in ("patchesStrategicMerge", "resources"):
        files += [f for f in listed[key] if isinstance(f, str) and not f.startswith("../")]
    return [posixpath.normpath(f) for f in files]


def parse_overlay(files: Mapping[str, str], where: str) -> Overlay:
    """The overlay in FILES (file name in the overlay's directory -> text); WHERE names it
    in errors (``k8s/overlays/dev at 0123456789ab``)."""
    found = next((f for f in KUSTOMIZATION_FILES if f in files), None)
    if found is None:
        raise OverlayError(f"{where}: no kustomization.yaml")
    docs = _safe_load_all(files[found], f"{where}/{found}")
    if len(docs) != 1 or not isinstance(docs[0], Mapping):
        raise OverlayError(f"{where}/{found}: not one mapping")
    kustomization = docs[0]
    images = {
        str(entry["name"]): _pin(entry)
        for entry in kustomization.get("images") or ()
        if isinstance(entry, Mapping) and entry.get("name")
    }
    settings: dict[str, dict[str, str]] = {}
    for file in _patch_files(kustomization, f"{where}/{found}"):
        if file not in files:
            continue  # a directory or a file elsewhere: Kustomize's business, not a setting
        for doc in _safe_load_all(files[file], f"{where}/{file}"):
            if not isinstance(doc, Mapping):
                continue
            meta = doc.get("metadata")
            meta = meta if isinstance(meta, Mapping) else {}
            resource = f"{doc.get('kind', '?')} {meta.get('name', '?')}"
            flat = settings.setdefault(resource, {})
            for key, value in doc.items():
                if key not in ("apiVersion", "kind", "metadata"):
                    _flatten(value, str(key), flat)
    return Overlay(images, settings)


def _repository(image: str) -> str:
    """``registry/app:tag@sha256:…`` to ``registry/app``."""
    without_digest = image.partition("@")[0]
    slash = without_digest.rfind("/")
    colon = without_digest.rfind(":")
    return without_digest[:colon] if colon > slash else without_digest


def app_images(overlay: Overlay, application: str, running: Collection[str]) -> set[str]:
    """The overlay's image names that belong to APPLICATION: named after it, or pinning the
    repository one of its containers runs (RUNNING: the live workload's images)."""
    repositories = {_repository(image) for image in running}
    return {
        name
        for name, pin in overlay.images.items()
        if name == application or _repository(pin) in repositories or name in repositories
    }


def overlay_changes(
    application: str, earlier: Overlay, later: Overlay, running: Collection[str] = ()
) -> tuple[Change, ...]:
    """What LATER's overlay would change to if EARLIER's version were promoted to it: its
    images (carried), then the settings of APPLICATION's patched resources that differ
    (they stay)."""
    names = app_images(earlier, application, running) | app_images(later, application, running)
    changes = [
        Change(f"image {name}", later.images.get(name), earlier.images.get(name))
        for name in sorted(names)
        if later.images.get(name) != earlier.images.get(name)
    ]
    patched = set(earlier.settings) | set(later.settings)
    resources = sorted(r for r in patched if r.rpartition(" ")[2] == application)
    for resource in resources:
        before, after = later.settings.get(resource, {}), earlier.settings.get(resource, {})
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                # A setting each overlay makes its own: the promotion leaves it as it is.
                changes.append(
                    Change(f"{resource} {key}", before.get(key), after.get(key), carried=False)
                )
    return tuple(changes)
