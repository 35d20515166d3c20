from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.testclient import TestClient

from servicekit.app import UNKNOWN_VERSION, service_app
from tests.servicekit.toy import ToySettings


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.started = True
    yield


def test_openapi_names_the_package_and_its_build_version() -> None:
    app = service_app("servicekit", ToySettings(version="1.4.0"), _lifespan)

    info = app.openapi()["info"]

    assert (info["title"], info["version"]) == ("servicekit", "1.4.0")
    assert info["summary"].startswith("Plumbing shared by the services")


def test_openapi_says_when_the_build_version_is_unknown() -> None:
    app = service_app("no-such-distribution", ToySettings(), _lifespan)

    info = app.openapi()["info"]

    assert info["version"] == UNKNOWN_VERSION
    assert "summary" not in info


def test_app_answers_with_the_project_error_shape_and_runs_the_lifespan() -> None:
    settings = ToySettings()
    app = service_app("toy", settings, _lifespan, docs=True)

    with TestClient(app) as client:
        missing = client.get("/nowhere")
        assert client.get("/docs").status_code == 200
        assert client.get("/redoc").status_code == 404
        assert app.state.started is True

    assert app.state.settings is settings
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_a_trailing_slash_is_a_404_never_a_redirect_to_the_host_header() -> None:
    app = service_app("toy", ToySettings(), _lifespan)

    @app.get("/items")
    async def read_items() -> list[int]:
        return [1]

    with TestClient(app) as client:
        response = client.get("/items/", headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_docs_ui_is_off_unless_asked_for_and_the_document_always_served() -> None:
    with TestClient(service_app("toy", ToySettings(), _lifespan)) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/openapi.json").status_code == 200


def _toy_with_items() -> FastAPI:
    app = service_app("toy", ToySettings(), _lifespan)

    @app.get("/items", responses={404: {"description": "No such item."}})
    async def read_items() -> list[int]:
        return [1]

    @app.delete("/items")
    async def clear_items() -> list[int]:
        return []

    @app.post("/items")
    async def add_item(item: int) -> int:
        return item

    return app


def test_a_405_allows_every_method_of_the_path_not_just_the_first() -> None:
    with TestClient(_toy_with_items()) as client:
        response = client.put("/items")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST, DELETE"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_openapi_documents_the_error_shape_that_is_sent() -> None:
    app = _toy_with_items()
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    error = schemas["HTTPValidationError"]
    assert set(error["properties"]) == {"error"}
    assert {"status", "code", "message", "fields"} <= set(
        error["properties"]["error"]["properties"]
    )
    assert "ValidationError" not in schemas
    ref = {"$ref": "#/components/schemas/HTTPValidationError"}
    not_found = spec["paths"]["/items"]["get"]["responses"]["404"]
    assert not_found["content"]["application/json"]["schema"] == ref
    with TestClient(app) as client:
        invalid = client.post("/items", params={"item": "x"}).json()
    assert set(invalid) == {"error"}  # what the schema says
