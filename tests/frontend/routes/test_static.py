from __future__ import annotations

import re

import pytest

from tests.frontend.support import ClientFactory
from tests.frontend.support.fakes import StaticCluster


def test_read_asset_serves_own_css_with_long_cache(make_client: ClientFactory) -> None:
    client = make_client(StaticCluster())
    url = re.search(r'href="(/static/board\.css\?v=[0-9a-f]{16})"', client.get("/").text)
    assert url is not None

    response = client.get(url.group(1))

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("name", ["htmx.min.js", "sse.min.js"])
def test_read_vendor_asset_serves_npm_installed_htmx(make_client: ClientFactory, name: str) -> None:
    client = make_client(StaticCluster())
    if client.app.state.runtime.assets.missing:  # type: ignore[attr-defined]
        pytest.fail("htmx assets missing: run `make frontend-assets` (npm ci)")

    response = client.get(f"/static/vendor/{name}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize("path", ["/static/nope.js", "/static/vendor/../../settings.py"])
def test_read_asset_unknown_is_404(make_client: ClientFactory, path: str) -> None:
    response = make_client(StaticCluster()).get(path)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
