"""Offline assertions on the rendered overlays (kubectl kustomize, no cluster)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from tests.k8s.manifests import (
    ENVIRONMENTS,
    K8S,
    PART_OF,
    SERVICES,
    Json,
    by_kind,
    config_data,
    containers,
    env_map,
    load,
    one,
    render,
)

DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
IMAGE = re.compile(r"^[a-z0-9.-]+(/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}$")
NAMESPACED_KINDS = {
    "ConfigMap",
    "Deployment",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
    "PodDisruptionBudget",
    "Role",
    "RoleBinding",
    "Service",
    "ServiceAccount",
}
SELECTOR = {"app.kubernetes.io/part-of": PART_OF}
PSA = ("enforce", "audit", "warn")
READ = ["get", "list", "watch"]


def _overlay_images(env: str) -> dict[str, Json]:
    kustomization = load(K8S / "overlays" / env / "kustomization.yaml")
    return {image["name"]: image for image in kustomization["images"]}


def _selector(service: str) -> dict[str, str]:
    return {"app.kubernetes.io/name": service, **SELECTOR}


def test_base_renders() -> None:
    kinds = {o["kind"] for o in render(K8S / "base")}
    assert kinds == NAMESPACED_KINDS | {"Namespace"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_overlay_renders_one_namespace_with_everything_in_it(
    rendered: dict[str, list[Json]], env: str
) -> None:
    objects = rendered[env]
    namespaces = by_kind(objects, "Namespace")
    assert list(namespaces) == [f"gitops-platform-{env}"]
    labels = namespaces[f"gitops-platform-{env}"]["metadata"]["labels"]
    for mode in PSA:
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["kind"] in NAMESPACED_KINDS
            assert obj["metadata"]["namespace"] == f"gitops-platform-{env}", obj["metadata"]
        assert obj["metadata"]["labels"]["environment"] == env
    binding = one(objects, "RoleBinding", "frontend")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "frontend", "namespace": f"gitops-platform-{env}"}
    ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_images_are_pinned_by_the_overlay_digest(rendered: dict[str, list[Json]], env: str) -> None:
    pins = _overlay_images(env)
    for service in SERVICES:
        pin = pins[service]
        assert set(pin) == {"name", "newName", "digest"}, "keep images: simple for promotion"
        assert DIGEST.fullmatch(pin["digest"])
        spec = one(rendered[env], "Deployment", service)["spec"]["template"]["spec"]
        image = spec["containers"][0]["image"]
        assert image == f"{pin['newName']}@{pin['digest']}"
    for obj in rendered[env]:
        if obj["kind"] == "Deployment":
            for container in containers(obj["spec"]["template"]["spec"]):
                assert IMAGE.fullmatch(container["image"]), container["image"]
                assert ":latest" not in container["image"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_backend_meta_env_carries_the_running_image(
    rendered: dict[str, list[Json]], env: str
) -> None:
    container = one(rendered[env], "Deployment", "backend")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env_vars = env_map(container)
    assert env_vars["BACKEND_IMAGE_REF"]["value"] == container["image"]
    assert env_vars["BACKEND_IMAGE_DIGEST"]["value"] == _overlay_images(env)["backend"]["digest"]
    downward = {
        name: env_vars[name]["valueFrom"]["fieldRef"]["fieldPath"]
        for name in (
            "BACKEND_POD_NAME",
            "BACKEND_POD_NAMESPACE",
            "BACKEND_NODE_NAME",
            "BACKEND_POD_IP",
        )
    }
    assert downward == {
        "BACKEND_POD_NAME": "metadata.name",
        "BACKEND_POD_NAMESPACE": "metadata.namespace",
        "BACKEND_NODE_NAME": "spec.nodeName",
        "BACKEND_POD_IP": "status.podIP",
    }
    baked = {"BACKEND_GIT_SHA", "BACKEND_VERSION", "BACKEND_BUILD_TIME"}
    settings = config_data(rendered[env], one(rendered[env], "Deployment", "backend"))
    assert not baked & (set(env_vars) | set(settings)), "build identity is baked in the image"


def test_a_promotion_commit_moves_the_digest_into_meta(tmp_path: Path) -> None:
    """Rewrite only the digest line, as promotion does: the env var must follow it.

    This is the transformer-order proof: replacements that ran before the overlay's
    ``images:`` would still carry the old digest here.
    """
    tree = tmp_path / "k8s"
    shutil.copytree(K8S, tree)
    kustomization = tree / "overlays" / "staging" / "kustomization.yaml"
    old = _overlay_images("staging")["backend"]["digest"]
    new = "sha256:" + "ab" * 32
    text = kustomization.read_text()
    assert text.count(old) == 1
    kustomization.write_text(text.replace(old, new))

    deployment = one(render(tree / "overlays" / "staging"), "Deployment", "backend")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].endswith(f"@{new}")
    assert env_map(container)["BACKEND_IMAGE_DIGEST"]["value"] == new
    assert env_map(container)["BACKEND_IMAGE_REF"]["value"] == container["image"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_pods_are_hardened(rendered: dict[str, list[Json]], env: str) -> None:
    for service in SERVICES:
        spec = one(rendered[env], "Deployment", service)["spec"]["template"]["spec"]
        pod_sc = spec["securityContext"]
        assert pod_sc["runAsNonRoot"] is True
        assert (pod_sc["runAsUser"], pod_sc["runAsGroup"], pod_sc["fsGroup"]) == (10001,) * 3
        assert pod_sc["seccompProfile"] == {"type": "RuntimeDefault"}
        assert spec["automountServiceAccountToken"] is (service == "frontend")
        sa = one(rendered[env], "ServiceAccount", spec["serviceAccountName"])
        assert sa["automountServiceAccountToken"] is False
        volumes = {v["name"]: v for v in spec["volumes"]}
        for container in containers(spec):
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["runAsNonRoot"] is True
            assert sc["capabilities"] == {"drop": ["ALL"]}
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}
            assert "privileged" not in sc
            resources = container["resources"]
            for bound in ("requests", "limits"):
                assert set(resources[bound]) == {"cpu", "memory"}
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            # The read-only root fs needs a writable /tmp (a mount path, not a temp file).
            assert "emptyDir" in volumes[mounts["/tmp"]]  # noqa: S108


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_selectors_use_only_stable_labels(rendered: dict[str, list[Json]], env: str) -> None:
    objects = rendered[env]
    for service in SERVICES:
        expected = _selector(service)
        deployment = one(objects, "Deployment", service)
        assert deployment["spec"]["selector"] == {"matchLabels": expected}
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert pod_labels["environment"] == env, "environment label reaches the pods"
        assert expected.items() <= pod_labels.items()
        assert one(objects, "Service", service)["spec"]["selector"] == expected
        pdb = one(objects, "PodDisruptionBudget", service)
        assert pdb["spec"]["selector"] == {"matchLabels": expected}
        policy = one(objects, "NetworkPolicy", service)
        assert policy["spec"]["podSelector"] == {"matchLabels": expected}


def test_selectors_are_identical_across_environments(rendered: dict[str, list[Json]]) -> None:
    """A label change must never make a selector differ between overlays (immutable field)."""
    for service in SERVICES:
        selectors = {
            env: one(rendered[env], "Deployment", service)["spec"]["selector"]
            for env in ENVIRONMENTS
        }
        assert len({repr(s) for s in selectors.values()}) == 1, selectors


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_hpa_owns_replicas(rendered: dict[str, list[Json]], env: str) -> None:
    expected = {"dev": (1, 2), "staging": (2, 3), "prod": (3, 6)}[env]
    for service in SERVICES:
        deployment = one(rendered[env], "Deployment", service)
        assert "replicas" not in deployment["spec"]
        hpa = one(rendered[env], "HorizontalPodAutoscaler", service)
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": service,
        }
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == expected
        pdb = one(rendered[env], "PodDisruptionBudget", service)
        assert pdb["spec"]["maxUnavailable"] == 1, "a 1-replica environment can still drain"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rollout_and_probe_settings(rendered: dict[str, list[Json]], env: str) -> None:
    for service in SERVICES:
        spec = one(rendered[env], "Deployment", service)["spec"]
        assert spec["strategy"] == {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
        }
        assert spec["minReadySeconds"] > 0
        assert spec["progressDeadlineSeconds"] > spec["minReadySeconds"]
        assert 0 < spec["revisionHistoryLimit"] <= 10
        container = spec["template"]["spec"]["containers"][0]
        assert container["ports"] == [
            {"name": "http", "containerPort": 8080 if service == "backend" else 8090,
             "protocol": "TCP"}
        ]  # fmt: skip
        paths = {p: container[p]["httpGet"]["path"] for p in (
            "startupProbe", "livenessProbe", "readinessProbe")}  # fmt: skip
        assert paths == {
            "startupProbe": "/healthz",
            "livenessProbe": "/healthz",
            "readinessProbe": "/readyz",
        }
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["port"] == "http"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_grace_period_covers_prestop_drain_and_shutdown(
    rendered: dict[str, list[Json]], env: str
) -> None:
    margin = 5
    for service in SERVICES:
        deployment = one(rendered[env], "Deployment", service)
        spec = deployment["spec"]["template"]["spec"]
        container = spec["containers"][0]
        settings = config_data(rendered[env], deployment)
        prefix = service.upper()
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {})
        sleep = int(pre_stop.get("seconds", 0))
        drain = float(settings.get(f"{prefix}_DRAIN_DELAY_SECONDS", 0))
        shutdown = float(settings[f"{prefix}_SHUTDOWN_TIMEOUT_SECONDS"])
        assert "exec" not in container.get("lifecycle", {}).get("preStop", {}), "no shell"
        assert sleep + drain > 0, "something must cover endpoint propagation"
        assert spec["terminationGracePeriodSeconds"] >= sleep + drain + shutdown + margin
        # The readiness probe answers within its period: no probe outlives the drain.
        readiness = container["readinessProbe"]
        assert readiness["timeoutSeconds"] < readiness["periodSeconds"]
        assert settings.get("BACKEND_FAULTS_ENABLED", "false") == "false"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_settings_are_per_environment_and_roll_the_pods(
    rendered: dict[str, list[Json]], env: str
) -> None:
    base = render(K8S / "base")
    for service in SERVICES:
        deployment = one(rendered[env], "Deployment", service)
        settings = config_data(rendered[env], deployment)
        assert settings[f"{service.upper()}_ENVIRONMENT"] == env
        cm_name = deployment["spec"]["template"]["spec"]["containers"][0]["envFrom"][0][
            "configMapRef"
        ]["name"]
        base_cm = one(base, "Deployment", service)["spec"]["template"]["spec"]["containers"][0][
            "envFrom"
        ][0]["configMapRef"]["name"]
        assert re.fullmatch(rf"{service}-[a-z0-9]{{10}}", cm_name)
        assert cm_name != base_cm, "the overlay patch must change the hashed name"


def test_hashed_config_names_differ_between_environments(
    rendered: dict[str, list[Json]],
) -> None:
    for service in SERVICES:
        names = {
            one(rendered[env], "Deployment", service)["spec"]["template"]["spec"]["containers"][0][
                "envFrom"
            ][0]["configMapRef"]["name"]
            for env in ENVIRONMENTS
        }
        assert len(names) == len(ENVIRONMENTS)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_frontend_settings_and_rbac(rendered: dict[str, list[Json]], env: str) -> None:
    objects = rendered[env]
    deployment = one(objects, "Deployment", "frontend")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    field = env_map(container)["FRONTEND_NAMESPACES"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert field == "metadata.namespace"
    settings = config_data(objects, deployment)
    assert settings["FRONTEND_BACKEND_URL"] == "http://backend"
    assert settings["FRONTEND_BACKEND_POD_SELECTOR"] == "app.kubernetes.io/name=backend"
    assert one(objects, "Service", "backend")["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]
    assert one(objects, "Role", "frontend")["rules"] == [
        {
            "apiGroups": ["apps"],
            "verbs": READ,
            "resources": [
                "deployments",
                "replicasets",
                "statefulsets",
                "daemonsets",
                "controllerrevisions",
            ],
        },
        {"apiGroups": [""], "resources": ["pods", "events"], "verbs": READ},
        {"apiGroups": ["events.k8s.io"], "resources": ["events"], "verbs": READ},
    ]
    assert set(by_kind(objects, "Role")) == {"frontend"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_network_policies(rendered: dict[str, list[Json]], env: str) -> None:
    policies = by_kind(rendered[env], "NetworkPolicy")
    assert set(policies) == {"default-deny", "allow-dns", "backend", "frontend"}
    deny = policies["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    dns = policies["allow-dns"]["spec"]["egress"]
    dns_ports = {(p["protocol"], p["port"]) for p in dns[0]["ports"]}
    assert dns_ports == {("UDP", 53), ("TCP", 53)}
    backend_in = policies["backend"]["spec"]["ingress"]
    assert backend_in[0]["from"] == [{"podSelector": {"matchLabels": _selector("frontend")}}]
    egress = policies["frontend"]["spec"]["egress"]
    assert egress[0]["to"] == [{"podSelector": {"matchLabels": _selector("backend")}}]
    assert {p["port"] for p in egress[1]["ports"]} == {443, 6443}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_overlay_is_patches_only(env: str) -> None:
    overlay = K8S / "overlays" / env
    kustomization = load(overlay / "kustomization.yaml")
    allowed = {
        "apiVersion", "kind", "namespace", "resources", "images", "labels", "patches",
        "transformers",
    }  # fmt: skip
    assert set(kustomization) <= allowed
    assert kustomization["resources"] == ["../../base"]
    assert kustomization["transformers"] == ["../../transformers/image-identity"]
    for label in kustomization["labels"]:
        assert label["includeSelectors"] is False
    base = {(o["kind"], o["metadata"]["name"]) for o in render(K8S / "base")}
    base |= {("ConfigMap", s) for s in SERVICES}  # generated names before hashing
    for patch in kustomization["patches"]:
        target = load(overlay / patch["path"])
        assert (target["kind"], target["metadata"]["name"]) in base, patch


def test_one_resource_per_file_named_by_kind() -> None:
    for path in sorted((K8S / "base").rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        doc = load(path)
        assert path.stem.split("-")[0] == doc["kind"].lower(), path


def test_argocd_project_allows_exactly_what_the_overlays_render(
    rendered: dict[str, list[Json]],
) -> None:
    gitops = render(K8S / "gitops" / "argocd")
    project = one(gitops, "AppProject", "gitops-platform")["spec"]
    allowed = {
        (k["group"], k["kind"])
        for k in project["clusterResourceWhitelist"] + project["namespaceResourceWhitelist"]
    }
    used = {
        (o["apiVersion"].rpartition("/")[0], o["kind"])
        for env in ENVIRONMENTS
        for o in rendered[env]
    }
    assert allowed == used
    assert {d["namespace"] for d in project["destinations"]} == {
        f"gitops-platform-{env}" for env in ENVIRONMENTS
    }
    appset = one(gitops, "ApplicationSet", "gitops-platform")["spec"]
    assert [e["env"] for e in appset["generators"][0]["list"]["elements"]] == list(ENVIRONMENTS)
    template = appset["template"]["spec"]
    assert template["source"]["path"] == "k8s/overlays/{{.env}}"
    assert template["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert template["syncPolicy"]["retry"]["backoff"]["factor"] == 2


def test_flux_chain_points_each_environment_at_its_overlay() -> None:
    gitops = render(K8S / "gitops" / "flux")
    kustomizations = by_kind(gitops, "Kustomization")
    previous: str | None = None
    for env in ENVIRONMENTS:
        spec = kustomizations[f"gitops-platform-{env}"]["spec"]
        assert (K8S.parent / spec["path"]).is_dir()
        assert spec["path"] == f"./k8s/overlays/{env}"
        assert (spec["prune"], spec["wait"]) == (True, True)
        assert set(spec) >= {"timeout", "interval", "retryInterval"}
        depends = [d["name"] for d in spec.get("dependsOn", [])]
        assert depends == ([previous] if previous else [])
        previous = f"gitops-platform-{env}"
    assert "!/k8s/" in one(gitops, "GitRepository", "gitops-platform")["spec"]["ignore"]


def test_the_opt_in_cluster_wide_role_reads_exactly_what_the_namespaced_one_does() -> None:
    def rules(path: str) -> list[dict[str, object]]:
        loaded: dict[str, list[dict[str, object]]] = YAML(typ="safe").load((K8S / path).read_text())
        return loaded["rules"]

    wide = rules("optional/board-cluster-wide/clusterrole.yaml")
    assert wide == rules("base/frontend/role.yaml")
    assert all(rule["verbs"] == ["get", "list", "watch"] for rule in wide)


def test_the_opt_in_node_role_reads_nodes_only_and_is_what_infra_binds() -> None:
    folder = K8S / "optional" / "board-nodes"
    role = YAML(typ="safe").load((folder / "clusterrole.yaml").read_text())
    binding = YAML(typ="safe").load((folder / "clusterrolebinding.yaml").read_text())
    assert role["rules"] == [{"apiGroups": [""], "resources": ["nodes"],
                              "verbs": ["get", "list", "watch"]}]  # fmt: skip
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert [s["name"] for s in binding["subjects"]] == ["frontend"]
    # make run's board gets the same rules: infra/live/local reads this file.
    infra = (K8S.parent / "infra" / "live" / "local" / "main.tf").read_text()
    assert "k8s/optional/board-nodes/clusterrole.yaml" in infra
