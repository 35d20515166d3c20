"""Delivery from git: ``gitserver`` (a read-only smart-HTTP git server on loopback),
``configrepo`` (a work clone of the config repository: promote, revert, push),
``bootstrap`` (the Flux objects of ``k8s/gitops/flux`` with local changes), ``flux`` and
``argocd`` (their real controllers, built from Go modules), ``flux_view`` (Flux as
``flux reconcile`` and ``flux get`` see it). Imports
``tools.platformkit`` only."""
