# The cluster interface (../README.md) implemented with OpenStack Magnum: a cluster
# template fixes what every node shares (image, networking, versions); the cluster is
# created with the "default" pool; every other pool is a Magnum node group.

locals {
  autoscaled = { for name, p in var.node_pools : name => p.min_size != null || p.max_size != null }
  default    = var.node_pools["default"]
  labels = merge(
    {
      kube_tag                      = "v${var.kubernetes_version}"
      calico_ipv4pool               = var.network.pod_cidr
      service_cluster_ip_range      = var.network.service_cidr
      master_lb_floating_ip_enabled = tostring(var.network.public_api)
    },
    { for k, v in {
      auto_scaling_enabled = "true"
      min_node_count       = tostring(coalesce(local.default.min_size, local.default.size))
      max_node_count       = tostring(coalesce(local.default.max_size, local.default.size))
    } : k => v if local.autoscaled["default"] },
  )
}

resource "openstack_containerinfra_clustertemplate_v1" "this" {
  name                = "${var.name}-k8s-${var.kubernetes_version}"
  coe                 = "kubernetes"
  image               = var.openstack.image
  external_network_id = var.openstack.external_network_id
  fixed_network       = var.network.private_network_id
  fixed_subnet        = var.network.private_subnet_id
  network_driver      = var.openstack.network_driver
  dns_nameserver      = var.openstack.dns_nameserver
  docker_volume_size  = var.openstack.docker_volume_size
  master_lb_enabled   = var.control_plane.size > 1
  floating_ip_enabled = false # nodes stay private; only the API load balancer may be public
  tls_disabled        = false
  labels              = local.labels
}

resource "openstack_containerinfra_cluster_v1" "this" {
  name                = var.name
  cluster_template_id = openstack_containerinfra_clustertemplate_v1.this.id
  master_count        = var.control_plane.size
  master_flavor       = var.control_plane.machine_type
  node_count          = local.default.size
  flavor              = local.default.machine_type
  keypair             = var.openstack.keypair
  labels              = merge(local.labels, local.default.labels)
  merge_labels        = true
}

resource "openstack_containerinfra_nodegroup_v1" "pool" {
  for_each       = { for name, p in var.node_pools : name => p if name != "default" }
  name           = each.key
  cluster_id     = openstack_containerinfra_cluster_v1.this.id
  image_id       = var.openstack.image
  flavor_id      = each.value.machine_type
  node_count     = each.value.size
  min_node_count = each.value.min_size
  max_node_count = each.value.max_size
  labels         = each.value.labels
  merge_labels   = true
  role           = "worker"
}
