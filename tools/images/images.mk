# Container images (tools/images/README.md). Included from the root Makefile:
#   -include tools/images/images.mk
# Uses UV and the venv target from the root Makefile.

IMAGES_DIR := tools/images

.PHONY: images-setup
images-setup: ## Install and configure buildah/podman/debootstrap (root; idempotent)
	bash $(IMAGES_DIR)/setup.sh

.PHONY: images-base
images-base: images-setup ## Build (or reuse) the local Debian base images for the Dockerfiles
	bash $(IMAGES_DIR)/build-base.sh $(IMAGES_DIR)/base-python.list
	bash $(IMAGES_DIR)/build-base.sh $(IMAGES_DIR)/base-node.list

.PHONY: images
images: images-base ## Build both service images on the local base (skipped when unchanged)
	bash $(IMAGES_DIR)/build.sh backend frontend

.PHONY: images-upstream
images-upstream: images-setup ## Build both images on the Dockerfiles' pinned upstream bases (needs a registry)
	bash $(IMAGES_DIR)/build.sh --upstream backend frontend

.PHONY: images-up
images-up: images venv ## Run both images with compose (board on 127.0.0.1:8090)
	.venv/bin/podman-compose up

.PHONY: images-test
images-test: venv ## Run only the image tier
	$(UV) run --frozen pytest -m images tests/images

.PHONY: images-bench
images-bench: images-setup venv ## Measure cold and warm builds; writes bench/images.md
	bash $(IMAGES_DIR)/bench.sh
