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
