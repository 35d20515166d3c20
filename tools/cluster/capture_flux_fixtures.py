"""Record real Flux Kustomizations, ready and failing, into tests/fixtures/flux/*.json.

Runs the real source-controller and kustomize-controller
(tools.platformkit.gitops.flux) against a control plane, serves a config repository
from the loopback git server (tools.platformkit.gitops.gitserver), applies the user's
Flux objects (tools.platformkit.gitops.bootstrap) into a namespace of its own, then
pushes commits that break the dev environment in the ways Flux reports differently,
snapshotting each Kustomization straight from the API server once Flux has written the
state asked for. Everything it created is
deleted at the end (the Kustomizations first, so Flux prunes what they applied) and
its controllers are stopped by PID.

Run: ``uv run python -m tools.cluster.capture_flux_fixtures [--cluster NAME]``; without
``--cluster`` a throwaway control plane is started and stopped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.platformkit.binaries import find_kubectl
from tools.platformkit.cluster.controlplane import ControlPlane
from tools.platformkit.cluster.stages import FAULT_LABEL
from tools.platformkit.gitops.bootstrap import (
    Environment,
    as_list,
    flux_objects,
    kustomization_name,
)
from tools.platformkit.gitops.flux import Flux, ready_condition
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.kube import Json, Kube
from tools.platformkit.paths import REPO_ROOT

OUT_DIR = REPO_ROOT / "tests" / "fixtures" / "flux"
# The Flux objects live here, not in flux-system, and carry SHARD: the controllers are
# started with a watch label selector, so they never touch anyone else's Flux objects.
NAMESPACE = "capflux"
SHARD = ("capture.gitops-platform.test/flux-fixtures", "true")
TARGETS = {"dev": "capflux-dev", "staging": "capflux-staging"}
DEV, STAGING = kustomization_name("dev"), kustomization_name("staging")
DEV_OVERLAY = Path("k8s/overlays/dev")


class Repo:
    """A clone of the config repository; each ``commit`` pushes to main and returns its SHA."""

    def __init__(self, work: Path) -> None:
        self.work = work

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", "-c", "user.name=capture", "-c", "user.email=capture@example.invalid", *args],
            cwd=self.work, check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip

    def commit(self, message: str) -> str:
        self.git("add", "-A")
        self.git("commit", "-qm", message)
        self.git("push", "-q", "origin", "HEAD:main")
        return self.git("rev-parse", "HEAD")

    def restore_k8s(self) -> None:
        shutil.rmtree(self.work / "k8s", ignore_errors=True)
        shutil.copytree(REPO_ROOT / "k8s", self.work / "k8s")

    def edit_overlay(self, edit: Callable[[str], str], extra: dict[str, str] | None = None) -> None:
        overlay = self.work / DEV_OVERLAY
        path = overlay / "kustomization.yaml"
        path.write_text(edit(path.read_text()))
        for name, body in (extra or {}).items():
            (overlay / name).write_text(body)


def add_patch(name: str) -> Callable[[str], str]:
    return lambda text: text.replace("patches:\n", f"patches:\n  - path: {name}\n", 1)


BROKEN_REPLICAS = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  replicas: -1
"""
# kwok's never-ready fault stage (tools/platformkit/cluster/stages.py) keeps the pods
# Running but never Ready, so the Deployment exceeds this short deadline and kstatus,
# hence Flux's health check, calls it Failed.
NEVER_READY = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  progressDeadlineSeconds: 10
  template:
    metadata:
      labels:
        {FAULT_LABEL}: never-ready
"""


def clean(obj: Json) -> Json:
    obj.get("metadata", {}).pop("managedFields", None)
    return obj


def condition(obj: Json, kind: str) -> Json:
    found: list[Json] = (obj.get("status") or {}).get("conditions") or []
    return next((c for c in found if c.get("type") == kind), {})


def revision(sha: str) -> str:
    return f"main@sha1:{sha}"


class Capture:
    def __init__(self, flux: Flux, kube: Kube, server_version: str) -> None:
        self.flux, self.kube, self.server_version = flux, kube, server_version
        self.written: list[Path] = []

    def get(self, name: str) -> Json:
        return self.flux.get("Kustomization", name, NAMESPACE)

    def wait(
        self, name: str, check: Callable[[Json], bool], what: str, timeout: float = 120
    ) -> Json:
        deadline = time.monotonic() + timeout
        while True:
            obj = self.get(name)
            if check(obj):
                return obj
            if time.monotonic() > deadline:
                status = json.dumps(obj.get("status"), indent=1)
                raise TimeoutError(f"{name}: timed out waiting for {what}; status {status}")
            time.sleep(0.1)

    def save(self, scenario: str, description: str, obj: Json, **revisions: str) -> None:
        doc: dict[str, Any] = {
            "scenario": scenario,
            "description": description,
            "captured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "server_version": self.server_version,
            "flux": "source-controller v1.9.6, kustomize-controller v1.9.6",
            "revisions": {key: revision(sha) for key, sha in revisions.items()},
            "kustomization": clean(obj),
        }
        path = OUT_DIR / f"{scenario}.json"
        path.write_text(json.dumps(doc, indent=1) + "\n")
        self.written.append(path)
        ready = condition(obj, "Ready")
        print(f"captured {path.relative_to(REPO_ROOT)}: {ready.get('reason')}", flush=True)


def is_ready_at(sha: str) -> Callable[[Json], bool]:
    def check(obj: Json) -> bool:
        status = obj.get("status") or {}
        return ready_condition(obj).get("status") == "True" and status.get(
            "lastAppliedRevision"
        ) == revision(sha)

    return check


def failed(reason: str, sha: str | None = None) -> Callable[[Json], bool]:
    def check(obj: Json) -> bool:
        ready = ready_condition(obj)
        attempted = (obj.get("status") or {}).get("lastAttemptedRevision")
        return (
            ready.get("status") == "False"
            and ready.get("reason") == reason
            and (sha is None or attempted == revision(sha))
        )

    return check


def health_checking(sha: str) -> Callable[[Json], bool]:
    def check(obj: Json) -> bool:
        reconciling = condition(obj, "Reconciling")
        return (
            reconciling.get("status") == "True"
            and "Running health checks" in str(reconciling.get("message"))
            and ready_condition(obj).get("status") == "Unknown"
            and (obj.get("status") or {}).get("lastAttemptedRevision") == revision(sha)
        )

    return check


def scenarios(cap: Capture, repo: Repo, kube: Kube) -> None:
    good = repo.git("rev-parse", "HEAD")
    dev = cap.wait(DEV, is_ready_at(good), "dev Ready at the first commit")
    cap.save("ready", "dev applied and health-checked at the first commit", dev, applied=good)
    cap.wait(STAGING, is_ready_at(good), "staging Ready at the first commit")

    repo.edit_overlay(add_patch("deployment-broken.yaml"),
                      {"deployment-broken.yaml": BROKEN_REPLICAS})  # fmt: skip
    broken = repo.commit("dev: backend replicas -1 (rejected by the apiserver's dry-run)")
    cap.flux.reconcile("GitRepository", "gitops-platform", NAMESPACE)
    dev = cap.wait(DEV, failed("ReconciliationFailed", broken), "ReconciliationFailed")
    cap.save("reconciliation-failed", "a commit whose Deployment the apiserver rejects "
             "(spec.replicas: -1): the server-side dry-run fails", dev,
             applied=good, attempted=broken)  # fmt: skip
    cap.flux.reconcile("Kustomization", STAGING, NAMESPACE)
    staging = cap.wait(STAGING, failed("DependencyNotReady"), "staging DependencyNotReady")
    cap.save("dependency-not-ready", "staging dependsOn dev, which failed at the new commit",
             staging, applied=good)  # fmt: skip

    repo.restore_k8s()
    repo.edit_overlay(add_patch("missing-file.yaml"))
    build = repo.commit("dev: a patch that names a file the commit does not have")
    cap.flux.reconcile("GitRepository", "gitops-platform", NAMESPACE)
    dev = cap.wait(DEV, failed("BuildFailed", build), "BuildFailed")
    cap.save("build-failed", "kustomization.yaml names a patch file that does not exist",
             dev, applied=good, attempted=build)  # fmt: skip

    repo.restore_k8s()
    repo.edit_overlay(add_patch("deployment-never-ready.yaml"),
                      {"deployment-never-ready.yaml": NEVER_READY})  # fmt: skip
    stuck = repo.commit("dev: backend pods that never become ready, 10 s progress deadline")
    cap.flux.reconcile("GitRepository", "gitops-platform", NAMESPACE)
    dev = cap.wait(DEV, health_checking(stuck), "health checks running")
    cap.save("reconciling", "applied, waiting for the health checks of the new commit",
             dev, applied=good, attempted=stuck)  # fmt: skip
    dev = cap.wait(DEV, failed("HealthCheckFailed", stuck), "HealthCheckFailed")
    cap.save("health-check-failed", "the new commit's backend Deployment exceeds its "
             "progress deadline, so kstatus calls it Failed", dev,
             applied=good, attempted=stuck)  # fmt: skip

    # dependsOn is dropped too: Flux checks dependencies before it opens the artifact.
    patch_spec(kube, STAGING, {"path": "./k8s/overlays/nowhere", "dependsOn": None})
    staging = cap.wait(STAGING, failed("ArtifactFailed"), "ArtifactFailed")
    cap.save("artifact-failed", "spec.path names a directory the artifact does not have",
             staging, applied=good)  # fmt: skip

    cel = [{"apiVersion": "apps/v1", "kind": "Deployment", "current": "status.("}]
    patch_spec(kube, STAGING, {"healthCheckExprs": cel})
    staging = cap.wait(
        STAGING,
        lambda o: (
            failed("InvalidCELExpression")(o) and condition(o, "Stalled").get("status") == "True"
        ),
        "Stalled",
    )
    cap.save("stalled", "an invalid CEL health check expression: Stalled, no retry until "
             "the spec changes", staging, applied=good)  # fmt: skip

    repo.restore_k8s()
    fixed = repo.commit("dev: back to the first commit's manifests")
    cap.flux.reconcile("GitRepository", "gitops-platform", NAMESPACE)
    dev = cap.wait(DEV, is_ready_at(fixed), "dev Ready again")
    cap.save("recovered", "dev Ready again at a later commit with the good manifests",
             dev, applied=fixed)  # fmt: skip


def patch_spec(kube: Kube, name: str, spec: Json) -> None:
    kube.run("patch", "kustomization.kustomize.toolkit.fluxcd.io", name, "-n", NAMESPACE,
             "--type=merge", "-p", json.dumps({"spec": spec}))  # fmt: skip


def flux_setup(git_url: str) -> list[Json]:
    objects = flux_objects(
        git_url,
        [Environment("dev", TARGETS["dev"]), Environment("staging", TARGETS["staging"])],
        timeout="30s", retry_interval="5s",
    )  # fmt: skip
    kept = []
    for obj in objects:
        if obj["kind"] not in ("GitRepository", "Kustomization"):
            continue
        obj["metadata"]["namespace"] = NAMESPACE
        obj["metadata"].setdefault("labels", {})[SHARD[0]] = SHARD[1]
        kept.append(obj)
    return kept


def delete_all(kube: Kube, objects: list[Json]) -> None:
    # Kustomizations first, while Flux runs, so their finalizer prunes what they applied.
    for kind in ("Kustomization", "GitRepository"):
        for obj in objects:
            if obj["kind"] == kind:
                group = "kustomize" if kind == "Kustomization" else "source"
                kube.run("delete", f"{kind.lower()}.{group}.toolkit.fluxcd.io",
                         obj["metadata"]["name"], "-n", NAMESPACE, "--ignore-not-found",
                         "--timeout=90s", check=False)  # fmt: skip
    for ns in (NAMESPACE, *TARGETS.values()):
        kube.run("delete", "namespace", ns, "--ignore-not-found", "--wait=false", check=False)


@contextmanager
def control_plane(name: str | None) -> Iterator[ControlPlane]:
    if name:
        yield ControlPlane.load(name)
        return
    cp = ControlPlane("flux-fixtures", nodes=2).up()
    try:
        yield cp
    finally:
        cp.down()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cluster", help="an existing control plane's name (default: a new one)")
    args = parser.parse_args(argv)
    kubectl = find_kubectl()
    if kubectl is None:
        sys.stderr.write("kubectl not found (run `uv sync`)\n")
        return 2
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with control_plane(args.cluster) as cp, tempfile.TemporaryDirectory(prefix="capflux-") as tmp:
        state = Path(tmp)
        kube = Kube(kubectl, cp.kubeconfig)
        server_version = str(cp.api().get("/version")["gitVersion"])
        flux = Flux(kube, cp.server, cp.pki.ca_crt, state,
                    watch_label_selector="=".join(SHARD)).install()  # fmt: skip
        git = GitServer(state / "git").start()
        objects: list[Json] = []
        try:
            flux.start()
            bare = git.create_repo("config")
            subprocess.run(["git", "clone", "-q", str(bare), str(state / "work")],
                           check=True, capture_output=True)  # fmt: skip
            repo = Repo(state / "work")
            repo.restore_k8s()
            repo.commit("the platform's k8s/ as in this checkout")
            kube.run("create", "namespace", NAMESPACE, check=False)
            objects = flux_setup(git.url("config"))
            kube.run("apply", "-f", "-", input=as_list(objects))
            scenarios(Capture(flux, kube, server_version), repo, kube)
        finally:
            delete_all(kube, objects)
            flux.stop()
            git.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
