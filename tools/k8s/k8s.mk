# Delivery manifests: render, schema-validate, policy-lint and the
# real-cluster checks of k8s/. Included from the root Makefile, which defines
# UV and `venv`. Pins: tools/k8s/versions.env. See k8s/README.md.

K8S_KUBECTL  := .venv/bin/kubectl
K8S_OUT      ?= build/k8s
K8S_ENVS     := dev staging prod

.PHONY: manifests manifests-check manifests-lint manifests-test-cluster manifests-crds

manifests: venv ## Render every overlay and the GitOps objects into build/k8s/
	@mkdir -p $(K8S_OUT)
	@for env in $(K8S_ENVS); do \
	  $(K8S_KUBECTL) kustomize k8s/overlays/$$env > $(K8S_OUT)/$$env.yaml && echo "$(K8S_OUT)/$$env.yaml"; \
	done
	@for tool in argocd flux; do \
	  $(K8S_KUBECTL) kustomize k8s/gitops/$$tool > $(K8S_OUT)/gitops-$$tool.yaml && echo "$(K8S_OUT)/gitops-$$tool.yaml"; \
	done

manifests-check: venv ## Offline manifest checks: render, assertions, schemas, policy lint
	$(UV) run --frozen pytest tests/k8s -m "not cluster"

manifests-lint: manifests ## checkov on the rendered overlays (human-readable output)
	UV=$(UV) bash tools/k8s/checkov.sh --quiet --compact -d $(K8S_OUT) --skip-path 'gitops-.*'

manifests-test-cluster: venv cluster-build ## Apply overlays + GitOps objects to the real control plane
	$(UV) run --frozen pytest tests/k8s -m cluster

manifests-crds: ## Fetch the Argo CD and Flux CRDs from their Go modules into the cache
	bash tools/k8s/fetch-crds.sh
