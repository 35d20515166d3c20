"""Which backend pods to probe: running pods matching the selector, by pod IP (pure)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from frontend.status.objects import deleting, mapping, name, text


class Target(NamedTuple):
    """One probe target: a name for the board and the base URL to GET /meta and /readyz on."""

    name: str
    url: str


def parse_selector(selector: str) -> dict[str, str]:
    """An equality label selector ``k=v[,k=v...]`` (validated by the settings) as a dict."""
    return dict(part.split("=", 1) for part in selector.split(","))


def backend_pod_targets(
    pods: Iterable[Mapping[str, Any]], selector: str, port: int
) -> list[Target]:
    """Running, not terminating pods that match ``selector`` and have a pod IP, in input order."""
    wanted = parse_selector(selector)
    targets = []
    for pod in pods:
        ip = text(pod, "status", "podIP")
        # As in Kubernetes, k=v needs the label to exist, even when v is empty.
        labels = mapping(pod, "metadata", "labels")
        if (
            ip
            and text(pod, "status", "phase") == "Running"
            and not deleting(pod)
            and all(labels.get(key) == value for key, value in wanted.items())
        ):
            host = f"[{ip}]" if ":" in ip else ip  # an IPv6 literal needs brackets in a URL
            targets.append(Target(name(pod), f"http://{host}:{port}"))
    return targets
