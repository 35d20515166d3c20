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

.PHONY: run
run: venv ## Run the backend on 127.0.0.1:$(BACKEND_PORT)
	@echo "backend:  http://127.0.0.1:$(BACKEND_PORT)/meta"
	BACKEND_PORT=$(BACKEND_PORT) BACKEND_GIT_SHA=$$(git rev-parse HEAD 2>/dev/null || true) \
	BACKEND_VERSION=$$(git describe --tags --always --dirty 2>/dev/null || echo dev) \
	$(UV) run --frozen backend

.PHONY: test
test: venv ## Run every test tier (the real-cluster tier needs Go; see docs/testing.md)
	$(PYTEST)

.PHONY: test-fast
test-fast: venv ## Run the tiers that need nothing but Python
	$(PYTEST) -m "not cluster and not e2e"

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

.PHONY: bench-backend
bench-backend: venv ## Benchmark backend start-up, RSS and loopback req/s (needs wrk)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(UV) run --frozen python bench/backend.py --seconds 5
