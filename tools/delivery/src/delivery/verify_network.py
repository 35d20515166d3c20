"""The network side of ``verify``: /meta answers, EndpointSlices and the board's status.

The only module of ``verify`` that does I/O; ``convergence`` judges what it brings.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any

import httpx

from delivery.convergence import Answer


def new_client(timeout: float) -> httpx.Client:
    # No keep-alive: Services balance per connection, so reusing one would keep
    # asking the same pod and prove nothing about the others.
    return httpx.Client(
        timeout=timeout,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"user-agent": "gitops-platform-verify/1", "connection": "close"},
        follow_redirects=False,
    )


def fetch_meta(client: httpx.Client, url: str) -> Answer:
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        return Answer(target=url, error=f"{type(exc).__name__}: {exc}".rstrip(": "))
    if response.status_code != 200:
        return Answer(target=url, status=response.status_code)
    content_type = response.headers.get("content-type") or "no content type"
    try:
        body = response.json()
    except ValueError:
        return Answer(target=url, status=200, not_meta=f"{content_type}, not JSON")
    # A /meta document always has git_sha (null when the build did not bake one in).
    if not isinstance(body, dict) or "git_sha" not in body:
        return Answer(target=url, status=200, not_meta=f"{content_type}, JSON without git_sha")
    image = body.get("image")
    return Answer(
        target=url,
        status=200,
        git_sha=body.get("git_sha"),
        image_digest=image.get("digest") if isinstance(image, dict) else None,
        version=body.get("version"),
        ready=body.get("ready"),
    )


@dataclass(frozen=True)
class ServiceRef:
    namespace: str
    name: str
    port: int
    kubeconfig: str | None
    kubectl: str


def _kubectl_get(service: ServiceRef, *args: str) -> Any:
    argv = [service.kubectl]
    if service.kubeconfig:
        argv += ["--kubeconfig", service.kubeconfig]
    argv += ["get", "-n", service.namespace, *args, "-o", "json"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip() or f"kubectl exited {result.returncode}")
    return json.loads(result.stdout)


def ready_endpoint_urls(service: ServiceRef, path: str = "/meta") -> list[str]:
    """URLs of every ready endpoint of the Service, read from its EndpointSlices."""
    slices = _kubectl_get(
        service, "endpointslices", "-l", f"kubernetes.io/service-name={service.name}"
    )
    urls = []
    for item in slices.get("items", []):
        for endpoint in item.get("endpoints") or []:
            # A missing "ready" means ready, per the EndpointSlice API.
            if (endpoint.get("conditions") or {}).get("ready", True) is False:
                continue
            for address in endpoint.get("addresses") or []:
                host = f"[{address}]" if ":" in address else address
                urls.append(f"http://{host}:{service.port}{path}")
    return sorted(set(urls))


def rollout_objects(service: ServiceRef, deployment: str) -> tuple[Any, list[Any], list[Any]]:
    """The Deployment, its namespace's pods and Warning events (what ``rollout_evidence``
    judges), read with the same kubectl and identity as the endpoints."""
    found = _kubectl_get(service, "deployment", deployment)
    pods = _kubectl_get(service, "pods").get("items", [])
    events = _kubectl_get(service, "events", "--field-selector", "type=Warning").get("items", [])
    return found, pods, events


@dataclass(frozen=True)
class BoardVerdict:
    found: bool
    done: bool
    health: str | None
    message: str


def board_verdict(client: httpx.Client, status_url: str, namespace: str, name: str) -> BoardVerdict:
    """Ask the status board how it judges the Deployment's rollout."""
    try:
        response = client.get(status_url)
        response.raise_for_status()
        body: Any = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        return BoardVerdict(False, False, None, f"status API unavailable: {exc}")
    for card in _deployments(body):
        if card.get("namespace") == namespace and card.get("name") == name:
            health = card.get("health") or {}
            rollout = card.get("rollout") or {}
            return BoardVerdict(
                True,
                bool(rollout.get("done")),
                health.get("code"),
                str(rollout.get("message") or health.get("message") or ""),
            )
    return BoardVerdict(False, False, None, f"deployment {namespace}/{name} not on the board")


def _deployments(body: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(body, dict):
        if isinstance(body.get("deployments"), list):
            for entry in body["deployments"]:
                # Status v1 wraps each card: {"deployment": {...}, "gitops": [...]}.
                card = entry.get("deployment", entry) if isinstance(entry, dict) else None
                if isinstance(card, dict):
                    found.append(card)
        for value in body.values():
            if isinstance(value, (dict, list)):
                found.extend(_deployments(value))
    elif isinstance(body, list):
        for value in body:
            found.extend(_deployments(value))
    return found
