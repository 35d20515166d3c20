"""What promoting one environment's workload to the next would change, from the live objects.

Between adjacent environments the difference is small and knowable: the images, the
replica count and each container's environment variables and resources. A setting the
overlays make differ on purpose shows up too; that is what a promotion would carry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from frontend.status.objects import Obj, items, mapping, optional_number, text


@dataclass(frozen=True)
class Change:
    setting: str  # "image app", "replicas", "env app LOG_LEVEL", "resources app"
    now: str | None  # what the later environment runs now (None: not set)
    then: str | None  # what it would run after the promotion


def _compact(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _env(container: Obj) -> dict[str, str]:
    found = {}
    for var in items(container, "env"):
        value = var.get("value")
        found[text(var, "name")] = (
            value if isinstance(value, str) else _compact(var.get("valueFrom"))
        )
    return found


def settings(workload: Obj) -> dict[str, str]:
    """The promotable settings of a workload, flattened to named strings."""
    flat: dict[str, str] = {}
    replicas = optional_number(workload, "spec", "replicas")
    if replicas is not None:
        flat["replicas"] = str(replicas)
    spec = mapping(workload, "spec", "template", "spec")
    for key, label in (("initContainers", "init "), ("containers", "")):
        for container in items(spec, key):
            who = label + text(container, "name")
            flat[f"image {who}"] = text(container, "image")
            for var, value in _env(container).items():
                flat[f"env {who} {var}"] = value
            resources = mapping(container, "resources")
            if resources:
                flat[f"resources {who}"] = _compact(resources)
    return flat


def promotion_changes(earlier: Obj | None, later: Obj | None) -> tuple[Change, ...]:
    """What LATER would change to if EARLIER's workload were promoted to it; images first."""
    before = settings(later) if later is not None else {}
    after = settings(earlier) if earlier is not None else {}
    keys = sorted(set(before) | set(after), key=lambda k: (not k.startswith("image "), k))
    return tuple(
        Change(key, before.get(key), after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    )
