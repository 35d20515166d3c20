# The README's two commands are `make run` and `make test`; both set up
# everything they need on a fresh machine, starting from python3 alone.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PROJECT   := gitops-platform
CACHE_DIR ?= $(HOME)/.cache/$(PROJECT)
UV_VERSION := 0.13.9
UV        := $(CACHE_DIR)/uv-$(UV_VERSION)/bin/uv
VENV      := .venv
STAMP     := $(VENV)/.synced
PYTEST    := $(UV) run --frozen pytest

BACKEND_PORT  ?= 8080
FRONTEND_PORT ?= 8090

export UV_PYTHON_DOWNLOADS := never

.PHONY: help
help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(UV):
	python3 -m venv $(CACHE_DIR)/uv-$(UV_VERSION)
	$(CACHE_DIR)/uv-$(UV_VERSION)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) uv.lock pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen
	@touch $@

.PHONY: venv
venv: $(STAMP) ## Create .venv from uv.lock (pinned, reproducible)

.PHONY: run run-services
run: venv frontend-assets ## The whole platform: cluster, git servers, Flux, dev/staging/prod, real pods, pipeline runner, board (Ctrl-C stops it)
	FRONTEND_PORT=$(FRONTEND_PORT) PROD_GATE=$(PROD_GATE) $(VENV)/bin/python -m tools.localplatform up

run-services: venv frontend-assets ## Only the backend and the board on 127.0.0.1, no cluster (quick)
	BACKEND_PORT=$(BACKEND_PORT) FRONTEND_PORT=$(FRONTEND_PORT) bash tools/run-local.sh

.PHONY: system
system: ## Install the Debian packages the test tiers need (chromium, buildah, podman, …)
	bash tools/setup-system.sh

.PHONY: test
test: venv frontend-assets system ## Run every test tier, measuring coverage (see docs/testing.md)
	$(PYTEST) --cov --cov-report= --cov-fail-under=0

.PHONY: coverage
coverage: venv ## Per-file coverage table of the last test run; fails under the pyproject.toml gate
	$(UV) run --frozen coverage report

.PHONY: test-fast
test-fast: venv frontend-assets ## Run the tiers that need nothing but Python (and npm for htmx)
	$(PYTEST) -m "not cluster and not e2e and not browser and not images and not tofu and not realnode and not oracle and not chaos"

.PHONY: lint
lint: venv ## ruff check, ruff format --check, mypy --strict
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy

.PHONY: fmt
fmt: venv ## Apply ruff fixes and formatting
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

.PHONY: lock
lock: $(UV) ## Re-resolve uv.lock after changing a pyproject.toml
	$(UV) lock

-include tools/cluster/cluster.mk
-include tools/localplatform/localplatform.mk
-include tools/k8s/k8s.mk
-include tools/images/images.mk
-include services/frontend/frontend.mk
-include tools/tofu/tofu.mk

.PHONY: bench-backend
bench-backend: venv ## Benchmark the backend beside podinfo (builds podinfo; installs Debian's wrk)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	bash tools/podinfo/build.sh >/dev/null
	$(UV) run --frozen python bench/backend.py

.PHONY: bench-delivery
bench-delivery: venv ## Time delivery-metrics on a synthetic history of 10,000 promotions
	$(UV) run --frozen python bench/delivery_metrics.py

.PHONY: bench-loop
bench-loop: venv ## A bad source push -> recovered, a good one -> prod, with no command (needs `make run` up)
	$(UV) run --frozen python bench/delivery_loop.py --rounds 2

.PHONY: bench-node
bench-node: venv ## Push of a promotion -> new pods Ready on the real node, by step (needs `make run` up)
	$(UV) run --frozen python bench/node_delivery.py --rounds 3

.PHONY: bench-board-live
bench-board-live: venv frontend-assets ## 100 SSE viewers during a rollout, then event-to-screen in Chromium, at 200 workloads
	$(UV) run --frozen python bench/board_viewers.py
	$(UV) run --frozen python bench/board_browser.py
