# Plans against a mocked OpenStack provider: the Magnum objects the interface maps to,
# and the inputs it refuses, each naming the variable.

mock_provider "openstack" {
  # What Magnum returns once the cluster exists (the mock's own values are empty).
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

variables {
  name               = "platform-eu1"
  kubernetes_version = "1.31.4"
  node_pools = {
    default = { machine_type = "m1.large", size = 3, min_size = 2, max_size = 6 }
    batch   = { machine_type = "c1.xlarge", size = 1, labels = { workload = "batch" } }
  }
  network   = { pod_cidr = "10.200.0.0/16", public_api = false }
  openstack = { image = "fedora-coreos-40", external_network_id = "ext-net-id", keypair = "ops" }
}

run "a_cluster_from_a_template_with_the_default_pool_and_one_node_group" {
  command = plan

  assert {
    condition     = openstack_containerinfra_clustertemplate_v1.this.coe == "kubernetes"
    error_message = "the template is for Kubernetes"
  }
  assert {
    condition     = openstack_containerinfra_clustertemplate_v1.this.labels["kube_tag"] == "v1.31.4"
    error_message = "kubernetes_version becomes Magnum's kube_tag"
  }
  assert {
    condition     = openstack_containerinfra_clustertemplate_v1.this.labels["calico_ipv4pool"] == "10.200.0.0/16"
    error_message = "network.pod_cidr becomes the pod address pool"
  }
  assert {
    condition     = openstack_containerinfra_clustertemplate_v1.this.labels["master_lb_floating_ip_enabled"] == "false"
    error_message = "public_api = false keeps the API load balancer private"
  }
  assert {
    condition     = openstack_containerinfra_clustertemplate_v1.this.master_lb_enabled == true
    error_message = "three control-plane nodes sit behind a load balancer"
  }
  assert {
    condition     = openstack_containerinfra_cluster_v1.this.master_count == 3 && openstack_containerinfra_cluster_v1.this.node_count == 3
    error_message = "the control plane and the default pool have the sizes asked for"
  }
  assert {
    condition     = openstack_containerinfra_cluster_v1.this.labels["auto_scaling_enabled"] == "true" && openstack_containerinfra_cluster_v1.this.labels["max_node_count"] == "6"
    error_message = "min_size and max_size turn on the autoscaler for the default pool"
  }
  assert {
    condition     = keys(openstack_containerinfra_nodegroup_v1.pool) == ["batch"]
    error_message = "each pool but the default is a node group"
  }
  assert {
    condition     = openstack_containerinfra_nodegroup_v1.pool["batch"].labels["workload"] == "batch" && openstack_containerinfra_nodegroup_v1.pool["batch"].flavor_id == "c1.xlarge"
    error_message = "a node group has its pool's machine type and labels"
  }
  assert {
    condition     = output.api_endpoint == "https://203.0.113.10:6443" && output.credentials.client_key == "key-pem"
    error_message = "the API endpoint and credentials come from Magnum's kubeconfig"
  }
  assert {
    condition     = output.node_pools == { default = 3, batch = 1 }
    error_message = "the node_pools output gives each pool's size"
  }
}

run "a_single_control_plane_node_needs_no_load_balancer_nor_autoscaler_labels" {
  command = plan
  variables {
    control_plane = { size = 1, machine_type = "m1.small" }
    node_pools    = { default = { machine_type = "m1.small", size = 1 } }
  }
  assert {
    condition     = openstack_containerinfra_clustertemplate_v1.this.master_lb_enabled == false
    error_message = "one control-plane node has no load balancer"
  }
  assert {
    condition     = !contains(keys(openstack_containerinfra_cluster_v1.this.labels), "auto_scaling_enabled")
    error_message = "a fixed-size pool is not autoscaled"
  }
  assert {
    condition     = length(openstack_containerinfra_nodegroup_v1.pool) == 0
    error_message = "no extra node group"
  }
}

run "a_name_that_is_not_a_dns_label_is_refused" {
  command = plan
  variables {
    name = "Platform_EU"
  }
  expect_failures = [var.name]
}

run "a_version_with_a_v_or_without_a_patch_is_refused" {
  command = plan
  variables {
    kubernetes_version = "v1.31"
  }
  expect_failures = [var.kubernetes_version]
}

run "an_even_control_plane_is_refused" {
  command = plan
  variables {
    control_plane = { size = 2, machine_type = "m1.medium" }
  }
  expect_failures = [var.control_plane]
}

run "pools_without_a_default_are_refused" {
  command = plan
  variables {
    node_pools = { workers = { machine_type = "m1.large", size = 3 } }
  }
  expect_failures = [var.node_pools]
}

run "a_pool_larger_than_its_maximum_is_refused" {
  command = plan
  variables {
    node_pools = { default = { machine_type = "m1.large", size = 5, max_size = 4 } }
  }
  expect_failures = [var.node_pools]
}

run "the_same_range_for_pods_and_services_is_refused" {
  command = plan
  variables {
    network = { pod_cidr = "10.0.0.0/16", service_cidr = "10.0.0.0/16" }
  }
  expect_failures = [var.network]
}

run "a_network_without_its_subnet_is_refused" {
  command = plan
  variables {
    network = { private_network_id = "net-1" }
  }
  expect_failures = [var.network]
}

run "an_unknown_network_driver_is_refused" {
  command = plan
  variables {
    openstack = { image = "fedora-coreos-40", external_network_id = "ext", network_driver = "cilium" }
  }
  expect_failures = [var.openstack]
}
