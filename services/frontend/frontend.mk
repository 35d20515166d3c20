# Status board frontend (services/frontend/README.md). Included from the root Makefile, which defines UV and `venv`.
# htmx and its SSE extension come from npm, pinned with integrity hashes in package-lock.json,
# installed into services/frontend/node_modules/ (git-ignored) and served by the app itself.

FRONTEND_DIR    := services/frontend
FRONTEND_ASSETS := $(FRONTEND_DIR)/node_modules/.package-lock.json
FRONTEND_PORT   ?= 8090
CHROMIUM        ?= /usr/bin/chromium

.PHONY: frontend-assets run-frontend bench-board test-browser

$(FRONTEND_ASSETS): $(FRONTEND_DIR)/package.json $(FRONTEND_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for the board's htmx assets (apt-get install npm)"; exit 1; }
	npm ci --prefix $(FRONTEND_DIR) --ignore-scripts --no-audit --no-fund
	@touch $@

frontend-assets: $(FRONTEND_ASSETS) ## Install htmx + htmx-ext-sse (npm ci: pinned, integrity-checked)

run-frontend: venv frontend-assets ## Run only the board on 127.0.0.1:$(FRONTEND_PORT)
	@echo "frontend: http://127.0.0.1:$(FRONTEND_PORT)/"
	FRONTEND_PORT=$(FRONTEND_PORT) $(UV) run --frozen frontend

bench-board: venv ## Measure server render time for 200 Deployments / 2,000 Pods, then a single change at 200 and 2,000
	$(UV) run --frozen python bench/board_render.py
	$(UV) run --frozen python bench/board_scale.py

test-browser: venv frontend-assets ## Run the browser tier (Playwright + Debian chromium; never downloads one)
	$(UV) run --frozen pytest -m browser
