"""What promoting one environment's workload to the next would change, from the live objects
(when the board does not read the config repository: ``overlays`` does it from there).

Between adjacent environments the difference is small and knowable: the images, the
replica count and each container's environment variables and resources. A promotion
carries the images (and what is derived from them, such as an environment variable
holding the digest); the other settings differ because each environment's overlay sets
them, and stay.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from frontend.status.objects import Obj, items, mapping, optional_number, text


@dataclass(frozen=True)
class Change:
    setting: str  # "image app", "replicas", "env app LOG_LEVEL", "resources app"
    now: str | None  # what the later environment runs now (None: not set)
    # What the earlier environment runs: what the later one would run after the promotion
    # when ``carried``; a setting that is not carried stays at ``now``.
    then: str | None
    carried: bool = True


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
    images_before = [v for k, v in before.items() if k.startswith("image ")]
    images_after = [v for k, v in after.items() if k.startswith("image ")]
    changes = []
    for key in keys:
        now, then = before.get(key), after.get(key)
        if now == then:
            continue
        # An image, or a value taken from one (the digest the image-identity transformer
        # writes into an environment variable), moves with the promotion.
        derived = _within(now, images_before) and _within(then, images_after)
        changes.append(Change(key, now, then, key.startswith("image ") or derived))
    return tuple(sorted(changes, key=lambda c: not c.carried))


def _within(value: str | None, images: list[str]) -> bool:
    return value is not None and len(value) >= 12 and any(value in image for image in images)
