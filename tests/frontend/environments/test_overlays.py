"""What a promotion would change, read from Kustomize overlays: the commit in a Flux or
Argo CD revision, ``spec.path`` as a directory, and this repository's own overlays under
``k8s/overlays`` (read from disk, as the board reads them from the config repository)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from frontend.environments.changes import Change
from frontend.environments.overlays import (
    Overlay,
    OverlayError,
    app_images,
    commit_of,
    overlay_changes,
    overlay_directory,
    parse_overlay,
)

REPO = Path(__file__).resolve().parents[3]
OVERLAYS = REPO / "k8s" / "overlays"
ENVIRONMENTS = ("dev", "staging", "prod")
SERVICES = ("backend", "frontend")

SHA1 = "0123456789abcdef0123456789abcdef01234567"
SHA256_COMMIT = "89abcdef" * 8  # a commit of a repository in SHA-256 object format
DIGEST = "sha256:" + "d" * 64
OTHER_DIGEST = "sha256:" + "e" * 64
WHERE = "k8s/overlays/dev at 0123456789ab"


def overlay_files(env: str) -> dict[str, str]:
    """ENV's overlay directory as the board reads it: file name -> text."""
    return {p.name: p.read_text() for p in sorted((OVERLAYS / env).iterdir()) if p.is_file()}


def real_overlay(env: str) -> Overlay:
    return parse_overlay(overlay_files(env), f"k8s/overlays/{env}")


def _doc(env: str, name: str) -> Any:
    return YAML(typ="safe", pure=True).load((OVERLAYS / env / name).read_text())


def pin(env: str, image: str) -> str:
    """What ENV's kustomization.yaml pins IMAGE to: ``newName@digest``."""
    entry = next(e for e in _doc(env, "kustomization.yaml")["images"] if e["name"] == image)
    return f"{entry['newName']}@{entry['digest']}"


def config(env: str, app: str, key: str) -> str:
    value: str = _doc(env, f"configmap-{app}.yaml")["data"][key]
    return value


def autoscaling(env: str, app: str, key: str) -> str:
    return str(_doc(env, f"horizontalpodautoscaler-{app}.yaml")["spec"][key])


def resources(env: str, app: str) -> dict[str, dict[str, str]]:
    """The requests and limits ENV's Deployment patch gives APP's container."""
    spec = _doc(env, f"deployment-{app}.yaml")["spec"]["template"]["spec"]
    container = next(c for c in spec["containers"] if c["name"] == app)
    found: dict[str, dict[str, str]] = container["resources"]
    return found


def image_change(earlier: str, later: str, app: str) -> list[Change]:
    """The carried image change, when a promotion has not already made the pins equal."""
    now, then = pin(later, app), pin(earlier, app)
    return [Change(f"image {app}", now, then)] if now != then else []


def kustomization(body: str) -> dict[str, str]:
    return {"kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\n" + body}


# -- commit_of ---------------------------------------------------------------------------

COMMIT_CASES = [
    pytest.param(f"main@sha1:{SHA1}", SHA1, id="flux-branch"),
    pytest.param(f"v1.2.0@sha1:{SHA1}", SHA1, id="flux-tag"),
    pytest.param(f"sha1:{SHA1}", SHA1, id="flux-commit-only"),
    pytest.param(SHA1, SHA1, id="argo-bare-hex"),
    pytest.param(f" {SHA1}\n", SHA1, id="surrounding-whitespace"),
    pytest.param(SHA256_COMMIT, SHA256_COMMIT, id="argo-sha256-object-format"),
    pytest.param(f"latest@sha256:{'a' * 64}", None, id="flux-oci-tag-and-digest"),
    pytest.param(f"sha256:{'a' * 64}", None, id="flux-oci-digest-only"),
    pytest.param(None, None, id="none"),
    pytest.param("", None, id="empty"),
    pytest.param("garbage", None, id="garbage"),
    pytest.param("1.2.3", None, id="helm-chart-version"),
    pytest.param(SHA1[:-1], None, id="too-short"),
    pytest.param(SHA1 + "8", None, id="too-long"),
    # Flux and Argo CD write lower-case hex; anything else names no commit they applied.
    pytest.param(SHA1.upper(), None, id="upper-case-bare"),
    pytest.param(f"main@sha1:{SHA1.upper()}", None, id="upper-case-flux"),
]


@pytest.mark.parametrize(("revision", "expected"), COMMIT_CASES)
def test_commit_of_takes_the_commit_from_a_git_revision_only(
    revision: str | None, expected: str | None
) -> None:
    assert commit_of(revision) == expected


# -- overlay_directory -------------------------------------------------------------------

DIRECTORY_CASES = [
    pytest.param("./k8s/overlays/dev", "k8s/overlays/dev", id="flux-dot-slash"),
    pytest.param("k8s/overlays/dev", "k8s/overlays/dev", id="plain"),
    pytest.param("k8s/overlays/dev/", "k8s/overlays/dev", id="trailing-slash"),
    pytest.param("/k8s/overlays/dev", "k8s/overlays/dev", id="leading-slash"),
    pytest.param(" ./k8s/overlays/dev ", "k8s/overlays/dev", id="surrounding-whitespace"),
    pytest.param("k8s//overlays/./dev", "k8s/overlays/dev", id="doubled-slash-and-dot"),
    pytest.param("a/../b", "b", id="dot-dot-that-stays-inside"),
    # Flux reads an empty spec.path as the source's root.
    pytest.param(".", "", id="the-root-itself"),
    pytest.param("./", "", id="the-root-with-a-slash"),
    pytest.param("/", "", id="slash"),
    pytest.param("", "", id="empty-is-the-root"),
]


@pytest.mark.parametrize(("path", "expected"), DIRECTORY_CASES)
def test_overlay_directory_is_spec_path_inside_the_repository(path: str, expected: str) -> None:
    assert overlay_directory(path) == expected


BAD_DIRECTORY_CASES = [
    pytest.param("../x", id="parent"),
    pytest.param("/../x", id="parent-behind-a-leading-slash"),
    pytest.param("a/../../b", id="parent-after-normalising"),
    pytest.param("..", id="parent-alone"),
]


@pytest.mark.parametrize("path", BAD_DIRECTORY_CASES)
def test_overlay_directory_rejects_a_path_outside_the_repository(path: str) -> None:
    with pytest.raises(OverlayError) as raised:
        overlay_directory(path)
    assert "spec.path" in str(raised.value)
    assert repr(path) in str(raised.value)


# -- the repository's own overlays -------------------------------------------------------


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_real_overlays_pin_each_service_by_digest(env: str) -> None:
    assert real_overlay(env).images == {app: pin(env, app) for app in SERVICES}


def test_the_real_dev_overlay_flattens_each_patch_under_its_kind_and_name() -> None:
    assert real_overlay("dev").settings == {
        f"ConfigMap {app}": {
            f"data.{app.upper()}_ENVIRONMENT": config("dev", app, f"{app.upper()}_ENVIRONMENT"),
            f"data.{app.upper()}_LOG_LEVEL": config("dev", app, f"{app.upper()}_LOG_LEVEL"),
        }
        for app in SERVICES
    } | {
        f"HorizontalPodAutoscaler {app}": {
            "spec.minReplicas": autoscaling("dev", app, "minReplicas"),
            "spec.maxReplicas": autoscaling("dev", app, "maxReplicas"),
        }
        for app in SERVICES
    }


def test_the_real_prod_overlay_keys_containers_by_name() -> None:
    settings = real_overlay("prod").settings["Deployment backend"]
    wanted = resources("prod", "backend")
    container = "spec.template.spec.containers[backend]"
    assert settings == {
        f"{container}.name": "backend",
        **{
            f"{container}.resources.{kind}.{what}": value
            for kind, amounts in wanted.items()
            for what, value in amounts.items()
        },
    }


def test_dev_to_staging_carries_the_image_and_lists_the_settings_that_stay() -> None:
    changes = overlay_changes("backend", real_overlay("dev"), real_overlay("staging"))
    assert changes == (
        *image_change("dev", "staging", "backend"),
        Change(
            "ConfigMap backend data.BACKEND_ENVIRONMENT",
            config("staging", "backend", "BACKEND_ENVIRONMENT"),
            config("dev", "backend", "BACKEND_ENVIRONMENT"),
            carried=False,
        ),
        Change(
            "ConfigMap backend data.BACKEND_LOG_LEVEL",
            config("staging", "backend", "BACKEND_LOG_LEVEL"),
            config("dev", "backend", "BACKEND_LOG_LEVEL"),
            carried=False,
        ),
        Change(
            "HorizontalPodAutoscaler backend spec.maxReplicas",
            autoscaling("staging", "backend", "maxReplicas"),
            autoscaling("dev", "backend", "maxReplicas"),
            carried=False,
        ),
        Change(
            "HorizontalPodAutoscaler backend spec.minReplicas",
            autoscaling("staging", "backend", "minReplicas"),
            autoscaling("dev", "backend", "minReplicas"),
            carried=False,
        ),
    )


def test_the_real_image_pins_differ_between_dev_and_staging_as_newname_at_digest() -> None:
    """The image change, as the overlay writes it, where the repository holds one."""
    changes = overlay_changes("backend", real_overlay("dev"), real_overlay("staging"))
    images = [c for c in changes if c.setting.startswith("image ")]
    assert images == image_change("dev", "staging", "backend")
    for change in images:
        assert change.carried
        assert change.now is not None
        assert change.now.startswith("ghcr.io/example-org/gitops-platform-backend@sha256:")


def test_staging_to_prod_lists_prods_own_deployment_patch_as_staying() -> None:
    changes = overlay_changes("backend", real_overlay("staging"), real_overlay("prod"))
    container = "Deployment backend spec.template.spec.containers[backend]"
    wanted = resources("prod", "backend")
    deployment = [c for c in changes if c.setting.startswith("Deployment ")]
    assert deployment == [
        Change(f"{container}.name", "backend", None, carried=False),
        *(
            Change(f"{container}.resources.{kind}.{what}", wanted[kind][what], None, False)
            for kind in ("limits", "requests")
            for what in ("cpu", "memory")
        ),
    ]
    assert changes[: len(image_change("staging", "prod", "backend"))] == tuple(
        image_change("staging", "prod", "backend")
    )
    assert [c.setting for c in changes if not c.carried] == [
        "ConfigMap backend data.BACKEND_ENVIRONMENT",  # the log level is info in both
        *(c.setting for c in deployment),
        "HorizontalPodAutoscaler backend spec.maxReplicas",
        "HorizontalPodAutoscaler backend spec.minReplicas",
    ]


def test_the_changes_of_one_application_leave_the_others_out() -> None:
    changes = overlay_changes("frontend", real_overlay("staging"), real_overlay("prod"))
    assert changes
    assert all("backend" not in c.setting for c in changes)
    assert {c.setting.split(" ")[1] for c in changes} == {"frontend"}


def test_after_a_promotion_only_the_settings_that_stay_differ() -> None:
    """Promotion rewrites staging's digest lines to dev's: no image change is left."""
    dev, staging = overlay_files("dev"), overlay_files("staging")
    promoted = dict(staging)
    for app in SERVICES:
        before, after = pin("staging", app), pin("dev", app)
        promoted["kustomization.yaml"] = promoted["kustomization.yaml"].replace(
            before.partition("@")[2], after.partition("@")[2]
        )
    changes = overlay_changes(
        "backend", parse_overlay(dev, "dev"), parse_overlay(promoted, "staging")
    )
    assert changes
    assert not [c for c in changes if c.carried]


# -- app_images --------------------------------------------------------------------------

PORTED = "registry:5000/shop/app"
IMAGES = Overlay(
    images={
        "backend": f"ghcr.io/example-org/gitops-platform-backend@{DIGEST}",
        "app": f"{PORTED}@{DIGEST}",
        PORTED + "-worker": f"{PORTED}-worker:v2",
        "unrelated": f"docker.io/library/busybox@{DIGEST}",
    },
    settings={},
)

APP_IMAGE_CASES = [
    pytest.param("backend", [], {"backend"}, id="named-after-the-application"),
    pytest.param(
        "shop", [f"{PORTED}:v1@{OTHER_DIGEST}"], {"app"}, id="pinned-repository-runs-with-port"
    ),
    pytest.param("shop", [f"{PORTED}@{OTHER_DIGEST}"], {"app"}, id="running-by-digest-only"),
    pytest.param("shop", [PORTED], {"app"}, id="running-untagged"),
    pytest.param(
        "worker", [f"{PORTED}-worker:v1"], {PORTED + "-worker"}, id="image-name-is-the-repository"
    ),
    pytest.param("shop", ["registry:5000/shop/other:v1"], set(), id="other-repository"),
    pytest.param("shop", ["registry:5000/shop:v1"], set(), id="repository-prefix-is-not-enough"),
    pytest.param("nothing", [], set(), id="no-match"),
]


@pytest.mark.parametrize(("application", "running", "expected"), APP_IMAGE_CASES)
def test_app_images_are_those_named_after_it_or_pinning_what_it_runs(
    application: str, running: list[str], expected: set[str]
) -> None:
    assert app_images(IMAGES, application, running) == expected


def test_overlay_changes_follow_the_images_the_application_runs() -> None:
    earlier = Overlay({"app": f"{PORTED}@{DIGEST}", "backend": "b@" + DIGEST}, {})
    later = Overlay({"app": f"{PORTED}@{OTHER_DIGEST}", "backend": "b@" + OTHER_DIGEST}, {})
    running = [f"{PORTED}:v1@{OTHER_DIGEST}"]
    assert overlay_changes("shop", earlier, later, running) == (
        Change("image app", f"{PORTED}@{OTHER_DIGEST}", f"{PORTED}@{DIGEST}"),
    )
    assert overlay_changes("shop", earlier, later) == ()


CHANGE_CASES = [
    pytest.param(
        Overlay({"app": "r/app@" + DIGEST}, {}),
        Overlay({}, {}),
        (Change("image app", None, "r/app@" + DIGEST),),
        id="image-pinned-only-earlier",
    ),
    pytest.param(
        Overlay({}, {}),
        Overlay({"app": "r/app@" + DIGEST}, {}),
        (Change("image app", "r/app@" + DIGEST, None),),
        id="image-pinned-only-later",
    ),
    pytest.param(
        Overlay({"app": "r/app@" + DIGEST}, {"ConfigMap app": {"data.A": "1"}}),
        Overlay({"app": "r/app@" + DIGEST}, {"ConfigMap app": {"data.A": "1"}}),
        (),
        id="identical",
    ),
    pytest.param(
        Overlay({}, {"ConfigMap app": {"data.A": "1"}}),
        Overlay({}, {"ConfigMap app": {"data.A": "1", "data.B": "2"}}),
        (Change("ConfigMap app data.B", "2", None, carried=False),),
        id="setting-only-later",
    ),
    pytest.param(
        Overlay({}, {"Service app": {"spec.type": "NodePort"}}),
        Overlay({}, {}),
        (Change("Service app spec.type", None, "NodePort", carried=False),),
        id="resource-patched-only-earlier",
    ),
    pytest.param(
        Overlay({}, {"ConfigMap app-extra": {"data.A": "1"}, "ConfigMap other": {"x": "1"}}),
        Overlay({}, {}),
        (),
        id="other-resources-left-out",
    ),
]


@pytest.mark.parametrize(("earlier", "later", "expected"), CHANGE_CASES)
def test_overlay_changes_compare_the_pins_and_the_applications_resources(
    earlier: Overlay, later: Overlay, expected: tuple[Change, ...]
) -> None:
    assert overlay_changes("app", earlier, later) == expected


# -- parse_overlay -----------------------------------------------------------------------

PIN_CASES = [
    pytest.param(
        "- {name: app, newName: r/app, digest: " + DIGEST + "}",
        {"app": "r/app@" + DIGEST},
        id="new-name-and-digest",
    ),
    pytest.param("- {name: app, newTag: v2}", {"app": "app:v2"}, id="new-tag-keeps-the-name"),
    pytest.param("- {name: app, newName: r/app, newTag: v2}", {"app": "r/app:v2"}, id="new-tag"),
    pytest.param("- {name: app, newTag: 2}", {"app": "app:2"}, id="numeric-tag"),
    pytest.param(
        "- {name: app, newName: r/app, newTag: v2, digest: " + DIGEST + "}",
        {"app": "r/app@" + DIGEST},
        id="digest-wins-over-tag",
    ),
    pytest.param("- {name: app, digest: " + DIGEST + "}", {"app": "app@" + DIGEST}, id="digest"),
    pytest.param("- {name: app, newName: r/app}", {"app": "r/app"}, id="new-name-only"),
    pytest.param("- {newName: r/app, newTag: v2}\n- plain", {}, id="entries-without-a-name"),
    pytest.param("  {app: r/app}", {}, id="not-a-list"),
]


@pytest.mark.parametrize(("images", "expected"), PIN_CASES)
def test_images_pin_as_kustomize_writes_them(images: str, expected: dict[str, str]) -> None:
    overlay = parse_overlay(kustomization(f"images:\n{images}\n"), WHERE)
    assert overlay.images == expected


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {LEVEL: debug}\n"
SETTINGS = {"ConfigMap app": {"data.LEVEL": "debug"}}

SETTING_CASES = [
    pytest.param(
        kustomization("patches:\n  - path: cm.yaml\n") | {"cm.yaml": CONFIGMAP},
        SETTINGS,
        id="patch-by-path",
    ),
    pytest.param(
        kustomization("patches:\n  - ./cm.yaml\n") | {"cm.yaml": CONFIGMAP},
        SETTINGS,
        id="patch-as-a-string",
    ),
    pytest.param(
        kustomization("patchesStrategicMerge:\n  - cm.yaml\n") | {"cm.yaml": CONFIGMAP},
        SETTINGS,
        id="patches-strategic-merge",
    ),
    pytest.param(
        kustomization("resources:\n  - ../../base\n  - cm.yaml\n") | {"cm.yaml": CONFIGMAP},
        SETTINGS,
        id="local-resource",
    ),
    pytest.param(
        kustomization("resources:\n  - ../shared.yaml\n") | {"../shared.yaml": CONFIGMAP},
        {},
        id="shared-resource-is-not-the-overlays",
    ),
    pytest.param(
        kustomization("patches:\n  - path: gone.yaml\n  - patch: inline\nresources: [base]\n"),
        {},
        id="missing-files-and-inline-patches-skipped",
    ),
    pytest.param(
        kustomization("patches:\n  - path: json.yaml\n    target: {kind: Deployment}\n")
        | {"json.yaml": "- {op: replace, path: /spec/replicas, value: 3}\n"},
        {},
        id="json-6902-patch-sets-nothing-named",
    ),
    pytest.param(
        kustomization("patches:\n  - path: two.yaml\n")
        | {"two.yaml": CONFIGMAP + "---\nkind: Service\nmetadata: {name: app}\nspec: {x: 1}\n"},
        SETTINGS | {"Service app": {"spec.x": "1"}},
        id="two-documents",
    ),
    pytest.param(
        kustomization("patches:\n  - path: p.yaml\n")
        | {"p.yaml": "spec: {replicas: 2, paused: null, args: [a, b]}\n"},
        {
            "? ?": {
                "spec.replicas": "2",
                "spec.paused": "null",
                "spec.args[0]": "a",
                "spec.args[1]": "b",
            }
        },
        id="no-kind-or-name-and-unnamed-list-items",
    ),
]


@pytest.mark.parametrize(("files", "expected"), SETTING_CASES)
def test_the_overlays_own_files_are_its_settings(
    files: dict[str, str], expected: dict[str, dict[str, str]]
) -> None:
    assert parse_overlay(files, WHERE).settings == expected


@pytest.mark.parametrize("name", ["kustomization.yml", "Kustomization"])
def test_every_name_kustomize_reads_is_the_kustomization(name: str) -> None:
    files = {name: "images: [{name: app, newTag: v2}]\n"}
    assert parse_overlay(files, WHERE).images == {"app": "app:v2"}


ERROR_CASES = [
    pytest.param({"cm.yaml": CONFIGMAP}, f"{WHERE}: no kustomization.yaml", id="none"),
    pytest.param(
        {"kustomization.yaml": "images: [\n"},
        f"{WHERE}/kustomization.yaml: not valid YAML",
        id="invalid-yaml",
    ),
    pytest.param(
        kustomization("patches:\n  - path: cm.yaml\n") | {"cm.yaml": "data: {a: [\n"},
        f"{WHERE}/cm.yaml: not valid YAML",
        id="invalid-yaml-in-a-patch",
    ),
    pytest.param(
        {"kustomization.yaml": "- resources\n"},
        f"{WHERE}/kustomization.yaml: not one mapping",
        id="a-list",
    ),
    pytest.param(
        {"kustomization.yaml": "# nothing\n"},
        f"{WHERE}/kustomization.yaml: not one mapping",
        id="empty",
    ),
    pytest.param(
        {"kustomization.yaml": "images: []\n---\nimages: []\n"},
        f"{WHERE}/kustomization.yaml: not one mapping",
        id="two-documents",
    ),
    pytest.param(
        kustomization("resources: ../../base\n"),
        f"{WHERE}/kustomization.yaml: resources is str, not a list",
        id="resources-not-a-list",
    ),
    pytest.param(
        kustomization("patchesStrategicMerge: {cm.yaml: true}\n"),
        f"{WHERE}/kustomization.yaml: patchesStrategicMerge is dict, not a list",
        id="patches-strategic-merge-not-a-list",
    ),
]


@pytest.mark.parametrize(("files", "message"), ERROR_CASES)
def test_an_overlay_that_cannot_be_read_names_the_file(files: dict[str, str], message: str) -> None:
    with pytest.raises(OverlayError) as raised:
        parse_overlay(files, WHERE)
    assert str(raised.value).startswith(message)
