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

run "the_board_alone_may_read_nodes" {
  command = plan
  variables {
    board_reader = { namespace = "gitops-platform-dev", service_account = "frontend" }
  }
  assert {
    condition     = keys(kubectl_manifest.board_node_reader) == ["gitops-platform-board-nodes"]
    error_message = "one ClusterRoleBinding for the board's node reads"
  }
  assert {
    condition = yamldecode(kubectl_manifest.board_node_reader_role["gitops-platform-board-nodes"].yaml_body).rules == [
      { apiGroups = [""], resources = ["nodes"], verbs = ["get", "list", "watch"] },
    ]
    error_message = "read-only, nodes only (k8s/optional/board-nodes/clusterrole.yaml)"
  }
  assert {
    condition = yamldecode(kubectl_manifest.board_node_reader["gitops-platform-board-nodes"].yaml_body).subjects == [
      { kind = "ServiceAccount", name = "frontend", namespace = "gitops-platform-dev" },
    ]
    error_message = "bound to the board's identity alone"
  }
}

run "no_board_no_node_reads" {
  command = plan
  assert {
    condition     = length(kubectl_manifest.board_node_reader) + length(kubectl_manifest.board_node_reader_role) == 0
    error_message = "without a board_reader, nothing may read nodes"
  }
}
