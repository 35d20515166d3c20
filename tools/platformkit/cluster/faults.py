"""Failure tools for reliability tests against the real control plane.

- apiserver outage: ``stop_apiserver`` / ``start_apiserver`` / ``apiserver_outage()``;
  a hung apiserver (stopped by SIGSTOP, sockets open, nothing answered): ``hung_apiserver()``;
- etcd compaction (old resourceVersions then answer 410 Gone): ``compact_etcd``;
- broken pods via kwok fault stages: ``fault_labels`` (pod template) and
  ``set_pod_fault`` (existing pods); see ``tools.platformkit.cluster.stages.MODES``;
- ``delete_pods``.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.cluster.stages import FAULT_LABEL, MODES, RESTARTS_ANNOTATION
from tools.platformkit.kube import Kube


def stop_apiserver(cp: ControlPlane, grace: float = 5.0) -> None:
    """Stop kube-apiserver only. It stops listening at once on SIGTERM but may take
    ~15 s to exit while clients hold watches, hence SIGKILL after GRACE seconds
    (grace=0 simulates a crash)."""
    cp.stop("kube-apiserver", grace)


def start_apiserver(cp: ControlPlane, timeout: float = 120) -> None:
    """Start it again on the same port and wait for /readyz."""
    cp.start("kube-apiserver", timeout=timeout)


@contextmanager
def apiserver_outage(cp: ControlPlane, grace: float = 5.0) -> Iterator[None]:
    """``with apiserver_outage(cp): ...`` runs the body while the apiserver is down."""
    stop_apiserver(cp, grace)
    try:
        yield
    finally:
        start_apiserver(cp)


@contextmanager
def hung_apiserver(cp: ControlPlane) -> Iterator[None]:
    """``with hung_apiserver(cp): ...`` runs the body while kube-apiserver is stopped by
    SIGSTOP: its connections stay open and the kernel still accepts new ones, but
    nothing is answered, the way a wedged apiserver or a black-holed network looks."""
    pid = cp.pids["kube-apiserver"]
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def _etcd_post(cp: ControlPlane, path: str, body: dict[str, Any]) -> dict[str, Any]:
    # etcd's v3 HTTP/JSON gateway: no etcdctl build needed.
    conn = http.client.HTTPConnection("127.0.0.1", cp.ports["etcd"], timeout=10)
    try:
        conn.request("POST", path, body=json.dumps(body))
        resp = conn.getresponse()
        data: dict[str, Any] = json.loads(resp.read() or b"{}")
    finally:
        conn.close()
    if resp.status != 200:
        raise RuntimeError(f"etcd {path}: HTTP {resp.status} {data}")
    return data


def etcd_revision(cp: ControlPlane) -> int:
    return int(_etcd_post(cp, "/v3/maintenance/status", {})["header"]["revision"])


def compact_etcd(cp: ControlPlane, revision: int | None = None) -> int:
    """Compact etcd up to REVISION (default: now); returns the compacted revision.

    Requests that reach etcd with an older resourceVersion then get 410 Gone. Most
    resources are served by the apiserver's watch cache, which keeps answering old
    resourceVersions from memory: use ``expire_resource_versions`` for those.
    """
    rev = revision if revision is not None else etcd_revision(cp)
    try:
        _etcd_post(cp, "/v3/kv/compaction", {"revision": str(rev), "physical": True})
    except RuntimeError as exc:
        if "required revision has been compacted" not in str(exc):
            raise  # anything but "nothing new to compact" is a real error
    return rev


def expire_resource_versions(cp: ControlPlane) -> int:
    """Make every resourceVersion seen so far answer 410 Gone, for all resources.

    Compacts etcd and restarts kube-apiserver, whose watch cache then starts empty
    at the current revision, as after a real control-plane upgrade or crash.
    """
    rev = compact_etcd(cp)
    stop_apiserver(cp)
    start_apiserver(cp)
    return rev


def fault_labels(mode: str) -> dict[str, str]:
    """Labels for a pod template whose pods should fail in MODE."""
    if mode not in MODES and mode != "slow-ready":
        raise ValueError(f"unknown fault mode {mode!r}; known: {sorted(MODES)}")
    return {FAULT_LABEL: mode}


def fault_annotations(restarts: int) -> dict[str, str]:
    """Annotations for a pod template: restart count reported by crash modes."""
    return {RESTARTS_ANNOTATION: str(restarts)}


def set_pod_fault(kube: Kube, namespace: str, selector: str, mode: str) -> None:
    """Label existing pods so kwok turns them into MODE (no new rollout)."""
    label = f"{FAULT_LABEL}={fault_labels(mode)[FAULT_LABEL]}"
    kube.run(
        "label", "pods", f"--namespace={namespace}", f"--selector={selector}", label, "--overwrite"
    )


def delete_pods(kube: Kube, namespace: str, selector: str, wait: bool = False) -> None:
    kube.run(
        "delete",
        "pods",
        f"--namespace={namespace}",
        f"--selector={selector}",
        f"--wait={str(wait).lower()}",
    )
