"""A real frontend process watching the real control plane, and ways to read what it shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.kube import token_kubeconfig
from tools.platformkit.processes import DEAD_BACKEND, ServiceProcess, frontend_process

Json = dict[str, Any]


@contextmanager
def board(
    kubeconfig: Path, namespace: str, *, ready: bool = True, **env: str
) -> Iterator[ServiceProcess]:
    """Start the frontend on KUBECONFIG/NAMESPACE, wait until its cache synced (or, unless
    READY, until it serves), stop it after."""
    settings = {
        "FRONTEND_KUBECONFIG": str(kubeconfig),
        "FRONTEND_NAMESPACES": namespace,
        "FRONTEND_BACKEND_URL": DEAD_BACKEND,
        "FRONTEND_BACKOFF_MAX_SECONDS": "1",
        "FRONTEND_BATCH_INTERVAL_MS": "100",
        "FRONTEND_LOG_LEVEL": "debug",
    }
    proc = frontend_process({**settings, **env}).start()
    try:
        proc.wait_until("/readyz" if ready else "/healthz", timeout=60)
        yield proc
    finally:
        proc.stop()


def status(board: ServiceProcess | str) -> Json:
    """The board's ``/api/v1/status``; BOARD is its process or its base URL."""
    url = board if isinstance(board, str) else board.url
    body: Json = httpx.get(url + "/api/v1/status", timeout=5).json()
    return body


def card(body: Json, name: str) -> Json | None:
    for group in body["namespaces"]:
        for entry in group["deployments"]:
            if entry["deployment"]["name"] == name:
                found: Json = entry["deployment"]
                return found
    return None


def kubeconfig_for_token(cp: ControlPlane, token: str, path: Path) -> Path:
    """A kubeconfig that authenticates with a ServiceAccount token (not the admin cert)."""
    return token_kubeconfig(cp.server, cp.pki.ca_crt, token, path)


def audit_requests(cp: ControlPlane, pid: int, since: float) -> list[Json]:
    """Requests the frontend process PID made since the wall-clock time SINCE (one per auditID)."""
    marker = f"pid {pid})"
    seen: dict[str, Json] = {}
    with cp.audit_log.open() as log:
        for line in log:
            if marker not in line:
                continue
            entry: Json = json.loads(line)
            if not entry.get("userAgent", "").endswith(marker):
                continue
            when = datetime.fromisoformat(entry["requestReceivedTimestamp"]).timestamp()
            if when >= since:
                seen.setdefault(entry["auditID"], entry)
    return list(seen.values())
