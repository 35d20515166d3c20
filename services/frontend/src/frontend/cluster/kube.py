"""Kubernetes API access: the only module that imports the official ``kubernetes`` client.

It loads the connection (in-cluster, then ``FRONTEND_KUBECONFIG``, then none) and
performs raw JSON GETs (lists, watch streams, discovery) with a distinctive user
agent, so the apiserver's audit log can count exactly what the board costs.
The list/watch semantics live in ``frontend.cluster.watch``; orchestration in
``frontend.cluster.watch_cache``.
"""

from __future__ import annotations

import copy
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.watch.watch import iter_resp_lines

from frontend.cluster.kinds import Kind
from frontend.cluster.snapshot import Json
from frontend.cluster.watch import HttpError
from frontend.settings import Settings

log = logging.getLogger(__name__)

# Distinctive per process, so the apiserver's audit log attributes every request exactly.
USER_AGENT = f"gitops-platform-frontend/0.1 (status-board watch cache; pid {os.getpid()})"
_SA_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")

Query = list[tuple[str, Any]]
# /readyz?verbose lists a line per check: a few KiB at most; more is not a check list.
_READYZ_BYTES = 16384


def load_config(settings: Settings) -> tuple[client.Configuration | None, str, str]:
    """In-cluster, then FRONTEND_KUBECONFIG, then none: (configuration, source, namespace)."""
    cfg = client.Configuration()
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        try:
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            namespace = _SA_NAMESPACE.read_text().strip() if _SA_NAMESPACE.exists() else "default"
            return cfg, "in-cluster service account", namespace
        except config.ConfigException as exc:
            log.warning("in-cluster config unusable", extra={"error": str(exc)})
    if settings.kubeconfig is not None:
        path = str(settings.kubeconfig)
        config.load_kube_config(config_file=path, client_configuration=cfg)  # type: ignore[no-untyped-call]
        _, active = config.list_kube_config_contexts(config_file=path)  # type: ignore[no-untyped-call]
        namespace = (active or {}).get("context", {}).get("namespace") or "default"
        return cfg, f"kubeconfig {settings.kubeconfig}", namespace
    return None, "none", "default"


class WatchResponse:
    """An open watch stream: iterate its lines; ``shutdown()`` unblocks a reader."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def lines(self) -> Iterator[str]:
        for line in iter_resp_lines(self._raw):  # type: ignore[no-untyped-call]
            if line:
                yield line

    def shutdown(self) -> None:
        self._raw.shutdown()

    def close(self) -> None:
        self._raw.release_conn()


class KubeApi:
    """Raw JSON GETs through the official client (auth, TLS, proxies from its config)."""

    def __init__(self, cfg: client.Configuration, pool: int) -> None:
        cfg.connection_pool_maxsize = pool
        self.server: str = cfg.host
        self.client = client.ApiClient(configuration=cfg)
        self.client.user_agent = USER_AGENT
        # The health check gets one attempt per round: urllib3's retries would turn a
        # 5 s timeout into 20 s before a hung apiserver is noticed.
        once = copy.copy(cfg)
        once.retries = False
        once.connection_pool_maxsize = 1
        self._check = client.ApiClient(configuration=once)
        self._check.user_agent = USER_AGENT

    def version(self, timeout: float) -> Json:
        """``GET /version`` with a single attempt: the apiserver's cheapest answer."""
        method, url, headers, _, _ = self._check.param_serialize(
            "GET", "/version", header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )  # fmt: skip
        resp = self._check.call_api(method, url, header_params=headers,
                                    _request_timeout=(timeout, timeout))  # fmt: skip
        if not 200 <= resp.status <= 299:
            raise HttpError(resp.status, f"GET /version: HTTP {resp.status}")
        data: Json = json.loads(resp.response.data)
        return data

    def readyz(self, timeout: float) -> tuple[int, str]:
        """``GET /readyz?verbose`` with a single attempt: the status and the check list,
        whatever the status (a failing check answers 500)."""
        method, url, headers, _, _ = self._check.param_serialize(
            "GET", "/readyz", query_params=[("verbose", "true")],
            header_params={"Accept": "text/plain"}, auth_settings=["BearerToken"],
        )  # fmt: skip
        resp = self._check.call_api(method, url, header_params=headers,
                                    _request_timeout=(timeout, timeout))  # fmt: skip
        return resp.status, resp.response.data[:_READYZ_BYTES].decode(errors="replace")

    def _open(self, path: str, query: Query, timeout: tuple[float, float]) -> Any:
        method, url, headers, _, _ = self.client.param_serialize(
            "GET",
            path,
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        resp = self.client.call_api(method, url, header_params=headers, _request_timeout=timeout)
        raw = resp.response
        if not 200 <= resp.status <= 299:
            try:
                message = str(json.loads(raw.data).get("message", ""))
            except ValueError:
                message = raw.data[:200].decode(errors="replace")
            raise HttpError(resp.status, message)
        return raw

    def get(self, path: str, query: Query, timeout: float = 30) -> Json:
        data: Json = json.loads(self._open(path, query, (5.0, timeout)).data)
        return data

    def watch(self, path: str, query: Query, timeout: float) -> WatchResponse:
        return WatchResponse(self._open(path, query, (5.0, timeout)))

    def serves(self, kind: Kind) -> bool:
        """Discovery: does the apiserver serve this group/version/kind (is the CRD there)?"""
        try:
            found = self.get(f"/apis/{kind.group}/{kind.version}", [], timeout=10)
        except HttpError as exc:
            if exc.status in (403, 404, 503):
                return False
            raise
        return any(r.get("name") == kind.plural for r in found.get("resources") or [])

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]
        self._check.close()  # type: ignore[no-untyped-call]
