# Real Kubernetes control plane (docs/testing.md): etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and kwok, built from Go modules into ~/.cache/gitops-platform and run as
# plain local processes. Included from the root Makefile, which defines UV and `venv`.
# See docs/testing.md.

CLUSTER_NAME  ?= dev
CLUSTER_NODES ?= 2
CLUSTER_PY    := $(UV) run --frozen python -m tools.platformkit.cluster.controlplane

.PHONY: cluster-build cluster-up cluster-down cluster-status test-cluster test-drill fixtures

cluster-build: ## Build (or reuse the cached) control-plane binaries; needs Go >= 1.26
	bash tools/cluster/build.sh

cluster-up: venv cluster-build ## Start the local control plane (prints its KUBECONFIG)
	$(CLUSTER_PY) up --name $(CLUSTER_NAME) --nodes $(CLUSTER_NODES)

cluster-down: venv ## Stop the local control plane (its own PIDs only) and remove its state
	$(CLUSTER_PY) down --name $(CLUSTER_NAME)

cluster-status: venv ## Show PIDs, liveness and memory of each control-plane component
	$(CLUSTER_PY) status --name $(CLUSTER_NAME)

test-cluster: venv cluster-build ## Run only the real-cluster tier (markers cluster, e2e)
	$(UV) run --frozen pytest -m "cluster or e2e"

# The pytest plugins build (or reuse) Flux's controllers and the node at collection; the real
# node needs root. Step timings are printed at the end (bench/drill.md).
test-drill: venv cluster-build ## Run the delivery drill through real Flux (tests/e2e; root)
	$(UV) run --frozen pytest tests/e2e/test_drill.py -p no:cacheprovider -s

fixtures: venv cluster-build ## Re-record tests/fixtures/k8s/*.json from a real control plane
	$(UV) run --frozen python -m tools.cluster.capture_fixtures
