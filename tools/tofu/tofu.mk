# OpenTofu targets (infra/README.md). Included by the top-level Makefile.

.PHONY: tofu-build infra-check infra-plan
tofu-build: ## Build OpenTofu, tflint and the providers from Go modules (cached, ~10 min cold)
	bash tools/tofu/build.sh

infra-check: venv ## tofu fmt -check, tflint, validate and tofu test on every infra/ module
	$(PYTEST) -p no:cacheprovider tests/infra/test_modules.py

infra-plan: ## Plan infra/live/$(ROOT_MODULE) with $(VARS) (e.g. ROOT_MODULE=openstack VARS=prod.tfvars)
	bash tools/tofu/tofu.sh -chdir=infra/live/$(ROOT_MODULE) init -lockfile=readonly
	bash tools/tofu/tofu.sh -chdir=infra/live/$(ROOT_MODULE) plan -var-file=$(abspath $(VARS))
