# The cloud root module's wiring, both providers mocked: the cluster's outputs configure
# the kubectl provider, and the bootstrap delivers all three environments.

mock_provider "openstack" {
  mock_resource "openstack_containerinfra_cluster_v1" {
    defaults = {
      kubeconfig = {
        host                   = "https://203.0.113.10:6443"
        cluster_ca_certificate = "ca-pem"
        client_certificate     = "cert-pem"
        client_key             = "key-pem"
        raw_config             = "apiVersion: v1"
      }
    }
  }
}

mock_provider "kubectl" {}

variables {
  git_url   = "https://github.com/example-org/gitops-platform.git"
  openstack = { image = "fedora-coreos-40", external_network_id = "ext-net-id" }
}

run "a_cluster_then_the_bootstrap_of_three_environments" {
  command = apply # mocked: nothing leaves this machine
  assert {
    condition     = output.api_endpoint == "https://203.0.113.10:6443"
    error_message = "the API endpoint comes from the cluster"
  }
  assert {
    condition     = output.kustomizations == ["gitops-platform-dev", "gitops-platform-prod", "gitops-platform-staging"]
    error_message = "a real cloud gets dev, staging and prod"
  }
  assert {
    condition     = output.node_pools == { default = 3 }
    error_message = "the default pool's size"
  }
}
