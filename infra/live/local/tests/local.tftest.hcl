# The local root module's wiring, with the kubectl provider mocked: the variables
# reach the bootstrap, and its outputs come back. tests/infra/test_bootstrap.py applies
# it for real.

mock_provider "kubectl" {}

variables {
  kubeconfig = "tests/local.tftest.hcl" # any existing file: nothing connects when mocked
  git_url    = "http://127.0.0.1:9418/gitops-platform.git"
}

run "dev_alone_by_default" {
  command = plan
  assert {
    condition     = output.kustomizations == ["gitops-platform-dev"]
    error_message = "the local platform delivers dev only, unless told otherwise"
  }
  assert {
    condition     = output.environment_namespaces == { dev = "gitops-platform-dev" }
    error_message = "dev in its overlay's own namespace"
  }
  assert {
    condition     = output.controller_service_accounts == ["source-controller", "kustomize-controller"]
    error_message = "one identity per controller"
  }
}

run "a_missing_kubeconfig_is_refused" {
  command = plan
  variables {
    kubeconfig = "/nonexistent/kubeconfig"
  }
  expect_failures = [var.kubeconfig]
}
