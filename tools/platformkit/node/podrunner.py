"""Real backend processes behind kwok pods, so /meta answers and readiness are real.

kwok has no kubelet: it only writes pod statuses. For pods labelled
``RUNNER_LABEL=true`` the kwok stage ``stages.runner_stage()`` marks the pod Running
with a pod IP but *not* Ready. This runner then starts one real backend process
per such pod, bound to the pod's IP inside the pod network, with the pod's
environment (ConfigMaps and Downward API values resolved) plus what the image
would have baked in (``catalog``: digest -> environment). It sets the pod's
Ready condition from the process's real ``/readyz``, so a broken version really
fails readiness, and sends SIGTERM when the pod goes away, so drains happen.

Each process's output goes to ``pod-<name>-*.log`` in ``log_dir``; without one, in a
temporary directory of the runner's own, removed by ``stop()``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tools.platformkit.cluster.stages import RUNNER_LABEL
from tools.platformkit.kube import ApiClient

_PATCH = "application/strategic-merge-patch+json"


def _field(pod: Mapping[str, Any], path: str) -> str | None:
    value: Any = pod
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return None if value is None else str(value)


@dataclass
class RunningPod:
    name: str
    uid: str
    ip: str
    proc: subprocess.Popen[bytes]
    log: Path
    ready: bool = False
    terminating: bool = False


@dataclass
class PodRunner:
    api: ApiClient
    namespace: str
    catalog: Mapping[str, Mapping[str, str]]  # image digest -> environment baked into that image
    exec_prefix: list[str]
    port: int = 8080
    interval: float = 0.2
    log_dir: Path | None = None  # None: a temporary directory, removed by stop()
    pods: dict[str, RunningPod] = field(default_factory=dict)
    finished: list[RunningPod] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _own_logs: tempfile.TemporaryDirectory[str] | None = None

    def start(self) -> PodRunner:
        if self.log_dir is None:
            self._own_logs = tempfile.TemporaryDirectory(prefix="pod-runner-")
            self.log_dir = Path(self._own_logs.name)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, name="pod-runner", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        for pod in list(self.pods.values()):
            self._terminate(pod)
        for pod in self.finished:
            with contextlib.suppress(subprocess.TimeoutExpired):
                pod.proc.wait(timeout=30)
            if pod.proc.poll() is None:
                pod.proc.kill()
                pod.proc.wait(timeout=10)
        if self._own_logs is not None:
            self._own_logs.cleanup()
            self._own_logs = None
            self.log_dir = None

    def _loop(self) -> None:
        with httpx.Client(timeout=0.5) as client:
            while not self._stop.is_set():
                try:
                    self._sync(client)
                except Exception as exc:  # keep running through API outages
                    self.errors.append(f"{type(exc).__name__}: {exc}")
                self._stop.wait(self.interval)

    def _sync(self, client: httpx.Client) -> None:
        selector = quote(f"{RUNNER_LABEL}=true")
        listing = self.api.get(f"/api/v1/namespaces/{self.namespace}/pods?labelSelector={selector}")
        live = {p["metadata"]["uid"]: p for p in listing.get("items", [])}
        for uid, pod in list(self.pods.items()):
            if uid not in live or live[uid]["metadata"].get("deletionTimestamp"):
                self._terminate(pod)
        for uid, obj in live.items():
            if obj["metadata"].get("deletionTimestamp"):
                continue
            ip = obj.get("status", {}).get("podIP")
            # kwok hands a freed pod IP straight to the next pod; wait until the
            # old process on that IP has drained and exited before binding it.
            draining = {p.ip for p in self.finished if p.proc.poll() is None}
            if uid not in self.pods and ip and ip not in draining:
                self.pods[uid] = self._launch(obj, ip)
            running = self.pods.get(uid)
            if running is not None:
                self._reflect_readiness(client, running, obj)

    def _environment(self, pod: Mapping[str, Any]) -> dict[str, str]:
        container = pod["spec"]["containers"][0]
        digest = container["image"].rpartition("@")[2]
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKEND_")}
        env.update(self.catalog.get(digest, {}))
        configmaps: dict[str, Mapping[str, str]] = {}

        def configmap(name: str) -> Mapping[str, str]:
            if name not in configmaps:
                path = f"/api/v1/namespaces/{self.namespace}/configmaps/{name}"
                configmaps[name] = self.api.get(path).get("data", {})
            return configmaps[name]

        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                env.update(configmap(source["configMapRef"]["name"]))
        for var in container.get("env", []):
            ref = var.get("valueFrom", {})
            if "value" in var:
                env[var["name"]] = var["value"]
            elif "fieldRef" in ref:
                env[var["name"]] = _field(pod, ref["fieldRef"]["fieldPath"]) or ""
            elif "configMapKeyRef" in ref:
                key = ref["configMapKeyRef"]
                env[var["name"]] = configmap(key["name"]).get(key["key"], "")
        # The runner binds the process to its pod IP inside the pod network.
        env.update(
            {"BACKEND_HOST": _field(pod, "status.podIP") or "", "BACKEND_PORT": str(self.port)}
        )
        return env

    def _launch(self, pod: Mapping[str, Any], ip: str) -> RunningPod:
        name = pod["metadata"]["name"]
        fd, log_name = tempfile.mkstemp(prefix=f"pod-{name}-", suffix=".log", dir=self.log_dir)
        with os.fdopen(fd, "wb") as log:
            proc = subprocess.Popen(
                [*self.exec_prefix, sys.executable, "-m", "backend"],
                env=self._environment(pod),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return RunningPod(name, pod["metadata"]["uid"], ip, proc, Path(log_name))

    def _reflect_readiness(
        self, client: httpx.Client, pod: RunningPod, obj: Mapping[str, Any]
    ) -> None:
        try:
            ready = client.get(f"http://{pod.ip}:{self.port}/readyz").status_code == 200
        except httpx.HTTPError:
            ready = False
        conditions = {c["type"]: c["status"] for c in obj.get("status", {}).get("conditions", [])}
        if (conditions.get("Ready") == "True") == ready:
            pod.ready = ready
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        status = "True" if ready else "False"
        reason = {} if ready else {"reason": "ContainersNotReady"}
        # containerStatuses has no merge key: send the whole list, only "ready" changed.
        containers = [
            {**c, "ready": ready} for c in obj.get("status", {}).get("containerStatuses", [])
        ]
        patch = {
            "status": {
                "conditions": [
                    {"type": "Ready", "status": status, "lastTransitionTime": now, **reason},
                    {
                        "type": "ContainersReady",
                        "status": status,
                        "lastTransitionTime": now,
                        **reason,
                    },
                ],
                "containerStatuses": containers,
            }
        }
        path = f"/api/v1/namespaces/{self.namespace}/pods/{pod.name}/status"
        code, body = self.api.request("PATCH", path, patch, content_type=_PATCH)
        if code == 200:
            pod.ready = ready
        elif code != 404:
            self.errors.append(f"PATCH {path}: HTTP {code}: {body.get('message')}")

    def _terminate(self, pod: RunningPod) -> None:
        if not pod.terminating:
            pod.terminating = True
            if pod.proc.poll() is None:
                pod.proc.send_signal(signal.SIGTERM)  # the backend drains, then exits 0
            self.finished.append(pod)
        self.pods.pop(pod.uid, None)

    def serving(self) -> dict[str, bool]:
        """Pod name -> ready, for the pods that currently have a process."""
        return {pod.name: pod.ready for pod in self.pods.values()}

    def exit_codes(self) -> dict[str, int | None]:
        return {pod.name: pod.proc.poll() for pod in self.finished}
