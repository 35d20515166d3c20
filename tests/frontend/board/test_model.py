"""The board's banners: what the cluster data and the probes' results say above the cards."""

from __future__ import annotations

from datetime import timedelta

from frontend.board.builder import build_board
from frontend.cluster.snapshot import ObjectSnapshot
from frontend.probes.results import ProbeResult, ProbeSnapshot
from tests.frontend.support.fakes import PROBES, StaticCluster
from tools.platformkit.objects import NOW, rollout


def test_the_board_without_cluster_says_how_to_connect() -> None:
    objects = ObjectSnapshot(configured=False, source="none", server=None, namespaces=("default",))

    board = build_board(objects, PROBES, NOW)

    assert board.groups == ()
    assert "FRONTEND_KUBECONFIG" in board.banners[0].text


def test_the_board_marks_stale_cluster_and_backend_data() -> None:
    objects = StaticCluster(rollout("web"), stale_since=NOW - timedelta(seconds=42)).snapshot()
    failing = ProbeSnapshot(
        service=ProbeResult(target="service", url="http://backend", last_attempt=NOW,
                            last_success=NOW - timedelta(minutes=2), last_error="ConnectError"),
    )  # fmt: skip

    board = build_board(objects, failing, NOW)

    titles = [b.title for b in board.banners]
    assert "Stale cluster data" in titles
    assert "Stale backend data" in titles
    stale = next(b for b in board.banners if b.title == "Stale cluster data")
    assert "42s" in stale.text
    # The durations count on in the page: when they began, and where they are in the text.
    assert (stale.since, stale.duration) == (NOW - timedelta(seconds=42), "42s")
    assert stale.text == stale.around[0] + "42s" + stale.around[1]
    backend = next(b for b in board.banners if b.title == "Stale backend data")
    assert (backend.duration, backend.since_iso) == (
        "2m",
        f"{NOW - timedelta(minutes=2):%Y-%m-%dT%H:%M:%SZ}",
    )
    assert board.groups[0].entries[0].card.name == "web"  # last-known state still shown


def test_the_board_reports_forbidden_as_an_error_banner() -> None:
    problem = 'forbidden: cannot list pods in namespace "shop" (needs get/list/watch on pods)'
    board = build_board(StaticCluster(problem=problem).snapshot(), PROBES, NOW)

    assert [(b.level, b.text) for b in board.banners] == [("error", problem)]


def test_the_board_says_it_is_loading_until_every_stream_answered() -> None:
    board = build_board(StaticCluster(rollout("web"), synced=False).snapshot(), PROBES, NOW)

    assert [(b.level, b.title) for b in board.banners] == [("info", "Loading")]


def test_the_board_puts_an_unusable_configuration_first() -> None:
    problem = "cannot load the cluster configuration: bad yaml"
    objects = ObjectSnapshot(
        configured=False, source="none", server=None, namespaces=("default",), setup_error=problem
    )

    board = build_board(objects, PROBES, NOW)

    assert [(b.level, b.title) for b in board.banners] == [
        ("info", "No cluster configured"),
        ("error", "Cluster access problem"),
    ]
    assert board.banners[1].text == problem


def test_the_no_cluster_banner_names_every_kind_the_service_account_must_watch() -> None:
    objects = ObjectSnapshot(configured=False, source="none", server=None, namespaces=("default",))

    (banner,) = build_board(objects, PROBES, NOW).banners

    assert banner.text.endswith(
        "may get/list/watch deployments, replicasets, statefulsets, daemonsets, "
        "controllerrevisions, pods and events."
    )


def test_an_apiserver_that_answers_but_is_not_ready_is_named_as_such() -> None:
    since = NOW - timedelta(seconds=12)
    problem = ("the Kubernetes API server is not ready: GET /readyz?verbose: HTTP 500: "
               "[-]etcd failed: reason withheld")  # fmt: skip
    objects = ObjectSnapshot(
        configured=True, source="fixed objects", server=None, namespaces=("shop",),
        api_problem=problem, api_stale_since=since, api_state="not-ready",
    )  # fmt: skip

    board = build_board(objects, PROBES, NOW)

    stale = next(b for b in board.banners if b.title == "Stale cluster data")
    assert stale.text.startswith("The Kubernetes API server has not been ready for 12s")
    assert (stale.since, stale.duration) == (since, "12s")
    assert any(b.text == problem for b in board.banners if b.title == "Cluster access problem")
