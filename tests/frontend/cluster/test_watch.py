"""List-then-watch semantics through the ``Transport`` seam, with a scripted apiserver.

Each test runs the stream's loop in the test thread; the script stops the stream when it
runs out, so every run ends deterministically.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from frontend.cluster.kinds import CLUSTER_KINDS, KINDS, Kind
from frontend.cluster.watch import HttpError, Stream, backoff
from frontend.settings import Settings
from tests.frontend.status.node_objects import lost

Json = dict[str, Any]
Step = Json | Exception
PODS = next(kind for kind in KINDS if kind.plural == "pods")
EVENTS = next(kind for kind in KINDS if kind.plural == "events")
APPLICATIONS = next(kind for kind in KINDS if kind.plural == "applications")
SETTINGS = Settings(backoff_max_seconds=0.1)


def obj(uid: str, rv: str, **labels: str) -> Json:
    return {
        "metadata": {
            "uid": uid, "name": f"pod-{uid}", "resourceVersion": rv, "labels": labels,
            "managedFields": [{"manager": "kubectl"}],
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "1"},
        }
    }  # fmt: skip


def page(*items: Json, rv: str = "10", cont: str | None = None) -> Json:
    meta: Json = {"resourceVersion": rv} | ({"continue": cont} if cont else {})
    return {"items": list(items), "metadata": meta}


def event(kind: str, item: Json) -> Json:
    return {"type": kind, "object": item}


class Watching:
    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.closed = False

    def lines(self) -> Iterator[str]:
        for step in self.steps:
            if isinstance(step, Exception):
                raise step
            yield json.dumps(step)

    def shutdown(self) -> None:
        """Nothing to unblock: the script never blocks."""

    def close(self) -> None:
        self.closed = True


class ScriptedApi:
    """Answers list pages and watch streams from a script; stops the stream when it runs out.

    ``calls`` records the requests the script answered (the one that found it empty is not).
    """

    def __init__(self, lists: list[Step], watches: list[list[Step] | Exception]) -> None:
        self.lists, self.watches = list(lists), list(watches)
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.opened: list[Watching] = []
        self.stream: Stream | None = None

    def _next(self, script: list[Any]) -> Any:
        if not script:
            assert self.stream is not None
            self.stream.stop()
            raise RuntimeError("script finished")
        return script.pop(0)

    def get(self, path: str, query: list[tuple[str, Any]], timeout: float = 30) -> Json:  # noqa: ARG002
        step = self._next(self.lists)
        self.calls.append(("list", path, dict(query)))
        if isinstance(step, Exception):
            raise step
        found: Json = step
        return found

    def watch(self, path: str, query: list[tuple[str, Any]], timeout: float) -> Watching:  # noqa: ARG002
        step = self._next(self.watches)
        self.calls.append(("watch", path, dict(query)))
        if isinstance(step, Exception):
            raise step
        self.opened.append(Watching(step))
        return self.opened[-1]


def run(api: ScriptedApi, kind: Kind = PODS) -> tuple[Stream, int]:
    """Run a stream over the script until it ends; returns it and how often it marked a change."""
    marks = []
    stream = Stream(api, kind, "shop", SETTINGS, lambda: marks.append(1))
    api.stream = stream
    stream._run()
    return stream, len(marks)


def test_stream_lists_in_pages_then_applies_watch_events() -> None:
    a, b, c = obj("a", "5"), obj("b", "6"), obj("c", "11")
    api = ScriptedApi(
        lists=[page(a, cont="next"), page(b, rv="10")],
        watches=[[event("ADDED", c), event("MODIFIED", obj("a", "12", tier="api")),
                  event("DELETED", obj("b", "13")), event("BOOKMARK", {"metadata": {
                      "resourceVersion": "14"}})]],
    )  # fmt: skip

    stream, marks = run(api)

    assert sorted(stream.items) == ["a", "c"]
    assert stream.items["a"]["metadata"]["labels"] == {"tier": "api"}
    assert stream.rv == "14"  # bookmarks move the resourceVersion, nothing else
    assert marks == 1 + 3  # the list, then each change (never the bookmark)
    status = stream.status()
    assert (status.kind, status.namespace, status.synced, status.settled, status.objects) == (
        "pods", "shop", True, True, 2,
    )  # fmt: skip
    assert (status.relists, status.errors, status.problem, status.stale_since) == (1, 0, None, None)
    lists = [query for verb, _, query in api.calls if verb == "list"]
    assert lists == [{"limit": 500}, {"limit": 500, "continue": "next"}]
    (_, path, watch), *_ = [call for call in api.calls if call[0] == "watch"]
    assert path == "/api/v1/namespaces/shop/pods"
    assert (watch["watch"], watch["resourceVersion"], watch["allowWatchBookmarks"]) == (
        "true", "10", "true",
    )  # fmt: skip
    assert all(w.closed for w in api.opened)


def test_stream_keeps_objects_slim() -> None:
    stream, _ = run(ScriptedApi(lists=[page(obj("a", "5"))], watches=[]))

    meta = stream.items["a"]["metadata"]
    assert "managedFields" not in meta
    assert meta["annotations"] == {"keep": "1"}


def test_a_node_stream_lists_nodes_cluster_wide_without_their_images() -> None:
    (kind,) = CLUSTER_KINDS
    api = ScriptedApi(lists=[page(lost())], watches=[])

    stream, _ = run(api, kind)

    assert api.calls[0][1] == "/api/v1/nodes"
    (stored,) = stream.items.values()
    assert "images" not in stored["status"]
    assert "managedFields" not in stored["metadata"]
    assert stored["status"]["conditions"][-1]["reason"] == "NodeStatusUnknown"


def test_stream_asks_only_for_warning_events() -> None:
    api = ScriptedApi(lists=[page()], watches=[[]])

    run(api, EVENTS)

    assert {query.get("fieldSelector") for _, _, query in api.calls} == {"type=Warning"}


@pytest.mark.parametrize(
    "gone",
    [
        pytest.param(HttpError(410, "too old resource version"), id="watch-request-410"),
        pytest.param([event("ERROR", {"code": 410, "message": "too old"})], id="error-event-410"),
    ],
)
def test_stream_relists_when_its_resource_version_is_gone(gone: list[Step] | Exception) -> None:
    api = ScriptedApi(
        lists=[page(obj("a", "5")), page(obj("b", "20"), rv="20")],
        watches=[gone, []],
    )

    stream, _ = run(api)

    assert (stream.relists, stream.errors, sorted(stream.items)) == (2, 0, ["b"])
    watches = [query["resourceVersion"] for verb, _, query in api.calls if verb == "watch"]
    assert watches == ["10", "20"]


def test_stream_starts_the_list_over_when_its_continue_token_expires() -> None:
    api = ScriptedApi(
        lists=[page(obj("a", "5"), cont="old"), HttpError(410, "expired"), page(obj("b", "9"))],
        watches=[],
    )

    stream, _ = run(api)

    assert sorted(stream.items) == ["b"]
    assert [query.get("continue") for _, _, query in api.calls[:3]] == [None, "old", None]


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        pytest.param(
            PODS,
            'forbidden: cannot list pods in namespace "shop" (needs get/list/watch on pods)',
            id="core-kind",
        ),
        pytest.param(
            APPLICATIONS,
            'forbidden: cannot list applications in namespace "shop" '
            "(needs get/list/watch on applications.argoproj.io)",
            id="crd-kind-names-its-group",
        ),
    ],
)
def test_stream_names_the_missing_permission_on_403(kind: Kind, problem: str) -> None:
    stream, marks = run(ScriptedApi(lists=[HttpError(403, "forbidden")], watches=[]), kind)

    status = stream.status()
    assert status.problem == problem
    # A final "no" is an answer: readiness may proceed, and no data ever was, so none is stale.
    assert (status.settled, status.synced, status.stale_since, status.errors) == (
        True, False, None, 1,
    )  # fmt: skip
    assert marks == 1


def test_stream_reports_rejected_credentials() -> None:
    stream, _ = run(ScriptedApi(lists=[HttpError(401, "Unauthorized")], watches=[]))

    assert stream.problem == "unauthorized: the apiserver rejected the credentials"
    assert stream.stale_since is not None


def test_stream_keeps_last_known_objects_through_an_outage_then_recovers() -> None:
    outage = ConnectionResetError("connection reset by peer")
    api = ScriptedApi(
        lists=[page(obj("a", "5"))],
        watches=[[event("ADDED", obj("b", "11")), outage], [event("DELETED", obj("a", "12"))]],
    )
    # What a viewer would see at each change the stream marks.
    seen: list[tuple[str | None, bool, list[str]]] = []
    stream = Stream(
        api, PODS, "shop", SETTINGS,
        lambda: seen.append((stream.problem, stream.stale_since is not None, sorted(stream.items))),
    )  # fmt: skip
    api.stream = stream

    stream._run()

    problem = ('cannot reach the Kubernetes API (pods in namespace "shop"): '
               "ConnectionResetError: connection reset by peer")  # fmt: skip
    assert seen == [
        (None, False, ["a"]),  # listed
        (None, False, ["a", "b"]),  # watched
        (problem, True, ["a", "b"]),  # stale, but the last-known objects stay
        (None, False, ["a", "b"]),  # the watch is back: fresh again, no re-list needed
        (None, False, ["b"]),
    ]
    assert (stream.errors, stream.relists) == (1, 1)


def test_stream_reports_an_error_event_from_the_watch() -> None:
    api = ScriptedApi(
        lists=[page()], watches=[[event("ERROR", {"code": 500, "message": "etcd timeout"})]]
    )

    stream, _ = run(api)

    assert stream.problem is not None
    assert stream.problem.endswith("HTTP 500: etcd timeout")


def test_stream_ends_when_its_kind_is_no_longer_served() -> None:
    api = ScriptedApi(lists=[HttpError(404, "the server could not find the requested resource")],
                      watches=[])  # fmt: skip

    stream, _ = run(api, APPLICATIONS)

    assert stream.gone
    assert len(api.calls) == 1  # no retry: discovery starts it again if the CRD comes back


@pytest.mark.parametrize(
    ("failures", "low", "high"),
    [
        pytest.param(0, 0.0, 0.0, id="no-failure-no-wait"),
        pytest.param(1, 0.25, 0.5, id="first-failure"),
        pytest.param(3, 1.0, 2.0, id="doubles"),
        pytest.param(40, 15.0, 30.0, id="capped"),
    ],
)
def test_backoff_is_exponential_jittered_and_capped(failures: int, low: float, high: float) -> None:
    assert all(low <= backoff(failures, cap=30) <= high for _ in range(50))
