"""The delivery loop end to end: commits pushed to git, reconciled by the real Flux controllers.

No test code applies a delivered manifest. The drill applies only the Flux objects a
user applies (``k8s/gitops/flux``, with the URL and intervals patched for the test by
``tools.platformkit.gitops.bootstrap``), as ``flux bootstrap`` would; from then on the only way a
change reaches the cluster is a commit pushed to the config repository and reconciled
by kustomize-controller. Reconciles are requested the way ``flux reconcile`` does
(``reconcile.fluxcd.io/requestedAt``), so the drill is not bound by poll intervals.

1. promote good B -> Flux Ready at the commit -> rollout -> verify 0 -> board Healthy
   with the Kustomization Ready at that commit;
2. promote broken C -> rollout stuck -> verify 1 -> revert commit -> Flux (cancelling
   C's health check) -> Healthy at B again, with no manual step;
3. a commit the apiserver rejects -> Flux reports the dry-run failure -> the board shows
   it -> revert -> recovered;
4. drift: manual edits are undone by the next reconcile; a file deleted from git is
   pruned from the cluster;
5. staging follows dev through dependsOn, never ahead of a failing dev (checked in 1-4);
6. every verification was recorded as a git note on its promotion (what verify.yaml
   does): the four keys computed from a fresh clone match what the drill did.

Every wait is a bounded poll on real objects; nothing sleeps to assert.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from delivery.git import run as git
from tests.e2e.gitops import CI_AUTHOR, SHA, deployment_revision, image
from tests.e2e.timings import Clock
from tests.support.realnode import NodeCluster
from tools.platformkit import images
from tools.platformkit.board import board, status
from tools.platformkit.gitops.bootstrap import (
    SOURCE_NAME,
    Environment,
    as_list,
    flux_objects,
    kustomization_name,
    node_patches,
)
from tools.platformkit.gitops.configrepo import ConfigRepo
from tools.platformkit.gitops.flux import NAMESPACE as FLUX_NAMESPACE
from tools.platformkit.gitops.flux import Flux, ready_condition
from tools.platformkit.gitops.flux_view import FluxView, flux_revision, last_applied
from tools.platformkit.gitops.gitserver import GitServer
from tools.platformkit.kube import Kube
from tools.platformkit.node.kubelet import NODE_LABEL, TAINT_KEY
from tools.platformkit.polling import wait_for
from tools.platformkit.processes import ServiceProcess, run_pipeline

pytestmark = [pytest.mark.e2e, pytest.mark.cluster, pytest.mark.flux, pytest.mark.realnode]

# C's rollout is judged stuck by verify well before the Deployment's progress deadline,
# so the revert lands while Flux is still health-checking C (and cancels that check).
PROGRESS_DEADLINE_S, VERIFY_BAD_TIMEOUT_S = 30, 15
Json = dict[str, Any]


VERSIONS = {"A": ("1.0.0", "good"), "B": ("1.1.0", "good"), "C": ("1.2.0", "bad")}
BACKEND_IP = "10.96.0.80"  # dev's backend Service (no cluster DNS on the node)


def real_versions(nc: NodeCluster) -> dict[str, str]:
    """A, B and C as real images: the pushed backend build with each version's identity
    in its config (``crane mutate``); C's readiness dependency never answers, so the
    kubelet never marks its pods Ready. Version -> the digest the registry serves."""
    versions = {}
    for version, (label, kind) in VERSIONS.items():
        identity = {"BACKEND_GIT_SHA": SHA[version], "BACKEND_VERSION": label}
        versions[version] = nc.derive(label, identity | dict(images.VARIANTS[kind]))
    return versions


@dataclass
class Drill:
    kube: Kube
    kubectl_config: Path
    repo: ConfigRepo
    view: FluxView
    flux: Flux
    dev: str  # namespaces
    staging: str
    digest: dict[str, str]  # version -> its real image's digest
    clock: Clock
    board: ServiceProcess | None = None
    failed_at: datetime | None = None
    restored_at: datetime | None = None

    def record(self, promotion: str, verdict: str) -> datetime:
        """verify.yaml's record of an outcome: a git note on the promotion, pushed."""
        at = datetime.now(UTC).replace(microsecond=0)
        result = run_pipeline("delivery-record", "--repo", str(self.repo.work),
                              "--promotion", promotion, "--verdict", verdict,
                              "--at", at.isoformat().replace("+00:00", "Z"))  # fmt: skip
        assert result.returncode == 0, result.stderr
        git(self.repo.work, "push", "-q", "origin", "refs/notes/deployments")
        return at

    def promote(self, version: str) -> str:
        """What promote.yaml does: the promotion commit of VERSION's digest, pushed."""
        pushed = self.repo.promote(self.digest[version], SHA[version])
        assert self.repo.subject() == f"deploy(dev): promote backend to {SHA[version][:12]}"
        return pushed

    def namespace(self, env: str) -> str:
        return self.dev if env == "dev" else self.staging

    def verify(
        self, version: str, timeout: float, with_board: bool = False, judge: bool = False
    ) -> Any:
        """The pipeline's ``verify`` against every ready endpoint of dev's backend Service;
        JUDGE: judging the rollout from the Deployment, its pods and events as well."""
        url = self.board.url if with_board and self.board else None
        deployment = ["--deployment", f"{self.dev}/backend"]
        on_board = ["--status-url", f"{url}/api/v1/status", *deployment] if url else []
        return run_pipeline(
            "verify", *on_board, *(["--judge-rollout", *deployment] if judge else []),
            "--service", f"{self.dev}/backend", "--port", "8080",
            "--kubeconfig", str(self.kubectl_config), "--kubectl", self.kube.kubectl,
            "--expect-sha", SHA[version], "--expect-digest", self.digest[version],
            "-n", "3", "--interval", "0.5", "--timeout", str(timeout), "--json",
        )  # fmt: skip

    def deployment(self, env: str = "dev") -> Json:
        return self.kube.json("get", "deployment", "backend", "-n", self.namespace(env))

    def entry(self, env: str = "dev") -> Json | None:
        """The backend's entry on the board: its card and its GitOps sync entries."""
        assert self.board is not None
        for group in status(self.board)["namespaces"]:
            if group["namespace"] != self.namespace(env):
                continue
            for entry in group["deployments"]:
                if entry["deployment"]["name"] == "backend":
                    found: Json = entry
                    return found
        return None

    def page(self) -> str:
        """The board's HTML page, as a person sees it."""
        assert self.board is not None
        return httpx.get(self.board.url + "/", timeout=5).text

    def board_shows(self, what: str, env: str = "dev", **expected: Any) -> Json:
        """Wait until the board's backend card and its Flux entry match ``expected``.

        Keys: ``health`` (card code), ``done`` (rollout), ``revision`` (Deployment
        revision), and ``flux_<field>`` for the Flux entry's fields in /api/v1/status
        (``sync``, ``health``, ``revision``; ``state``, ``phrase``, ``reason``,
        ``applied_revision``, ``attempted_revision``, ``message``).
        """

        def matches() -> Json | None:
            entry = self.entry(env)
            if entry is None:
                return None
            card, fluxes = entry["deployment"], [g for g in entry["gitops"] if g["tool"] == "Flux"]
            seen = {"health": card["health"]["code"], "done": card["rollout"]["done"],
                    "revision": card["revision"]}  # fmt: skip
            if fluxes:
                seen |= {f"flux_{k}": v for k, v in fluxes[0].items()}
            return entry if all(seen.get(k) == v for k, v in expected.items()) else None

        found: Json = wait_for(f"board ({env}): {what}", matches, timeout=60)
        return found


# --- setup: namespaces, the config repository, the bootstrap ------------------------


def bootstrap_objects(git_url: str, dev: str, staging: str) -> list[Json]:
    """The user's k8s/gitops/flux objects, with only the documented local changes."""
    toleration = {"key": TAINT_KEY, "operator": "Exists", "effect": "NoSchedule"}
    patches = node_patches({NODE_LABEL: "real"}, toleration, BACKEND_IP,
                           deadline=PROGRESS_DEADLINE_S, replicas=2, drain=2)  # fmt: skip
    environments = [Environment("dev", dev, patches), Environment("staging", staging)]
    return flux_objects(git_url, environments)


def apply_flux_objects(kube: Kube, objects: list[Json]) -> None:
    # The drill's only apply: the bootstrap (like `flux bootstrap` or `kubectl apply -k
    # k8s/gitops/flux`), Flux's own objects. Never a delivered manifest: Flux applies those.
    kube.run("apply", "--server-side", "-f", "-", input=as_list(objects))


def bootstrap(d: Drill, objects: list[Json], seed: str) -> None:
    """The user's Flux objects into flux-system; Flux then delivers ``seed`` to both envs.

    The GitRepository goes first: a Kustomization whose source has no artifact yet
    would only retry later.
    """
    apply_flux_objects(d.kube, [o for o in objects if o["kind"] != "Kustomization"])
    d.view.pull(seed)
    apply_flux_objects(d.kube, [o for o in objects if o["kind"] == "Kustomization"])
    d.view.applied("dev", seed)
    d.view.applied("staging", seed)


def unbootstrap(kube: Kube, objects: list[Json]) -> None:
    """Delete the Flux objects; prune: true makes Flux delete what each one applied."""
    kube.run("delete", "-f", "-", "--timeout=90s", input=as_list(objects), check=False)


# --- the steps ------------------------------------------------------------------------


def step_promote_good(d: Drill) -> str:
    """1. Promote B: Flux applies the commit, the rollout completes, verify and board agree.
    While dev's Kustomization is suspended (``flux suspend``), B is not delivered: verify
    judging the rollout says so (exit 4), and neither fails nor passes it."""
    before = deployment_revision(d.deployment())
    suspend(d, "dev", True)
    commit = d.promote("B")
    undelivered = d.verify("B", 4, judge=True)
    assert undelivered.returncode == 4, undelivered.stderr
    assert json.loads(undelivered.stdout)["result"] == "not-delivered"
    assert "not delivered: the Deployment's template still pins" in undelivered.stderr
    suspend(d, "dev", False)
    d.clock.step("1. B not delivered while dev is suspended: verify exit 4")
    d.view.pull(commit)
    d.clock.step("1. promote B: commit, push, Flux fetched it")
    d.view.applied("dev", commit)
    d.clock.step("1. Flux applied B to dev and health-checked the rollout (Ready)")
    d.kube.rollout_status("backend", d.dev, timeout="10s")
    assert d.digest["B"] in image(d.deployment())
    card = d.board_shows(
        "Healthy at revision N+1, Flux Ready at the commit",
        health="Healthy", done=True, revision=before + 1, flux_sync="Ready", flux_state="ready",
        flux_revision=flux_revision(commit), flux_applied_revision=flux_revision(commit),
        flux_attempted_revision=None,
    )["deployment"]  # fmt: skip
    assert card["rollout"]["message"] == 'deployment "backend" successfully rolled out'
    assert f"main@sha1:{commit[:12]}" in d.page()  # the GitOps line: applied <revision>
    verified = d.verify("B", 30, with_board=True)
    assert verified.returncode == 0, verified.stderr
    assert "board: Healthy" in verified.stderr
    d.record(commit, "verified")
    d.clock.step("1. verify exit 0, board Healthy with the Kustomization Ready at the commit")
    follow(d, commit, "B's promotion")
    return commit


def suspend(d: Drill, env: str, suspended: bool) -> None:
    """``flux suspend`` / ``flux resume`` of ENV's Kustomization: the user's switch."""
    patch = json.dumps({"spec": {"suspend": suspended}})
    d.kube.run("patch", "kustomizations.kustomize.toolkit.fluxcd.io", kustomization_name(env),
               "-n", FLUX_NAMESPACE, "--type=merge", "-p", patch)  # fmt: skip


def follow(d: Drill, commit: str, what: str) -> None:
    """5. staging applies a revision only after dev is Ready at it (dependsOn)."""
    d.view.applied("staging", commit)
    d.board_shows("staging at dev's revision", env="staging", flux_state="ready",
                  flux_applied_revision=flux_revision(commit))  # fmt: skip
    d.clock.step(f"5. staging followed dev to {what}")


def held_back(d: Drill, good: str) -> None:
    """5. While dev fails, staging stays at the last commit dev was Ready at."""

    def blocked() -> Json | None:
        obj = d.view.kustomization("staging")
        reason = ready_condition(obj).get("reason")
        return (
            obj
            if reason == "DependencyNotReady" and last_applied(obj) == flux_revision(good)
            else None
        )

    obj = wait_for("staging held back by dependsOn", blocked, timeout=30)
    message = ready_condition(obj)["message"]
    assert kustomization_name("dev") in message
    d.board_shows("staging waiting for dev", env="staging", flux_state="failed",
                  flux_phrase="waiting for dependency", flux_reason="DependencyNotReady",
                  flux_applied_revision=flux_revision(good))  # fmt: skip


def step_promote_bad(d: Drill, good: str) -> str:
    """2. Promote broken C: stuck, verify fails, the pipeline reverts, Flux recovers."""
    promotion = d.promote("C")
    d.view.pull(promotion)
    d.view.attempting("dev", promotion)
    wait_for("C's pods created", lambda: d.digest["C"] in image(d.deployment()), timeout=30)
    d.clock.step("2. promote C: Flux applied it and is health-checking the rollout")
    code = stuck(d, good, promotion)
    d.failed_at = d.record(promotion, "failed")
    d.clock.step("2. verify exit 1 (only B answers), board Progressing, staging held back")
    cancels = health_check_cancels(d)
    revert = rollback(d, promotion, code)
    d.clock.step("2. rollback commit pushed, Flux fetched it")
    d.view.applied("dev", revert)
    # CancelHealthCheckOnNewRevision: the revert did not wait for C's check to time out.
    assert health_check_cancels(d) == cancels + 1
    d.clock.step("2. Flux cancelled C's health check, applied the revert: Ready")
    recovered = d.board_shows("Healthy at B again", health="Healthy", done=True, flux_state="ready",
                              flux_applied_revision=flux_revision(revert))  # fmt: skip
    assert all(d.digest["B"] in i for i in recovered["deployment"]["images"])
    again = d.verify("B", 30, with_board=True)
    assert again.returncode == 0, again.stderr
    # What verify.yaml does after a revert: the version answering again is recorded
    # verified on its own promotion, which is the restore.
    d.restored_at = d.record(good, "verified")
    d.clock.step("2. verify exit 0 at B, board Healthy")
    follow(d, revert, "the revert (never to C)")
    return revert


def stuck(d: Drill, good: str, promotion: str) -> int:
    """C's rollout is stuck: verify fails, the board and Flux say so; returns verify's code."""
    failed = d.verify("C", VERIFY_BAD_TIMEOUT_S)
    assert failed.returncode == 1, failed.stderr
    summary = json.loads(failed.stdout)
    assert summary["result"] == "mismatch"
    assert any(label.startswith(SHA["B"][:12]) for label in summary["seen"])
    # Flux is still health-checking C (Ready Unknown) and has applied B last.
    entry = d.board_shows("rollout stuck, Flux health check running",
                          health="Progressing", done=False, flux_sync="Unknown",
                          flux_state="reconciling", flux_applied_revision=flux_revision(good),
                          flux_attempted_revision=flux_revision(promotion))  # fmt: skip
    # The kubelet's readiness probes fail on every C pod: none is Ready, B's pods serve.
    current = [p for p in entry["deployment"]["pods"] if p["current"]]
    assert current
    assert all(p["ready"].startswith("0/") for p in current), current
    held_back(d, good)
    code: int = failed.returncode
    return code


def health_check_cancels(d: Drill) -> int:
    """How often kustomize-controller logged that a new revision cancelled a health check."""
    log = d.flux.log_path("kustomize-controller").read_text(errors="replace")
    return log.count("New reconciliation triggered, canceling health checks")


def rollback(d: Drill, promotion: str, code: int) -> str:
    """What verify.yaml does on failure: ``rollback`` reverts the promotion, CI pushes it."""
    result = run_pipeline("rollback", "--repo", str(d.repo.work), "--promotion", promotion,
                  "--reason", f"verify exit {code}", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    back = json.loads(result.stdout)
    assert back["previous_source_sha"] == SHA["B"]
    assert back["digests"]["backend"] == d.digest["B"]
    revert = d.repo.push()
    trailer = git(d.repo.work, "log", "-1", "--format=%(trailers:key=Reverts-Promotion,valueonly)")
    assert trailer.strip() == promotion
    d.view.pull(revert)
    return revert


def break_container_port(work: Path) -> None:
    """Valid YAML that kustomize builds, but an out-of-range port the apiserver rejects."""
    path = work / "k8s" / "base" / "backend" / "deployment.yaml"
    path.write_text(path.read_text().replace("containerPort: 8080", "containerPort: 70000"))


def step_broken_commit(d: Drill, good: str) -> str:
    """3. A commit the apiserver rejects: Flux reports it, nothing changes, revert recovers."""
    generation = d.deployment()["metadata"]["generation"]
    broken = d.repo.commit("feat(backend): listen on the new port", break_container_port)
    d.view.pull(broken)
    obj = d.view.failed("dev", broken, "ReconciliationFailed")
    message = ready_condition(obj)["message"]
    assert "dry-run failed" in message
    assert "containerPort" in message
    assert last_applied(obj) == flux_revision(good)
    d.clock.step("3. broken commit: Flux reports the dry-run failure (Ready=False)")
    # Flux rejected the whole set before applying any of it: the cluster still runs B.
    assert d.deployment()["metadata"]["generation"] == generation
    still = d.verify("B", 30)
    assert still.returncode == 0, still.stderr
    board_shows_failure(d, good, broken, message)
    held_back(d, good)
    d.clock.step("3. board shows the failure, verify still exit 0 at B, staging held back")
    fixed = d.repo.git_revert(broken)
    d.view.pull(fixed)
    d.view.applied("dev", fixed)
    d.board_shows("Flux Ready after the revert", health="Healthy", done=True,
                  flux_state="ready", flux_applied_revision=flux_revision(fixed),
                  flux_attempted_revision=None)  # fmt: skip
    d.clock.step("3. revert commit: Flux Ready again, board shows it")
    follow(d, fixed, "the fix")
    return fixed


def board_shows_failure(d: Drill, good: str, broken: str, message: str) -> None:
    """The card stays Healthy (B runs) while its GitOps line says the commit failed, in
    Flux's own words (Flux ends them with a newline the board trims)."""
    d.board_shows("reconciliation failed with Flux's message", health="Healthy",
                  flux_sync="NotReady", flux_state="failed", flux_phrase="reconciliation failed",
                  flux_reason="ReconciliationFailed", flux_message=message.strip(),
                  flux_applied_revision=flux_revision(good),
                  flux_attempted_revision=flux_revision(broken))  # fmt: skip
    page = d.page()
    assert "reconciliation failed" in page
    assert "containerPort: Invalid value: 70000" in page


def configmap_name(d: Drill) -> str:
    container = d.deployment()["spec"]["template"]["spec"]["containers"][0]
    name: str = container["envFrom"][0]["configMapRef"]["name"]  # generated, hashed name
    return name


def drift(d: Drill) -> tuple[str, str]:
    """kubectl edits of fields Flux manages and no controller writes back (unlike replicas,
    which the HPA would restore by itself): a ConfigMap value and the Service's targetPort.

    Not the Service's ``port``: it is the key of the ports list in server-side apply, so
    Flux's apply would add port 80 back as a second entry (the apiserver rejects the
    duplicate name "http") instead of replacing the edited one.
    """
    configmap = configmap_name(d)
    d.kube.run("patch", "configmap", configmap, "-n", d.dev, "--type=merge",
               "-p", json.dumps({"data": {"BACKEND_LOG_LEVEL": "error"}}))  # fmt: skip
    port = [{"op": "replace", "path": "/spec/ports/0/targetPort", "value": 9090}]
    d.kube.run("patch", "service", "backend", "-n", d.dev, "--type=json", "-p", json.dumps(port))
    return live_drift_fields(d)


def live_drift_fields(d: Drill) -> tuple[str, str]:
    data = d.kube.json("get", "configmap", configmap_name(d), "-n", d.dev)["data"]
    ports = d.kube.json("get", "service", "backend", "-n", d.dev)["spec"]["ports"]
    return data["BACKEND_LOG_LEVEL"], str(ports[0]["targetPort"])


def drop_backend_pdb(work: Path) -> None:
    backend = work / "k8s" / "base" / "backend"
    (backend / "poddisruptionbudget.yaml").unlink()
    kustomization = backend / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace("  - poddisruptionbudget.yaml\n", "")
    )


def pdb_exists(d: Drill, env: str) -> bool:
    found = d.kube.run("get", "pdb", "backend", "-n", d.namespace(env), check=False)
    return found.returncode == 0


def step_drift_and_prune(d: Drill) -> None:
    """4. Flux undoes manual edits on the next reconcile and prunes what git no longer has."""
    assert drift(d) == ("error", "9090")
    d.clock.step("4. drift: a ConfigMap value and the Service's targetPort edited with kubectl")
    obj = d.view.reconcile("dev")
    assert ready_condition(obj)["status"] == "True", ready_condition(obj)
    assert live_drift_fields(d) == ("debug", "http")
    d.clock.step("4. flux reconcile: both edits reverted to git's values")
    assert pdb_exists(d, "dev")
    assert pdb_exists(d, "staging")
    pruned = d.repo.commit("chore(backend): drop the PodDisruptionBudget", drop_backend_pdb)
    d.view.pull(pruned)
    obj = d.view.applied("dev", pruned)
    assert not pdb_exists(d, "dev")
    ids = [e["id"] for e in obj["status"]["inventory"]["entries"]]
    assert f"{d.dev}_backend_policy_PodDisruptionBudget" not in ids
    d.board_shows("Flux Ready at the prune commit", health="Healthy",
                  flux_state="ready", flux_applied_revision=flux_revision(pruned))  # fmt: skip
    verified = d.verify("B", 30)
    assert verified.returncode == 0, verified.stderr
    d.clock.step("4. file deleted from git: Flux pruned the PDB from dev")
    follow(d, pruned, "the prune commit")
    assert not pdb_exists(d, "staging")


def step_delivery_metrics(d: Drill) -> None:
    """6. The four keys, computed from a fresh clone of the forge: git is the record."""
    clone = d.repo.work.parent / "metrics-clone"
    git(d.repo.work.parent, "clone", "-q", str(d.repo.remote), str(clone))
    git(clone, "fetch", "-q", "origin", "refs/notes/deployments:refs/notes/deployments")
    result = run_pipeline("delivery-metrics", "--repo", str(clone), "--since", "1d",
                          "--env", "dev", "--json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (dev,) = json.loads(result.stdout)["environments"]
    assert d.failed_at is not None
    assert d.restored_at is not None
    measured = (d.restored_at - d.failed_at).total_seconds()
    # A, B and C promoted; A and B verified, C failed and was reverted.
    assert (dev["deployments"], dev["outcomes"], dev["failures"]) == (2, 3, 1)
    assert dev["change_failure_rate"] == pytest.approx(1 / 3)
    assert dev["restore_median_s"] == pytest.approx(measured)
    assert (dev["open_failures"], dev["unverified"]) == (0, 0)
    d.clock.step(f"6. delivery metrics from git: 2 deployments, 1 failure, restored in "
                 f"{measured:.0f}s")  # fmt: skip


# --- the drill ------------------------------------------------------------------------


def pin_frontend(work: Path, digest: str) -> None:
    """dev's frontend at the build the registry holds (k8s/ pins a published one)."""
    overlay = work / "k8s" / "overlays" / "dev" / "kustomization.yaml"
    text = overlay.read_text()
    name = "newName: ghcr.io/example-org/gitops-platform-frontend\n    digest: "
    start = text.index(name) + len(name)
    overlay.write_text(text[:start] + digest + text[start + len(digest) :])


@pytest.fixture(scope="module")
def node_flux(
    node_cluster: NodeCluster, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flux]:
    """Flux's controllers on the real node's control plane (installed, flux-system only)."""
    cp = node_cluster.cp
    instance = Flux(node_cluster.kube, cp.server, cp.pki.ca_crt,
                    tmp_path_factory.mktemp("node-flux"), watch_all_namespaces=False)  # fmt: skip
    instance.install().start()
    try:
        yield instance
    finally:
        instance.stop()


@pytest.fixture
def node_namespaces(node_cluster: NodeCluster) -> Iterator[tuple[str, str]]:
    """Fresh names; Flux creates the namespaces (the overlays' Namespace, retargeted)."""
    base = f"drill-{secrets.token_hex(3)}"
    yield f"{base}-dev", f"{base}-staging"
    for env in ("dev", "staging"):
        node_cluster.kube.run("delete", "namespace", f"{base}-{env}", "--wait=false", check=False)


@pytest.mark.timeout(600)
def test_delivery_through_flux(
    node_cluster: NodeCluster,
    node_flux: Flux,
    git_server: GitServer,
    node_namespaces: tuple[str, str],
    tmp_path: Path,
) -> None:
    nc, flux = node_cluster, node_flux
    dev, staging = node_namespaces
    name = dev.removesuffix("-dev")
    repo = ConfigRepo.seed(git_server.create_repo(name), tmp_path / "work", CI_AUTHOR)
    view = FluxView(flux, nc.cp.api())
    d = Drill(nc.kube, nc.cp.kubeconfig, repo, view, flux, dev, staging, real_versions(nc),
              Clock())  # fmt: skip
    repo.commit("chore(dev): the frontend build this run pushed",
                lambda work: pin_frontend(work, nc.digests["frontend"]))  # fmt: skip
    seed = d.promote("A")
    objects = bootstrap_objects(git_server.url(name), dev, staging)
    try:
        run_drill(d, objects, seed)
    except BaseException:
        dump(d)
        raise
    finally:
        unbootstrap(nc.kube, objects)
        d.clock.total()
    assert any("git-upload-pack" in r for r in git_server.requests)


def run_drill(d: Drill, objects: list[Json], seed: str) -> None:
    bootstrap(d, objects, seed)
    d.kube.rollout_status("backend", d.dev, timeout="10s")
    initial = d.verify("A", 60)
    assert initial.returncode == 0, initial.stderr
    d.record(seed, "verified")
    d.clock.step("setup: bootstrap, Flux Ready at A in dev and staging, verify exit 0")
    with board(d.kubectl_config, f"{d.dev},{d.staging}", FRONTEND_PROBE_PODS="true") as proc:
        d.board = proc
        d.clock.step("setup: board process started and synced")
        d.board_shows(
            "Flux Ready at A", flux_state="ready", flux_applied_revision=flux_revision(seed)
        )
        d.clock.step("setup: board shows the Kustomization Ready at A")
        good = step_promote_good(d)
        reverted = step_promote_bad(d, good)
        step_broken_commit(d, reverted)
        step_drift_and_prune(d)
    step_delivery_metrics(d)


def dump(d: Drill) -> None:
    """Shown with a failure: what the cluster and Flux saw."""
    for namespace in (d.dev, d.staging):
        objects = d.kube.run("get", "deploy,rs,pods,endpointslices", "-n", namespace, "-o", "wide",
                             check=False)  # fmt: skip
        events = d.kube.run("get", "events", "-n", namespace, "--sort-by=.lastTimestamp",
                            check=False)  # fmt: skip
        print(objects.stdout, events.stdout)  # noqa: T201
    for kind, name in (("GitRepository", SOURCE_NAME),
                       ("Kustomization", kustomization_name("dev")),
                       ("Kustomization", kustomization_name("staging"))):  # fmt: skip
        status = d.view.get(kind, name).get("status") or {}
        print(kind, name, json.dumps(status, indent=1)[:3000])  # noqa: T201
