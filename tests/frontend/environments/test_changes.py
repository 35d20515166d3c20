"""What promoting one environment's workload to the next would change, on Deployments shaped
as the API returns them (``tools.platformkit.objects.deployment``), each edited once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from frontend.environments.changes import Change, promotion_changes, settings
from tools.platformkit.objects import IMAGE_V1, IMAGE_V2, deployment, edited

Obj = dict[str, Any]

SECRET_REF = {"secretKeyRef": {"name": "db", "key": "password"}}
SECRET_JSON = '{"secretKeyRef":{"key":"password","name":"db"}}'
OTHER_SECRET_REF = {"secretKeyRef": {"name": "db-v2", "key": "password"}}
OTHER_SECRET_JSON = '{"secretKeyRef":{"key":"password","name":"db-v2"}}'
RESOURCES = {"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}
RESOURCES_JSON = '{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}'
BIGGER = {"limits": {"memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}}
REPO = "127.0.0.1:5000/gitops-platform-backend"
DIGEST_V1 = "sha256:" + "1" * 64
DIGEST_V2 = "sha256:" + "2" * 64
BIGGER_JSON = '{"limits":{"memory":"512Mi"},"requests":{"cpu":"100m","memory":"128Mi"}}'


def _pod_spec(obj: Obj) -> Obj:
    spec: Obj = obj["spec"]["template"]["spec"]
    return spec


def _app(obj: Obj) -> Obj:
    container: Obj = _pod_spec(obj)["containers"][0]
    return container


def _with(*edits: Callable[[Obj], object], image: str = IMAGE_V2, replicas: int | None = 3) -> Obj:
    """A Deployment with every edit applied in turn."""
    found = deployment(image=image, replicas=replicas)
    for edit in edits:
        found = edited(found, edit)
    return found


def env(**values: Any) -> Callable[[Obj], object]:
    """Set container ``app``'s env: a string is a value, a mapping a valueFrom."""

    def edit(obj: Obj) -> None:
        _app(obj)["env"] = [
            {"name": key, "value": value}
            if isinstance(value, str)
            else {"name": key, "valueFrom": value}
            for key, value in values.items()
        ]

    return edit


def resources(value: Obj) -> Callable[[Obj], object]:
    def edit(obj: Obj) -> None:
        _app(obj)["resources"] = value

    return edit


def init(image: str, **values: str) -> Callable[[Obj], object]:
    """Add init container ``migrate`` with that image and env."""

    def edit(obj: Obj) -> None:
        container: Obj = {"name": "migrate", "image": image}
        if values:
            container["env"] = [{"name": k, "value": v} for k, v in values.items()]
        _pod_spec(obj)["initContainers"] = [container]

    return edit


def sidecar(image: str) -> Callable[[Obj], object]:
    def edit(obj: Obj) -> None:
        _pod_spec(obj)["containers"].append({"name": "proxy", "image": image})

    return edit


SETTINGS_CASES = [
    pytest.param(_with(), {"replicas": "3", "image app": IMAGE_V2}, id="as-the-api-returns-it"),
    pytest.param(_with(replicas=None), {"image app": IMAGE_V2}, id="replicas-unset"),
    pytest.param(_with(replicas=0), {"replicas": "0", "image app": IMAGE_V2}, id="zero-replicas"),
    pytest.param(
        _with(env(LOG_LEVEL="debug", PASSWORD=SECRET_REF, EMPTY="")),
        {
            "replicas": "3",
            "image app": IMAGE_V2,
            "env app LOG_LEVEL": "debug",
            "env app PASSWORD": SECRET_JSON,
            "env app EMPTY": "",
        },
        id="env-value-and-value-from",
    ),
    pytest.param(
        _with(resources(RESOURCES)),
        {"replicas": "3", "image app": IMAGE_V2, "resources app": RESOURCES_JSON},
        id="resources-compact-and-sorted",
    ),
    pytest.param(
        _with(init(IMAGE_V1, MODE="up")),
        {
            "replicas": "3",
            "image init migrate": IMAGE_V1,
            "env init migrate MODE": "up",
            "image app": IMAGE_V2,
        },
        id="init-containers-prefixed",
    ),
    pytest.param(
        _with(sidecar("envoyproxy/envoy:v1.30")),
        {"replicas": "3", "image app": IMAGE_V2, "image proxy": "envoyproxy/envoy:v1.30"},
        id="every-container",
    ),
]


@pytest.mark.parametrize(("workload", "expected"), SETTINGS_CASES)
def test_settings_flatten_the_promotable_parts(workload: Obj, expected: dict[str, str]) -> None:
    assert settings(workload) == expected


def test_settings_ignore_what_a_promotion_does_not_carry() -> None:
    def noise(obj: Obj) -> None:
        obj["metadata"]["labels"]["app.kubernetes.io/environment"] = "staging"
        obj["status"]["readyReplicas"] = 1
        _app(obj)["ports"] = [{"containerPort": 9090}]

    assert settings(_with(noise)) == settings(_with())


CHANGE_CASES = [
    pytest.param(_with(), _with(), (), id="identical-no-change"),
    pytest.param(
        _with(env(LOG_LEVEL="debug"), resources(RESOURCES), init(IMAGE_V1)),
        _with(env(LOG_LEVEL="debug"), resources(RESOURCES), init(IMAGE_V1)),
        (),
        id="identical-with-every-setting-no-change",
    ),
    pytest.param(
        _with(image=IMAGE_V2),
        _with(image=IMAGE_V1),
        (Change("image app", IMAGE_V1, IMAGE_V2),),
        id="image-differs",
    ),
    pytest.param(
        _with(env(A_FLAG="on"), image=IMAGE_V2, replicas=2),
        _with(image=IMAGE_V1),
        (
            Change("image app", IMAGE_V1, IMAGE_V2),
            Change("env app A_FLAG", None, "on", carried=False),
            Change("replicas", "3", "2", carried=False),
        ),
        id="image-listed-first-though-env-sorts-before-it",
    ),
    pytest.param(
        _with(env(LOG_LEVEL="debug")),
        _with(),
        (Change("env app LOG_LEVEL", None, "debug", carried=False),),
        id="env-added",
    ),
    pytest.param(
        _with(),
        _with(env(LOG_LEVEL="debug")),
        (Change("env app LOG_LEVEL", "debug", None, carried=False),),
        id="env-removed",
    ),
    pytest.param(
        _with(env(LOG_LEVEL="info", KEEP="same")),
        _with(env(LOG_LEVEL="debug", KEEP="same")),
        (Change("env app LOG_LEVEL", "debug", "info", carried=False),),
        id="env-value-changed",
    ),
    pytest.param(
        _with(env(PASSWORD=OTHER_SECRET_REF)),
        _with(env(PASSWORD=SECRET_REF)),
        (Change("env app PASSWORD", SECRET_JSON, OTHER_SECRET_JSON, carried=False),),
        id="env-value-from-changed",
    ),
    pytest.param(
        _with(env(PASSWORD=SECRET_REF)),
        _with(env(PASSWORD="hunter2")),
        (Change("env app PASSWORD", "hunter2", SECRET_JSON, carried=False),),
        id="env-value-to-value-from",
    ),
    pytest.param(
        _with(replicas=5),
        _with(replicas=3),
        (Change("replicas", "3", "5", carried=False),),
        id="replicas",
    ),
    pytest.param(
        _with(replicas=None),
        _with(replicas=3),
        (Change("replicas", "3", None, carried=False),),
        id="replicas-unset-earlier",
    ),
    pytest.param(
        _with(resources(RESOURCES)),
        _with(),
        (Change("resources app", None, RESOURCES_JSON, carried=False),),
        id="resources-added",
    ),
    pytest.param(
        _with(resources(BIGGER)),
        _with(resources(RESOURCES)),
        (Change("resources app", RESOURCES_JSON, BIGGER_JSON, carried=False),),
        id="resources-changed",
    ),
    pytest.param(
        _with(init("ghcr.io/acme/migrate:2")),
        _with(init("ghcr.io/acme/migrate:1")),
        (Change("image init migrate", "ghcr.io/acme/migrate:1", "ghcr.io/acme/migrate:2"),),
        id="init-container-image",
    ),
    pytest.param(
        _with(init(IMAGE_V1, MODE="up")),
        _with(init(IMAGE_V1, MODE="down")),
        (Change("env init migrate MODE", "down", "up", carried=False),),
        id="init-container-env",
    ),
    pytest.param(
        _with(init("ghcr.io/acme/migrate:2"), image=IMAGE_V2),
        _with(init("ghcr.io/acme/migrate:1"), image=IMAGE_V1),
        (
            Change("image app", IMAGE_V1, IMAGE_V2),
            Change("image init migrate", "ghcr.io/acme/migrate:1", "ghcr.io/acme/migrate:2"),
        ),
        id="images-first-among-themselves-by-name",
    ),
    pytest.param(
        _with(sidecar("envoyproxy/envoy:v1.31")),
        _with(),
        (Change("image proxy", None, "envoyproxy/envoy:v1.31"),),
        id="container-added",
    ),
    pytest.param(
        None,
        _with(env(LOG_LEVEL="debug")),
        (
            Change("image app", IMAGE_V2, None),
            Change("env app LOG_LEVEL", "debug", None, carried=False),
            Change("replicas", "3", None, carried=False),
        ),
        id="missing-earlier-workload",
    ),
    pytest.param(
        _with(env(LOG_LEVEL="debug")),
        None,
        (
            Change("image app", None, IMAGE_V2),
            Change("env app LOG_LEVEL", None, "debug", carried=False),
            Change("replicas", None, "3", carried=False),
        ),
        id="missing-later-workload",
    ),
    pytest.param(None, None, (), id="both-missing"),
    pytest.param(
        _with(env(IMAGE_DIGEST=DIGEST_V2, LOG_LEVEL="info"), image=f"{REPO}@{DIGEST_V2}"),
        _with(env(IMAGE_DIGEST=DIGEST_V1, LOG_LEVEL="debug"), image=f"{REPO}@{DIGEST_V1}"),
        (
            Change("image app", f"{REPO}@{DIGEST_V1}", f"{REPO}@{DIGEST_V2}"),
            Change("env app IMAGE_DIGEST", DIGEST_V1, DIGEST_V2),
            Change("env app LOG_LEVEL", "debug", "info", carried=False),
        ),
        id="env-holding-the-image-digest-moves-with-it-overlay-setting-stays",
    ),
    pytest.param(
        _with(env(MODE="on"), image=IMAGE_V2),
        _with(env(MODE="off"), image=IMAGE_V1),
        (
            Change("image app", IMAGE_V1, IMAGE_V2),
            Change("env app MODE", "off", "on", carried=False),
        ),
        id="short-values-inside-an-image-name-are-not-taken-as-derived",
    ),
]


@pytest.mark.parametrize(("earlier", "later", "expected"), CHANGE_CASES)
def test_promotion_changes(
    earlier: Obj | None, later: Obj | None, expected: tuple[Change, ...]
) -> None:
    assert promotion_changes(earlier, later) == expected


def test_promotion_changes_read_now_from_later_and_then_from_earlier() -> None:
    (change,) = promotion_changes(_with(image="dev:2"), _with(image="staging:1"))
    assert (change.now, change.then) == ("staging:1", "dev:2")
