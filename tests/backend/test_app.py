"""The backend's app: the edge answers production traffic before the framework exists."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from tests.backend.support import ClientFactory


def test_serving_the_backend_imports_no_framework() -> None:
    # A fresh interpreter: this one has FastAPI loaded by the tests.
    code = (
        "import sys\n"
        "import backend.__main__, backend.server\n"
        "from backend.app import create_app\n"
        "from backend.settings import Settings\n"
        "create_app(Settings())\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'httpx'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_probes_meta_and_metrics_never_build_the_framework(client: TestClient) -> None:
    for path in ("/healthz", "/readyz", "/meta", "/metrics"):
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
    assert not client.app.app.framework.built  # type: ignore[attr-defined]


def test_the_first_other_request_builds_it_and_is_answered(make_client: ClientFactory) -> None:
    client = make_client()
    assert client.get("/no/such/path").status_code == 404
    assert client.app.app.framework.built  # type: ignore[attr-defined]
    assert "/meta" in client.get("/openapi.json").json()["paths"]
