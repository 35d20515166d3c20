# The local platform's bootstrap: `make run` and the tests apply this to the control
# plane tests/support/controlplane.py starts. State is a local file whose path the
# caller gives at init (-backend-config=path=...), in the run's temporary directory.

terraform {
  required_version = "~> 1.12.0"
  backend "local" {}
  required_providers {
    kubectl = {
      source  = "gavinbunney/kubectl"
      version = "1.19.0"
    }
  }
}

provider "kubectl" {
  config_path      = var.kubeconfig
  load_config_file = true
  # A custom resource right after its CRD: discovery may not list the kind yet.
  apply_retry_count = 5
}

module "bootstrap" {
  source          = "../../modules/bootstrap"
  git_url         = var.git_url
  git_branch      = var.git_branch
  source_interval = var.source_interval
  environments    = var.environments
  flux_build_dir  = var.flux_build_dir
}

# Least privilege for the one board of a local run: in each other environment, the same
# read-only rules as that environment's own frontend Role (k8s/base/frontend/role.yaml),
# bound to the board's identity. Made here, not left to Flux, so the board can read every
# environment from its start (Flux delivers staging only once dev is Ready).
locals {
  frontend_rules = yamldecode(file("${path.module}/../../../k8s/base/frontend/role.yaml")).rules
  board_namespaces = var.board_reader == null ? {} : {
    for name, namespace in module.bootstrap.environment_namespaces : name => namespace
    if namespace != var.board_reader.namespace
  }
}

resource "kubectl_manifest" "board_reader_role" {
  for_each = local.board_namespaces
  yaml_body = yamlencode({
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "Role"
    metadata   = { name = "board-reader", namespace = each.value }
    rules      = local.frontend_rules
  })
}

resource "kubectl_manifest" "board_reader" {
  for_each = local.board_namespaces
  yaml_body = yamlencode({
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "RoleBinding"
    metadata   = { name = "board-reader", namespace = each.value }
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "Role", name = "board-reader" }
    subjects = [{
      kind      = "ServiceAccount"
      name      = var.board_reader.service_account
      namespace = var.board_reader.namespace
    }]
  })
}

# The board may read Nodes, to say when a pod's node is NotReady. Nodes are
# cluster-scoped: a ClusterRole with the rules of k8s/optional/board-nodes (nodes only,
# read-only), bound to the board's identity alone.
locals {
  board_node_role = yamldecode(file("${path.module}/../../../k8s/optional/board-nodes/clusterrole.yaml"))
  board_node_readers = var.board_reader == null ? {} : {
    (local.board_node_role.metadata.name) = var.board_reader
  }
}

resource "kubectl_manifest" "board_node_reader_role" {
  for_each = local.board_node_readers
  yaml_body = yamlencode({
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRole"
    metadata   = { name = each.key }
    rules      = local.board_node_role.rules
  })
}

resource "kubectl_manifest" "board_node_reader" {
  for_each = local.board_node_readers
  yaml_body = yamlencode({
    apiVersion = "rbac.authorization.k8s.io/v1"
    kind       = "ClusterRoleBinding"
    metadata   = { name = each.key }
    roleRef    = { apiGroup = "rbac.authorization.k8s.io", kind = "ClusterRole", name = each.key }
    subjects = [{
      kind      = "ServiceAccount"
      name      = each.value.service_account
      namespace = each.value.namespace
    }]
  })
}
