"""``BoardAssembly``: the cards, then the environments view over every kind of workload."""

from __future__ import annotations

import copy
from typing import Any

from frontend.board.assembly import BoardAssembly
from tests.frontend.status.fixtures import load_flux
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW

Json = dict[str, Any]
DEV, STAGING = "capflux-dev", "capflux-staging"


def _statefulset(namespace: str, image: str) -> Json:
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": namespace, "generation": 1,
                     "uid": f"db-{namespace}"},
        "spec": {"replicas": 1, "updateStrategy": {"type": "RollingUpdate"},
                 "template": {"spec": {"containers": [{"name": "db", "image": image}]}}},
        "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1,
                   "currentReplicas": 1, "updatedReplicas": 1, "availableReplicas": 1,
                   "updateRevision": "db-1", "currentRevision": "db-1"},
    }  # fmt: skip


def _delivering_db(scenario: str, namespace: str) -> Json:
    kustomization = copy.deepcopy(load_flux(scenario).kustomization)
    kustomization["status"]["inventory"] = {
        "entries": [{"id": f"{namespace}_db_apps_StatefulSet", "v": "v1"}]
    }
    return kustomization


def test_a_statefulsets_promotion_step_compares_its_images() -> None:
    objects = [
        _statefulset(DEV, "registry.local/db:16.2"),
        _statefulset(STAGING, "registry.local/db:16.1"),
        _delivering_db("ready", DEV),
        _delivering_db("dependency-not-ready", STAGING),
    ]
    board = BoardAssembly().build(StaticCluster(objects, (DEV, STAGING)).snapshot(), PROBES, NOW)
    (row,) = board.environments.rows
    assert row.application == "db"
    (step,) = row.steps
    images = [c for c in step.changes if c.setting == "image db"]
    assert [(c.now, c.then) for c in images] == [
        ("registry.local/db:16.1", "registry.local/db:16.2")
    ]
