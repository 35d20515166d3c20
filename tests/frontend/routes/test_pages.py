from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster
from tools.platformkit.objects import rollout, warning_event

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def test_read_board_renders_cards_and_backend_panel(make_client: ClientFactory) -> None:
    client = make_client(StaticCluster(rollout("web", "shop")))

    response = client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert 'id="d-shop-web"' in html
    assert "Healthy" in html  # the badge's text label, not only its colour
    assert "deployment &#34;web&#34; successfully rolled out" in html
    assert "Backend" in html
    assert 'sse-connect="/events?since=' in html


def test_read_board_sends_security_headers(make_client: ClientFactory) -> None:
    response = make_client(StaticCluster()).get("/")

    assert response.headers["content-security-policy"] == CSP
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_read_board_has_no_inline_script_or_style(make_client: ClientFactory) -> None:
    html = make_client(StaticCluster(rollout("web"))).get("/").text

    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert '"includeIndicatorStyles": false' in html


def test_read_board_escapes_cluster_provided_strings(make_client: ClientFactory) -> None:
    evil = '<script>alert("x")</script><b>bold</b>'
    objects = rollout("web", "shop", change_cause=evil)
    objects[0]["metadata"]["annotations"]["kubernetes.io/change-cause"] = evil
    objects.append(warning_event(objects[-1], "Failed", evil))
    client = make_client(StaticCluster(objects))

    for path in ("/", "/fragments/board"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_read_board_without_cluster_explains_how_to_connect(make_client: ClientFactory) -> None:
    html = make_client().get("/").text

    assert "No cluster configured" in html
    assert "FRONTEND_KUBECONFIG" in html
    assert "Backend" in html


def test_read_board_fragment_is_the_board_without_the_page(make_client: ClientFactory) -> None:
    response = make_client(StaticCluster(rollout("web"))).get("/fragments/board")

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div class="board"')
    assert "<html" not in response.text
    assert response.headers["cache-control"] == "no-store"


def test_a_stale_cluster_banner_counts_its_duration_in_the_page(
    make_client: ClientFactory,
) -> None:
    since = datetime.now(UTC) - timedelta(seconds=42)
    html = make_client(StaticCluster(rollout("web"), stale_since=since)).get("/").text

    banner = re.search(r'<section class="banner banner-warning".*?</section>', html, re.S)
    assert banner is not None
    stamp = f"{since:%Y-%m-%dT%H:%M:%SZ}"
    assert re.search(
        rf'has not answered for <time class="ago" datetime="{stamp}">4\ds</time> \(since ',
        banner.group(0),
    )
