"""The real node runs the project's real images, and the kubelet holds the probe contract.

One node for the module (``tests.support.realnode``): a kubelet with containerd, runc,
CNI and kube-proxy, the backend image pushed to the registry on loopback and pulled by
digest under its production name (``ghcr.io/...``, mapped to the registry). The pods
here are the test's own, with the base Deployment's probe paths and ports but short
periods, so a probe failure is seen in seconds; delivered manifests only ever go
through Flux (tests/localplatform). The last test stops the node and checks that the
host is as it was.
"""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from frontend.status.card import DeploymentCard, deployment_card
from frontend.status.provenance import provenance, short
from tests.support.constants import FAULTS_TOKEN
from tests.support.realnode import NodeCluster
from tools.platformkit import images
from tools.platformkit.node import hoststate
from tools.platformkit.node.kubelet import NODE_LABEL, NODE_NAME, TAINT_KEY
from tools.platformkit.polling import wait_for

pytestmark = [pytest.mark.realnode, pytest.mark.timeout(600)]
NS = "default"
BACKEND_PORT = 8080
SERVICE_IP = "10.96.0.90"


def _pod_spec(image: str, **env: str) -> dict[str, Any]:
    """The base Deployment's container contract (port, probe paths, non-root, read-only
    root), with periods short enough for a test, on the real node."""
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 1,
             "timeoutSeconds": 1}  # fmt: skip
    return {
        "nodeSelector": {NODE_LABEL: "real"},
        "tolerations": [{"key": TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}],
        "dnsPolicy": "Default",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 20,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001},
        "containers": [
            {
                "name": "backend",
                "image": image,
                "ports": [{"name": "http", "containerPort": BACKEND_PORT}],
                "env": [
                    {"name": "BACKEND_DRAIN_DELAY_SECONDS", "value": "1"},
                    {"name": "BACKEND_FAULTS_ENABLED", "value": "true"},
                    {"name": "BACKEND_FAULTS_TOKEN", "value": FAULTS_TOKEN},
                    {"name": "BACKEND_IMAGE_DIGEST", "value": image.rpartition("@")[2]},
                    {
                        "name": "BACKEND_POD_NAME",
                        "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                    },
                    *({"name": k, "value": v} for k, v in env.items()),
                ],
                "startupProbe": {**probe, "failureThreshold": 30},
                "livenessProbe": {**probe, "failureThreshold": 2},
                "readinessProbe": {
                    **probe,
                    "httpGet": {"path": "/readyz", "port": "http"},
                    "failureThreshold": 1,
                },
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "capabilities": {"drop": ["ALL"]},
                },
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }


def _deployment(name: str, image: str, replicas: int = 1, **env: str) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": _pod_spec(image, **env)},
        },
    }


def _pods(nc: NodeCluster, app: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = nc.kube.json("get", "pods", "-n", NS, "-l", f"app={app}")["items"]
    return [p for p in items if not p["metadata"].get("deletionTimestamp")]


def _ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _container(pod: dict[str, Any]) -> dict[str, Any]:
    statuses: list[dict[str, Any]] = pod.get("status", {}).get("containerStatuses", [])
    return statuses[0] if statuses else {}


def _events(nc: NodeCluster, pod: str) -> str:
    got = nc.kube.json("get", "events", "-n", NS, "--field-selector", f"involvedObject.name={pod}")
    return "\n".join(f"{e['reason']}: {e.get('message', '')}" for e in got["items"])


def _wait_ready_pods(nc: NodeCluster, app: str, count: int) -> list[dict[str, Any]]:
    def ready() -> list[dict[str, Any]] | None:
        pods = _pods(nc, app)
        return pods if len(pods) == count and all(_ready(p) for p in pods) else None

    return wait_for(f"{count} {app} pods Ready", ready, 90, every=0.25)


def _fault(ip: str, **change: bool) -> None:
    url = f"http://{ip}:{BACKEND_PORT}/faults"
    headers = {"Authorization": f"Bearer {FAULTS_TOKEN}"}
    httpx.patch(url, json=change, headers=headers, timeout=5).raise_for_status()


@pytest.fixture(scope="module")
def probe(node_cluster: NodeCluster) -> list[dict[str, Any]]:
    """Two backend pods of the pushed image, Ready, behind a Service with a known IP."""
    nc = node_cluster
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "probe"},
        "spec": {
            "clusterIP": SERVICE_IP,
            "selector": {"app": "probe"},
            "ports": [{"port": 80, "targetPort": "http"}],
        },
    }
    nc.kube.apply(_deployment("probe", nc.image("backend"), replicas=2), service, namespace=NS)
    return _wait_ready_pods(nc, "probe", 2)


def test_the_node_registers_itself_tainted_and_kwok_leaves_it_alone(
    node_cluster: NodeCluster,
) -> None:
    node = node_cluster.kube.json("get", "node", NODE_NAME)
    assert node["metadata"]["labels"][NODE_LABEL] == "real"
    assert {"key": TAINT_KEY, "value": "true", "effect": "NoSchedule"} in node["spec"]["taints"]
    assert node["status"]["nodeInfo"]["containerRuntimeVersion"] == "containerd://2.2.9"
    addresses = {a["type"]: a["address"] for a in node["status"]["addresses"]}
    assert addresses["InternalIP"] == node_cluster.node.bridge.address  # type: ignore[union-attr]
    # The node's Lease is the kubelet's own, not kwok's (which manages only fake nodes).
    # The kubelet creates its Lease just after it registers the Node.
    path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{NODE_NAME}"
    api = node_cluster.cp.api()

    def lease() -> dict[str, Any] | None:
        code, found = api.request("GET", path)
        return found if code == 200 else None

    held = wait_for("the node's Lease", lease, 30)
    assert held["spec"]["holderIdentity"] == NODE_NAME


def test_pods_run_the_pushed_image_and_report_the_digest_git_would_pin(
    node_cluster: NodeCluster, probe: list[dict[str, Any]]
) -> None:
    pushed = node_cluster.digests["backend"]
    for pod in probe:
        assert pod["spec"]["nodeName"] == NODE_NAME
        image_id = _container(pod)["imageID"]
        assert image_id == f"{images.REGISTRY}/{images.REPOSITORIES['backend']}@{pushed}"
        meta = httpx.get(f"http://{pod['status']['podIP']}:{BACKEND_PORT}/meta", timeout=5).json()
        assert meta["image"]["digest"] == pushed
        assert meta["pod"]["name"] == pod["metadata"]["name"]


def test_the_kubelet_probes_the_probe_and_kubectl_logs_shows_it(
    node_cluster: NodeCluster, probe: list[dict[str, Any]]
) -> None:
    name = probe[0]["metadata"]["name"]

    def probed() -> str | None:
        logs = node_cluster.kube.run("logs", name, "-n", NS).stdout
        seen = "kube-probe/1.36" in logs and "/readyz" in logs and "/healthz" in logs
        return logs if seen else None

    wait_for("kubelet probe requests in the access log", probed, 30, every=0.5)
    # kubectl exec reaches the kubelet through the apiserver, at the node IP, too.
    out = node_cluster.kube.run(
        "exec", name, "-n", NS, "--", "/app/.venv/bin/python", "-c", "print('in the pod')"
    )
    assert out.stdout.strip() == "in the pod"


def test_a_pod_reaches_the_apiserver_through_the_kubernetes_service(
    node_cluster: NodeCluster, probe: list[dict[str, Any]]
) -> None:
    """In-cluster configuration works: 10.96.0.1:443 -> kube-proxy -> the apiserver on the
    bridge. The answer is 401 or 403 (the pod sends no credentials), not a network error."""
    name = probe[0]["metadata"]["name"]
    script = (
        "import ssl, urllib.request, urllib.error\n"
        "try:\n"
        "    urllib.request.urlopen('https://10.96.0.1/version', timeout=5,"
        " context=ssl._create_unverified_context())\n"
        "    print(200)\n"
        "except urllib.error.HTTPError as e:\n"
        "    print(e.code)\n"
    )
    out = node_cluster.kube.run("exec", name, "-n", NS, "--", "/app/.venv/bin/python", "-c", script)
    assert out.stdout.strip() in {"200", "401", "403"}, out.stdout + out.stderr


def test_the_service_ip_routes_only_to_pods_the_readiness_probe_passes(
    node_cluster: NodeCluster, probe: list[dict[str, Any]]
) -> None:
    names = {p["metadata"]["name"] for p in probe}

    def answering(n: int = 20) -> set[str]:
        return {
            httpx.get(f"http://{SERVICE_IP}/meta", timeout=2).json()["pod"]["name"]
            for _ in range(n)
        }

    # Refused until kube-proxy has the new Service's ready endpoints (REJECT without).
    wait_for("both pods answer through kube-proxy", lambda: answering() == names, 30,
             tolerate=(httpx.TransportError,))  # fmt: skip
    taken_out, kept = probe
    _fault(taken_out["status"]["podIP"], readiness_disabled=True)
    try:
        wait_for(
            "the unready pod leaves the Service",
            lambda: answering() == {kept["metadata"]["name"]},
            30,
            every=0.5,
        )
        slices = node_cluster.kube.json(
            "get", "endpointslices", "-n", NS, "-l", "kubernetes.io/service-name=probe"
        )
        ready = {
            e["targetRef"]["name"]: e["conditions"]["ready"]
            for s in slices["items"]
            for e in s["endpoints"]
        }
        assert ready == {taken_out["metadata"]["name"]: False, kept["metadata"]["name"]: True}
    finally:
        _fault(taken_out["status"]["podIP"], readiness_disabled=False)
    _wait_ready_pods(node_cluster, "probe", 2)


def test_a_liveness_failure_restarts_the_container_and_the_restart_is_counted(
    node_cluster: NodeCluster, probe: list[dict[str, Any]]
) -> None:
    pod = probe[1]
    name = pod["metadata"]["name"]
    _fault(pod["status"]["podIP"], liveness_failing=True)

    def restarted() -> dict[str, Any] | None:
        now = node_cluster.kube.json("get", "pod", name, "-n", NS)
        return now if _container(now).get("restartCount", 0) >= 1 else None

    wait_for("a restart after the liveness probe failed", restarted, 60, every=0.5)
    assert "Liveness probe failed" in _events(node_cluster, name)
    # The card counts it: the pod's RESTARTS column, as kubectl's.
    row = next(r for r in _card(node_cluster, "probe").pods if r.name == name)
    assert row.restarts >= 1
    _wait_ready_pods(node_cluster, "probe", 2)


def _card(nc: NodeCluster, deployment: str) -> DeploymentCard:
    """The board's card for DEPLOYMENT, built from the objects the apiserver returns now."""
    live = nc.kube.json("get", "deployment", deployment, "-n", NS)
    replicasets = nc.kube.json("get", "replicasets", "-n", NS)["items"]
    pods = nc.kube.json("get", "pods", "-n", NS)["items"]
    events = nc.kube.json("get", "events", "-n", NS)["items"]
    return deployment_card(live, replicasets, pods, events, datetime.now(UTC))


def _meta(pod: dict[str, Any]) -> dict[str, Any]:
    url = f"http://{pod['status']['podIP']}:{BACKEND_PORT}/meta"
    answer: dict[str, Any] = httpx.get(url, timeout=5).json()
    return answer


def test_the_board_flags_a_pod_whose_meta_digest_is_not_its_image_id(
    node_cluster: NodeCluster, probe: list[dict[str, Any]]
) -> None:
    """The board's provenance check on what the kubelet and the pod really report: the
    honest pods agree three ways; a pod told another digest is flagged, in words."""
    nc = node_cluster
    pushed = nc.digests["backend"]
    honest = provenance(nc.kube.json("get", "deployment", "probe", "-n", NS), probe,
                        _meta(probe[0]))  # fmt: skip
    assert honest.running == (pushed,)
    assert honest.meta_digest == pushed
    assert not honest.mismatch, honest.reasons

    other = "sha256:" + "1" * 64
    liar = _deployment("liar", nc.image("backend"))
    for entry in liar["spec"]["template"]["spec"]["containers"][0]["env"]:
        if entry["name"] == "BACKEND_IMAGE_DIGEST":
            entry["value"] = other
    nc.kube.apply(liar, namespace=NS)
    pods = _wait_ready_pods(nc, "liar", 1)
    found = provenance(nc.kube.json("get", "deployment", "liar", "-n", NS), pods, _meta(pods[0]))
    assert found.running == (pushed,)  # the kubelet's imageID
    assert found.meta_digest == other
    assert found.mismatch
    name = pods[0]["metadata"]["name"]
    assert f"pod {name} runs {short(pushed)} but /meta reports {short(other)}" in found.reasons
    nc.kube.run("delete", "deployment", "liar", "-n", NS)


@pytest.mark.usefixtures("probe")
def test_sigterm_drains_inside_the_grace_period(node_cluster: NodeCluster) -> None:
    nc = node_cluster
    name = _pods(nc, "probe")[0]["metadata"]["name"]
    follow = subprocess.Popen(
        [nc.kube.kubectl, f"--kubeconfig={nc.kube.kubeconfig}", "logs", "-f", name, "-n", NS],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        started = time.monotonic()
        nc.kube.run("delete", "pod", name, "-n", NS, "--wait=true", timeout=60)
        took = time.monotonic() - started
        out, _ = follow.communicate(timeout=30)
    finally:
        if follow.poll() is None:
            follow.kill()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    messages = [line.get("message", line.get("msg", "")) for line in lines]
    assert any("draining" in m for m in messages), out[-2000:]
    assert any("drain delay over" in m for m in messages), out[-2000:]
    assert took < 20, f"pod took {took:.1f}s to go: the grace period (20 s) ran out"
    _wait_ready_pods(nc, "probe", 2)


def test_a_digest_the_registry_does_not_have_backs_off_pulling(
    node_cluster: NodeCluster,
) -> None:
    nc = node_cluster
    missing = "sha256:" + "0" * 64
    nc.kube.apply(_deployment("missing", nc.image("backend", missing)), namespace=NS)

    def backing_off() -> str | None:
        pods = _pods(nc, "missing")
        waiting = _container(pods[0]).get("state", {}).get("waiting", {}) if pods else {}
        reason = waiting.get("reason")
        return reason if reason in ("ErrImagePull", "ImagePullBackOff") else None

    wait_for("ErrImagePull or ImagePullBackOff", backing_off, 60, every=0.5)
    # The board says Degraded at once, naming the pod and the reason (not after the
    # progress deadline, as Argo CD would).
    health = _card(nc, "missing").health
    assert health.code == "Degraded", health
    assert any("ErrImagePull" in c or "ImagePullBackOff" in c for c in health.causes), health
    nc.kube.run("delete", "deployment", "missing", "-n", NS)


def test_a_version_that_exits_at_start_goes_crashloopbackoff(node_cluster: NodeCluster) -> None:
    nc = node_cluster
    digest = nc.derive("9.9.9-crash", images.VARIANTS["crash"])
    nc.kube.apply(_deployment("crash", nc.image("backend", digest)), namespace=NS)

    def crashlooping() -> dict[str, Any] | None:
        pods = _pods(nc, "crash")
        status = _container(pods[0]) if pods else {}
        waiting = status.get("state", {}).get("waiting", {})
        return status if waiting.get("reason") == "CrashLoopBackOff" else None

    status = wait_for("CrashLoopBackOff", crashlooping, 90, every=0.5)
    health = _card(nc, "crash").health
    assert health.code == "Degraded", health
    assert any("CrashLoopBackOff" in c for c in health.causes), health
    assert status["lastState"]["terminated"]["exitCode"] != 0
    nc.kube.run("delete", "deployment", "crash", "-n", NS)


def test_a_bad_version_runs_but_the_kubelet_never_marks_it_ready(
    node_cluster: NodeCluster,
) -> None:
    nc = node_cluster
    digest = nc.derive("9.9.9-broken", images.VARIANTS["bad"])
    nc.kube.apply(_deployment("broken", nc.image("backend", digest)), namespace=NS)

    def failing() -> str | None:
        pods = _pods(nc, "broken")
        if not pods or not _container(pods[0]).get("state", {}).get("running"):
            return None
        events = _events(nc, pods[0]["metadata"]["name"])
        return events if "Readiness probe failed" in events else None

    wait_for("Running, with readiness probe failures", failing, 60, every=0.5)
    assert not any(_ready(p) for p in _pods(nc, "broken"))
    nc.kube.run("delete", "deployment", "broken", "-n", NS)


def test_stopping_the_node_puts_the_host_back_as_it_was(node_cluster: NodeCluster) -> None:
    nc = node_cluster
    done = nc.node.stop()
    nc.registry.stop()
    nc.cp.down()
    assert any(d.startswith("stopped kubelet") for d in done), done
    after = hoststate.view(str(nc.node.state), str(nc.node.bin_dir))
    assert after.differences(nc.before) == []
