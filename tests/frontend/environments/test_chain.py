"""Environments from Flux Kustomizations: promotion order, names, inventory, blockers.

Every Kustomization is one recorded from the real Flux controllers (tests/fixtures/flux:
``gitops-platform-dev`` delivering ``capflux-dev``, ``gitops-platform-staging`` delivering
``capflux-staging`` and depending on dev), deep-copied and, where a case needs it, given
another name, ``dependsOn`` or inventory; the edit is named in the case's id.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import pytest

from frontend.environments.chain import (
    Applied,
    Blocker,
    environments,
    inventory,
    promotion_order,
)
from tests.frontend.status.fixtures import FluxCapture, flux_scenarios, load_flux

Obj = dict[str, Any]

DEV_KS, STAGING_KS = "gitops-platform-dev", "gitops-platform-staging"
DEPENDENCY_MESSAGE = "dependency 'capflux/gitops-platform-dev' is not ready"


@cache
def _capture(scenario: str) -> FluxCapture:
    return load_flux(scenario)


def _delivered(kustomization: Obj) -> str:
    """The namespace the recorded Kustomization delivers into (its Namespace entry)."""
    for entry in kustomization["status"]["inventory"]["entries"]:
        if entry["id"].endswith("__Namespace"):
            return str(entry["id"].split("_")[1])
    raise AssertionError("recorded inventory without its Namespace")


def _kustomization(
    scenario: str = "ready",
    *,
    name: str | None = None,
    namespace: str | None = None,
    depends: Sequence[str] | None = None,
    delivers: str | None = None,
    ids: Sequence[str] | None = None,
) -> Obj:
    """A recorded Kustomization, deep-copied, with the edits asked for.

    ``depends`` entries are ``name`` or ``namespace/name``; ``delivers`` moves every
    inventory id to another namespace; ``ids`` replaces the inventory outright.
    """
    found: Obj = copy.deepcopy(_capture(scenario).kustomization)
    if name is not None:
        found["metadata"]["name"] = name
    if namespace is not None:
        found["metadata"]["namespace"] = namespace
    if depends is not None:
        found["spec"]["dependsOn"] = [
            dict(zip(("namespace", "name"), dep.split("/"), strict=True))
            if "/" in dep
            else {"name": dep}
            for dep in depends
        ]
    if delivers is not None:
        old = _delivered(found)
        for entry in found["status"]["inventory"]["entries"]:
            entry["id"] = entry["id"].replace(old, delivers)
    if ids is not None:
        found["status"]["inventory"]["entries"] = [{"id": i, "v": "v1"} for i in ids]
    return found


def _refs(kustomizations: Sequence[Mapping[str, Any]]) -> list[str]:
    return [f"{k['metadata']['namespace']}/{k['metadata']['name']}" for k in kustomizations]


def _short(revision: str | None) -> str | None:
    """``main@sha1:<40 hex>`` to ``main@sha1:<12 hex>``, written apart from the code."""
    if revision is None:
        return None
    ref, _, digest = revision.rpartition(":")
    return f"{ref}:{digest[:12]}"


# --- promotion order -------------------------------------------------------------------


def _chain() -> dict[str, Obj]:
    return {
        "dev": _kustomization(name="dev"),
        "staging": _kustomization(name="staging", depends=["dev"]),
        "prod": _kustomization(name="prod", depends=["staging"]),
    }


CHAIN_ORDERS = [
    pytest.param(order, id="input-" + "-".join(order))
    for order in itertools.permutations(("dev", "staging", "prod"))
]


@pytest.mark.parametrize("given", CHAIN_ORDERS)
def test_promotion_order_follows_depends_on_whatever_the_input_order(
    given: tuple[str, ...],
) -> None:
    chain = _chain()
    ordered = promotion_order([chain[name] for name in given])
    # By name alone it would be dev, prod, staging: only dependsOn puts prod last.
    assert _refs(ordered) == ["capflux/dev", "capflux/staging", "capflux/prod"]


ORDER_CASES = [
    pytest.param(
        lambda: [_kustomization(name=n, depends=[]) for n in ("b", "c", "a")],
        ["capflux/a", "capflux/b", "capflux/c"],
        id="independent-kustomizations-by-name",
    ),
    pytest.param(
        lambda: [
            _kustomization(name="qa", depends=["dev"]),
            _kustomization(name="perf", depends=["dev"]),
            _kustomization(name="dev", depends=[]),
        ],
        ["capflux/dev", "capflux/perf", "capflux/qa"],
        id="siblings-after-their-dependency-ties-by-name",
    ),
    pytest.param(
        lambda: [
            _kustomization(name="prod", depends=["qa", "staging"]),
            _kustomization(name="staging", depends=["dev"]),
            _kustomization(name="qa", depends=["dev"]),
            _kustomization(name="dev", depends=[]),
        ],
        ["capflux/dev", "capflux/qa", "capflux/staging", "capflux/prod"],
        id="diamond",
    ),
    pytest.param(
        lambda: [
            _kustomization(name="prod", depends=["staging", "qa"]),
            _kustomization(name="staging", depends=["dev"]),
            _kustomization(name="qa", depends=["dev"]),
            _kustomization(name="dev", depends=[]),
        ],
        ["capflux/dev", "capflux/qa", "capflux/staging", "capflux/prod"],
        id="diamond-ties-by-name-whatever-the-depends-on-order",
    ),
    pytest.param(
        lambda: [
            _kustomization(name="web", namespace="flux-a", depends=["flux-b/base"]),
            _kustomization(name="base", namespace="flux-a", depends=[]),
            _kustomization(name="base", namespace="flux-b", depends=[]),
        ],
        # Read as its own namespace's "base", web would stay before flux-b/base.
        ["flux-a/base", "flux-b/base", "flux-a/web"],
        id="depends-on-naming-another-namespace",
    ),
    pytest.param(
        lambda: [
            _kustomization(name="staging", depends=["nowhere"]),
            _kustomization(name="dev", depends=[]),
        ],
        ["capflux/dev", "capflux/staging"],
        id="missing-dependency-is-skipped",
    ),
    pytest.param(
        lambda: [_kustomization("dependency-not-ready"), _kustomization("health-check-failed")],
        ["capflux/gitops-platform-dev", "capflux/gitops-platform-staging"],
        id="recorded-staging-after-recorded-dev",
    ),
]


@pytest.mark.parametrize(("build", "expected"), ORDER_CASES)
def test_promotion_order(build: Any, expected: list[str]) -> None:
    assert _refs(promotion_order(build())) == expected


CYCLES = [
    pytest.param({"a": ["b"], "b": ["a"]}, id="two-kustomizations"),
    pytest.param({"a": ["b"], "b": ["c"], "c": ["a"]}, id="three-kustomizations"),
    pytest.param({"a": ["a"]}, id="self-dependency"),
    pytest.param({"dev": [], "a": ["b", "dev"], "b": ["a"], "prod": ["a"]}, id="cycle-in-a-chain"),
]


@pytest.mark.timeout(5)
@pytest.mark.parametrize("depends", CYCLES)
def test_promotion_order_survives_a_cycle_keeping_every_kustomization_once(
    depends: dict[str, list[str]],
) -> None:
    given = [_kustomization(name=name, depends=deps) for name, deps in depends.items()]
    ordered = _refs(promotion_order(given))
    assert sorted(ordered) == sorted(_refs(given))
    assert len(ordered) == len(set(ordered)) == len(given)


# --- names -----------------------------------------------------------------------------


NAME_CASES = [
    pytest.param(
        [DEV_KS, STAGING_KS], {}, ["dev", "staging"], id="recorded-names-less-shared-prefix"
    ),
    pytest.param(
        [DEV_KS, STAGING_KS],
        {"ns-gitops-platform-dev": "development"},
        ["development", "staging"],
        id="environment-label-of-the-namespace-wins",
    ),
    pytest.param(
        [DEV_KS], {"ns-gitops-platform-dev": "dev"}, ["dev"], id="label-wins-for-a-single-one"
    ),
    pytest.param([DEV_KS], {}, [DEV_KS], id="single-kustomization-keeps-its-name"),
    pytest.param(
        [DEV_KS, STAGING_KS],
        {"elsewhere": "production"},
        ["dev", "staging"],
        id="label-of-another-namespace-ignored",
    ),
    pytest.param(
        ["platformdev", "platformstaging"],
        {},
        ["platformdev", "platformstaging"],
        id="shared-prefix-without-a-dash-kept",
    ),
    pytest.param(
        ["apps-dev", "apps-development"],
        {},
        ["dev", "development"],
        id="prefix-ends-at-the-last-shared-dash",
    ),
    pytest.param(["dev", "prod"], {}, ["dev", "prod"], id="nothing-shared"),
    pytest.param(["apps", "apps-dev"], {}, ["apps", "apps-dev"], id="one-name-is-the-others-stem"),
    pytest.param(
        ["gitops-platform-dev", "gitops-platform-prod", "gitops-platform-staging"],
        {},
        ["dev", "prod", "staging"],
        id="three-kustomizations",
    ),
]


@pytest.mark.parametrize(("names", "labels", "expected"), NAME_CASES)
def test_environment_names(names: list[str], labels: dict[str, str], expected: list[str]) -> None:
    given = [_kustomization(name=n, depends=[], delivers=f"ns-{n}") for n in names]
    assert [env.name for env in environments(given, labels)] == expected


# --- inventory -------------------------------------------------------------------------


INVENTORY_CASES = [
    pytest.param(
        None,
        (
            Applied("Deployment", "capflux-dev", "backend"),
            Applied("Deployment", "capflux-dev", "frontend"),
        ),
        id="recorded-inventory-keeps-its-two-deployments",
    ),
    pytest.param(
        ["shop_db_apps_StatefulSet", "shop_agent_apps_DaemonSet", "shop_web_apps_Deployment"],
        (
            Applied("StatefulSet", "shop", "db"),
            Applied("DaemonSet", "shop", "agent"),
            Applied("Deployment", "shop", "web"),
        ),
        id="every-workload-kind-in-inventory-order",
    ),
    pytest.param(
        [
            "shop_web-5c8d7f9b6_apps_ReplicaSet",
            "shop_web_apps_ControllerRevision",
            "shop_web_extensions_Deployment",
            "shop_web__Service",
            "_shop__Namespace",
        ],
        (),
        id="other-kinds-and-groups-ignored",
    ),
    pytest.param(
        [
            "",
            "shop_web_apps",
            "shop_web_apps_Deployment_extra",
            "shop_web",
            "shop_web_apps_deployment",
            "shop_api_apps_Deployment",
        ],
        (Applied("Deployment", "shop", "api"),),
        id="malformed-ids-ignored",
    ),
]


@pytest.mark.parametrize(("ids", "expected"), INVENTORY_CASES)
def test_inventory_lists_only_apps_workloads(
    ids: list[str] | None, expected: tuple[Applied, ...]
) -> None:
    assert inventory(_kustomization("health-check-failed", ids=ids)) == expected


BROKEN_INVENTORIES = [
    pytest.param(lambda s: s.pop("inventory"), id="no-inventory"),
    pytest.param(lambda s: s["inventory"].pop("entries"), id="no-entries"),
    pytest.param(lambda s: s["inventory"].update(entries=None), id="entries-null"),
    pytest.param(
        lambda s: s["inventory"].update(entries=["shop_web_apps_Deployment", {"v": "v1"}]),
        id="entries-not-objects-or-without-id",
    ),
    pytest.param(
        lambda s: s["inventory"].update(entries=[{"id": 42, "v": "v1"}]), id="id-not-a-string"
    ),
]


@pytest.mark.parametrize("edit", BROKEN_INVENTORIES)
def test_inventory_of_a_malformed_status_is_empty(edit: Any) -> None:
    found = _kustomization("ready")
    edit(found["status"])
    assert inventory(found) == ()


# --- blockers --------------------------------------------------------------------------


DEV_STATES = [
    pytest.param("health-check-failed", ("health check failed",), id="dev-health-check-failed"),
    pytest.param(
        "reconciliation-failed", ("reconciliation failed",), id="dev-reconciliation-failed"
    ),
    pytest.param("build-failed", ("build failed",), id="dev-build-failed"),
    pytest.param("reconciling", ("reconciling",), id="dev-reconciling"),
    pytest.param("ready", (), id="dev-ready-is-not-listed"),
    pytest.param("recovered", (), id="dev-recovered-is-not-listed"),
]


@pytest.mark.parametrize(("dev_scenario", "phrases"), DEV_STATES)
def test_staging_waiting_for_dev_is_blocked_by_dev_unless_dev_is_ready(
    dev_scenario: str, phrases: tuple[str, ...]
) -> None:
    envs = environments([_kustomization("dependency-not-ready"), _kustomization(dev_scenario)], {})
    dev, staging = envs
    assert (dev.name, staging.name) == ("dev", "staging")
    assert staging.blocked_by == tuple(Blocker("dev", phrase) for phrase in phrases)
    # The phrase is dev's own, as the dev column shows it.
    assert all(b.phrase == dev.verdict.phrase for b in staging.blocked_by)
    assert staging.verdict.state == "failed"
    assert staging.message == DEPENDENCY_MESSAGE  # Flux's own words
    assert dev.blocked_by == ()


NOT_BLOCKED = [
    pytest.param(
        lambda: _kustomization("stalled", depends=[DEV_KS]),
        "reconciliation stalled",
        id="staging-stalled",
    ),
    pytest.param(
        lambda: _kustomization("artifact-failed", depends=[DEV_KS]),
        "source artifact unavailable",
        id="staging-artifact-failed",
    ),
    pytest.param(
        lambda: _kustomization(
            "reconciliation-failed", name=STAGING_KS, depends=[DEV_KS], delivers="capflux-staging"
        ),
        "reconciliation failed",
        id="staging-reconciliation-failed-renamed-from-dev",
    ),
    pytest.param(
        lambda: _kustomization(
            "reconciling", name=STAGING_KS, depends=[DEV_KS], delivers="capflux-staging"
        ),
        "reconciling",
        id="staging-reconciling-renamed-from-dev",
    ),
]


@pytest.mark.parametrize(("staging", "phrase"), NOT_BLOCKED)
def test_no_blockers_when_not_ready_for_another_reason_than_its_dependency(
    staging: Any, phrase: str
) -> None:
    _, found = environments([staging(), _kustomization("health-check-failed")], {})
    assert found.name == "staging"
    assert found.verdict.phrase == phrase
    assert found.blocked_by == ()
    assert found.message  # its own failure, in Flux's words


def test_only_the_dependencies_that_are_not_ready_block() -> None:
    given = [
        _kustomization("dependency-not-ready", depends=[DEV_KS, "gitops-platform-qa"]),
        _kustomization("ready"),  # dev: Ready, so not listed
        _kustomization("health-check-failed", name="gitops-platform-qa", delivers="capflux-qa"),
    ]
    envs = {env.name: env for env in environments(given, {})}
    assert envs["staging"].blocked_by == (Blocker("qa", "health check failed"),)


MISSING = [
    pytest.param(
        [DEV_KS], [], (Blocker("capflux/gitops-platform-dev", "not found"),), id="dev-absent"
    ),
    pytest.param(
        [DEV_KS, "gitops-platform-gone"],
        ["health-check-failed"],
        (
            Blocker("dev", "health check failed"),
            Blocker("capflux/gitops-platform-gone", "not found"),
        ),
        id="one-failed-one-absent-in-depends-on-order",
    ),
    pytest.param(
        ["flux-system/gitops-platform-dev"],
        ["ready"],
        (Blocker("flux-system/gitops-platform-dev", "not found"),),
        id="same-name-in-another-namespace-is-not-it",
    ),
]


@pytest.mark.parametrize(("depends", "others", "expected"), MISSING)
def test_a_missing_dependency_blocks_as_not_found(
    depends: list[str], others: list[str], expected: tuple[Blocker, ...]
) -> None:
    given = [_kustomization("dependency-not-ready", depends=depends)]
    given += [_kustomization(scenario) for scenario in others]
    staging = next(env for env in environments(given, {}) if env.source.endswith("-staging"))
    assert staging.blocked_by == expected


WITHOUT_WORKLOADS = [
    pytest.param("ready", (Blocker("dev", "health check failed"),), id="ready-infra-not-listed"),
    pytest.param(
        "health-check-failed",
        (
            Blocker("dev", "health check failed"),
            Blocker("capflux/infra", "health check failed"),
        ),
        id="failed-infra-listed-with-its-phrase",
    ),
]


@pytest.mark.parametrize(("infra_scenario", "expected"), WITHOUT_WORKLOADS)
def test_a_dependency_without_workloads_blocks_by_its_own_verdict(
    infra_scenario: str, expected: tuple[Blocker, ...]
) -> None:
    given = [
        _kustomization("dependency-not-ready", depends=[DEV_KS, "infra"]),
        _kustomization("health-check-failed"),
        _kustomization(infra_scenario, name="infra", ids=["_infra__Namespace"]),
    ]
    _, staging = environments(given, {})
    assert staging.blocked_by == expected


# --- revisions, and what is an environment ---------------------------------------------


@pytest.mark.parametrize("scenario", flux_scenarios())
def test_applied_and_attempted_revisions_are_shortened(scenario: str) -> None:
    capture = _capture(scenario)
    (env,) = environments([_kustomization(scenario)], {})
    assert env.applied_revision == _short(capture.revisions["applied"])
    assert env.attempted_revision == _short(capture.revisions.get("attempted"))
    assert env.applied_revision is not None
    assert len(env.applied_revision) == len("main@sha1:") + 12


def test_revisions_are_none_when_flux_recorded_none() -> None:
    found = _kustomization("ready")
    del found["status"]["lastAppliedRevision"], found["status"]["lastAttemptedRevision"]
    (env,) = environments([found], {})
    assert (env.applied_revision, env.attempted_revision) == (None, None)


def test_an_environment_says_where_it_comes_from() -> None:
    dev, staging = environments(
        [_kustomization("dependency-not-ready"), _kustomization("health-check-failed")], {}
    )
    assert (dev.source, staging.source) == (f"capflux/{DEV_KS}", f"capflux/{STAGING_KS}")
    assert dev.anchor == "ks-capflux-gitops-platform-dev"
    assert dev.namespaces == ("capflux-dev",)
    assert [w.anchor for w in staging.workloads] == [
        "d-capflux-staging-backend",
        "d-capflux-staging-frontend",
    ]
    assert dev.verdict.phrase == "health check failed"
    assert "Deployment/capflux-dev/backend" in (dev.message or "")


NO_WORKLOADS = [
    pytest.param(["_infra__Namespace", "infra_cfg__ConfigMap"], id="only-config"),
    pytest.param([], id="empty-inventory"),
    pytest.param(["infra_web-5c8d7f9b6_apps_ReplicaSet"], id="only-a-replicaset"),
]


@pytest.mark.parametrize("ids", NO_WORKLOADS)
def test_a_kustomization_without_workloads_is_not_an_environment(ids: list[str]) -> None:
    infra = _kustomization("ready", name="infra", ids=ids)
    assert environments([infra], {}) == ()
    given = [_kustomization("dependency-not-ready"), infra, _kustomization("ready")]
    envs = environments(given, {})
    assert [e.source for e in envs] == [f"capflux/{DEV_KS}", f"capflux/{STAGING_KS}"]
    # Nor does its name take part in the shared prefix ("infra" shares none).
    assert [e.name for e in envs] == ["dev", "staging"]
