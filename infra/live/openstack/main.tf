# A real cloud: a Magnum cluster, then the same bootstrap the local platform uses.
# Credentials come from the environment (OS_CLOUD and clouds.yaml, or OS_AUTH_URL and
# friends), never from variables. Apply in two steps the first time, because the
# kubectl provider is configured from the cluster's outputs (infra/README.md):
#   tofu apply -target=module.cluster && tofu apply

terraform {
  required_version = "~> 1.12.0"
  # A team keeps state in a shared, locked backend (s3 with a lock table, gcs, http,
  # pg...); configure it at init with -backend-config. Left local here (infra/README.md).
  backend "local" {}
  required_providers {
    openstack = {
      source  = "terraform-provider-openstack/openstack"
      version = "3.4.0"
    }
    kubectl = {
      source  = "gavinbunney/kubectl"
      version = "1.19.0"
    }
  }
}

provider "openstack" {}

module "cluster" {
  source             = "../../modules/cluster/openstack"
  name               = var.name
  kubernetes_version = var.kubernetes_version
  control_plane      = var.control_plane
  node_pools         = var.node_pools
  network            = var.network
  openstack          = var.openstack
}

provider "kubectl" {
  host                   = module.cluster.api_endpoint
  cluster_ca_certificate = module.cluster.ca_certificate
  client_certificate     = module.cluster.credentials.client_certificate
  client_key             = module.cluster.credentials.client_key
  load_config_file       = false
  apply_retry_count      = 5
}

module "bootstrap" {
  source         = "../../modules/bootstrap"
  git_url        = var.git_url
  git_branch     = var.git_branch
  environments   = var.environments
  flux_build_dir = var.flux_build_dir
}
