"""The overlays and GitOps objects on the real control plane (kwok stands in for kubelets)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.k8s.manifests import (
    ENVIRONMENTS,
    K8S,
    SERVICES,
    TOOLS,
    Json,
    Timer,
    kustomize,
    load_all,
    one,
    require,
)
from tools.platformkit.kube import Kube

pytestmark = pytest.mark.cluster
MANAGER = "--field-manager=gitops-platform-tests"
GITOPS_NAMESPACES = ("argocd", "flux-system")
READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete", "deletecollection")
BOARD_READS = ("deployments.apps", "replicasets.apps", "statefulsets.apps", "daemonsets.apps",
               "controllerrevisions.apps", "pods", "events", "events.events.k8s.io")  # fmt: skip


def _ns(env: str) -> str:
    return f"gitops-platform-{env}"


def _apply_file(kube: Kube, path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return kube.run("apply", "--server-side", MANAGER, *extra, "-f", str(path), check=False)


@pytest.fixture(scope="module")
def deployed(kube: Kube, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Every overlay server-side applied, each into its own namespace (as Argo CD/Flux would)."""
    out = tmp_path_factory.mktemp("overlays")
    files: dict[str, Path] = {}
    for env in ENVIRONMENTS:
        files[env] = out / f"{env}.yaml"
        files[env].write_text(kustomize(K8S / "overlays" / env))
    try:
        with Timer("server-side apply 3 overlays"):
            for env in ENVIRONMENTS:
                proc = _apply_file(kube, files[env])
                assert proc.returncode == 0, proc.stderr + proc.stdout
        yield files
    finally:
        for env in ENVIRONMENTS:
            kube.run("delete", "namespace", _ns(env), "--wait=false", check=False)


def _can_i(kube: Kube, user: str, verb: str, resource: str, namespace: str | None) -> bool:
    """``resource`` may name a subresource as ``pods/log`` (passed as --subresource)."""
    scope = ["-n", namespace] if namespace else []
    kind, _, sub = resource.partition("/")
    subresource = [f"--subresource={sub}"] if sub else []
    result = kube.run("auth", "can-i", verb, kind, *scope, *subresource, f"--as={user}",
                      check=False)  # fmt: skip
    answer = result.stdout.strip()
    assert answer in {"yes", "no"}, result.stderr
    return answer == "yes"


def test_server_side_apply_succeeds_and_is_idempotent(
    kube: Kube, deployed: dict[str, Path]
) -> None:
    for env, path in deployed.items():
        again = _apply_file(kube, path)
        assert again.returncode == 0, again.stderr
        assert "conflict" not in again.stderr.lower()
        namespace = kube.json("get", "namespace", _ns(env))
        assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_privileged_pod_is_rejected_by_pod_security(
    kube: Kube, deployed: dict[str, Path], env: str
) -> None:
    assert deployed
    pod: Json = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "privileged-probe", "namespace": _ns(env)},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "registry.example/pause@sha256:" + "0" * 64,
                    "securityContext": {"privileged": True},
                }
            ]
        },
    }
    result = kube.run("create", "-f", "-", input=json.dumps(pod), check=False)
    assert result.returncode != 0
    assert 'violates PodSecurity "restricted:latest"' in result.stderr
    assert "privileged" in result.stderr


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rollout_completes_at_the_hpa_minimum(
    kube: Kube, deployed: dict[str, Path], env: str
) -> None:
    objects = load_all(deployed[env].read_text())
    with Timer(f"rollout {env} (HPA minimum reached + kubectl rollout status, both services)"):
        for service in SERVICES:
            minimum = one(objects, "HorizontalPodAutoscaler", service)["spec"]["minReplicas"]
            deadline = time.monotonic() + 90  # HPA controller syncs every 15 s
            while True:
                spec = kube.json("get", "deployment", service, "-n", _ns(env))["spec"]
                if spec["replicas"] == minimum:
                    break
                assert time.monotonic() < deadline, f"HPA never scaled {service} to {minimum}"
                time.sleep(1)
            out = kube.rollout_status(service, _ns(env), timeout="120s")
            assert f'deployment "{service}" successfully rolled out' in out
            status = kube.json("get", "deployment", service, "-n", _ns(env))["status"]
            assert status["availableReplicas"] == minimum


def test_frontend_can_read_what_the_board_needs_and_nothing_else(
    kube: Kube, deployed: dict[str, Path]
) -> None:
    assert deployed
    own, other = _ns("dev"), _ns("staging")
    user = f"system:serviceaccount:{own}:frontend"
    for resource in BOARD_READS:
        for verb in READ:
            assert _can_i(kube, user, verb, resource, own), f"{verb} {resource}"
        assert not _can_i(kube, user, "list", resource, other), f"list {resource} in {other}"
        assert not _can_i(kube, user, "list", resource, "default")
        for verb in WRITE:
            assert not _can_i(kube, user, verb, resource, own), f"{verb} {resource}"
    for verb in READ:
        assert not _can_i(kube, user, verb, "secrets", own)
        assert not _can_i(kube, user, verb, "configmaps", own)
    for verb, resource in [
        ("create", "pods/exec"),
        ("get", "pods/log"),
        ("create", "pods/eviction"),
        ("update", "deployments.apps/scale"),
        ("create", "serviceaccounts/token"),
        ("list", "namespaces"),
        ("list", "nodes"),  # only with the opt-in k8s/optional/board-nodes (ADR 0023)
        ("create", "roles.rbac.authorization.k8s.io"),
        ("create", "rolebindings.rbac.authorization.k8s.io"),
    ]:
        namespace = None if resource in {"namespaces", "nodes"} else own
        assert not _can_i(kube, user, verb, resource, namespace), f"{verb} {resource}"
    backend = f"system:serviceaccount:{own}:backend"
    assert not _can_i(kube, backend, "list", "pods", own), "the backend needs no API access"


@pytest.fixture(scope="module")
def crds(kube: Kube) -> Iterator[Path]:
    require(shutil.which("go") is not None, "Go toolchain (CRDs come from Go modules)")
    with Timer("fetch CRDs from Go modules (tools/k8s/fetch-crds.sh)"):
        proc = subprocess.run(
            ["bash", str(TOOLS / "fetch-crds.sh")], capture_output=True, text=True, check=False
        )
    assert proc.returncode == 0, proc.stderr
    directory = Path(proc.stdout.strip().splitlines()[-1])
    files = sorted(directory.glob("*.yaml"))
    assert len(files) == 5, files
    names = []
    with Timer("apply + establish 5 CRDs"):
        for path in files:
            result = _apply_file(kube, path)
            assert result.returncode == 0, result.stderr
            names.append(load_all(path.read_text())[0]["metadata"]["name"])
        kube.run("wait", "--for=condition=Established", "--timeout=60s",
                 *[f"crd/{n}" for n in names])  # fmt: skip
    for namespace in GITOPS_NAMESPACES:
        kube.run("create", "namespace", namespace, check=False)
    try:
        yield directory
    finally:
        for namespace in GITOPS_NAMESPACES:
            kube.run("delete", "namespace", namespace, "--wait=false", check=False)


@pytest.mark.parametrize("tool", ["argocd", "flux"])
def test_gitops_objects_validate_against_their_crds(
    kube: Kube, crds: Path, tool: str, tmp_path: Path
) -> None:
    assert crds.is_dir()
    path = tmp_path / f"{tool}.yaml"
    path.write_text(kustomize(K8S / "gitops" / tool))
    with Timer(f"server-side dry-run apply gitops/{tool}"):
        dry = _apply_file(kube, path, "--dry-run=server")
    assert dry.returncode == 0, dry.stderr + dry.stdout
    real = _apply_file(kube, path)
    assert real.returncode == 0, real.stderr + real.stdout


@pytest.mark.parametrize(
    ("tool", "kind", "field", "value"),
    [
        ("flux", "Kustomization", "prune", "yes"),
        ("flux", "GitRepository", "interval", 60),
        ("argocd", "ApplicationSet", "notAField", True),
        ("argocd", "AppProject", "sourceRepos", "not-a-list"),
    ],
)
def test_crd_schemas_really_reject_a_bad_object(
    kube: Kube, crds: Path, tool: str, kind: str, field: str, value: object
) -> None:
    """The dry-run above proves something only if the schema can say no."""
    assert crds.is_dir()
    obj = copy.deepcopy(next(o for o in load_all(kustomize(K8S / "gitops" / tool))
                             if o["kind"] == kind))  # fmt: skip
    obj["metadata"]["name"] += "-broken"
    obj["spec"][field] = value
    result = kube.run("apply", "--server-side", MANAGER, "--dry-run=server", "-f", "-",
                      input=json.dumps(obj), check=False)  # fmt: skip
    assert result.returncode != 0, f"{kind}.spec.{field}={value!r} was accepted"
    assert f"spec.{field}" in result.stderr, result.stderr


def test_optional_gitops_rbac_lets_the_board_read_its_gitops_kinds_only(
    kube: Kube, crds: Path, deployed: dict[str, Path], tmp_path: Path
) -> None:
    assert crds.is_dir()
    assert deployed
    for tool in ("argocd", "flux"):
        path = tmp_path / f"{tool}.yaml"
        path.write_text(kustomize(K8S / "gitops" / tool))
        result = _apply_file(kube, path)
        assert result.returncode == 0, result.stderr
    for env in ENVIRONMENTS:
        user = f"system:serviceaccount:{_ns(env)}:frontend"
        for verb in READ:
            assert _can_i(kube, user, verb, "applications.argoproj.io", "argocd")
            for flux in ("kustomizations.kustomize.toolkit.fluxcd.io",
                         "gitrepositories.source.toolkit.fluxcd.io"):  # fmt: skip
                assert _can_i(kube, user, verb, flux, "flux-system")
        for verb in WRITE:
            assert not _can_i(kube, user, verb, "applications.argoproj.io", "argocd")
        for resource in ("secrets", "appprojects.argoproj.io", "applicationsets.argoproj.io"):
            assert not _can_i(kube, user, "list", resource, "argocd")
        for resource in ("secrets", "ocirepositories.source.toolkit.fluxcd.io"):
            assert not _can_i(kube, user, "list", resource, "flux-system")
        for verb in WRITE:
            assert not _can_i(kube, user, verb, "gitrepositories.source.toolkit.fluxcd.io",
                              "flux-system")  # fmt: skip
