"""The application factory's wiring: which object source and which probe targets it uses."""

from __future__ import annotations

from frontend.app import create_app
from frontend.cluster.watch_cache import WatchCache
from frontend.settings import Settings
from frontend.state import Runtime
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import rollout
from tools.platformkit.processes import DEAD_BACKEND


def _runtime(objects: StaticCluster | None = None, **settings: object) -> Runtime:
    """The runtime of an app whose lifespan never starts: nothing runs in the background."""
    config = Settings(backend_url=DEAD_BACKEND, **settings)  # type: ignore[arg-type]
    runtime: Runtime = create_app(config, objects).state.runtime
    return runtime


def test_probe_targets_are_the_selected_pods_of_the_object_source() -> None:
    objects = StaticCluster(rollout("backend", replicas=2) + rollout("web", replicas=1))

    runtime = _runtime(objects, probe_pods=True, backend_pod_port=9000)
    targets = runtime.probes.pod_targets()

    backend_pods = [
        o for o in objects.objects
        if o["kind"] == "Pod" and o["metadata"]["labels"]["app.kubernetes.io/name"] == "backend"
    ]  # fmt: skip
    assert len(backend_pods) == 2
    assert [t.name for t in targets] == [p["metadata"]["name"] for p in backend_pods]
    assert [t.url for t in targets] == [f"http://{p['status']['podIP']}:9000" for p in backend_pods]


def test_probe_targets_follow_the_configured_selector() -> None:
    objects = StaticCluster(rollout("backend", replicas=2) + rollout("web", replicas=1))

    runtime = _runtime(objects, backend_pod_selector="app.kubernetes.io/name=web")

    assert [t.name.split("-")[0] for t in runtime.probes.pod_targets()] == ["web"]


def test_without_an_object_source_the_app_watches_the_cluster_itself() -> None:
    assert isinstance(_runtime().objects, WatchCache)
    assert _runtime(StaticCluster()).objects == StaticCluster()
