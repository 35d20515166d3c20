from __future__ import annotations

from frontend.gitops import gitops_index


def test_gitops_index_maps_argo_application_resources() -> None:
    app = {
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {"destination": {"namespace": "shop"}},
        "status": {
            "sync": {"status": "OutOfSync", "revision": "a" * 40},
            "resources": [
                {"group": "apps", "kind": "Deployment", "name": "web", "status": "Synced",
                 "health": {"status": "Healthy"}},
                {"group": "", "kind": "Service", "name": "web", "status": "Synced"},
            ],
        },
    }  # fmt: skip

    index = gitops_index([app], [])

    assert list(index) == [("shop", "web")]
    (status,) = index[("shop", "web")]
    assert (status.tool, status.source, status.sync, status.health) == (
        "Argo CD", "argocd/shop", "Synced", "Healthy",
    )  # fmt: skip


def test_gitops_index_maps_flux_inventory_entries() -> None:
    kustomization = {
        "metadata": {"name": "apps", "namespace": "flux-system"},
        "status": {
            "lastAppliedRevision": "main@sha1:abc",
            "conditions": [{"type": "Ready", "status": "False", "reason": "HealthCheckFailed",
                            "message": "timeout"}],
            "inventory": {"entries": [{"id": "shop_web_apps_Deployment", "v": "v1"},
                                      {"id": "shop_web__Service", "v": "v1"}]},
        },
    }  # fmt: skip

    (status,) = gitops_index([], [kustomization])[("shop", "web")]

    assert (status.tool, status.sync, status.health) == ("Flux", "NotReady", "HealthCheckFailed")
    assert status.revision == "main@sha1:abc"
