# The provider-neutral interface (../README.md): name, kubernetes_version,
# control_plane, node_pools and network mean the same in every implementation.

variable "name" {
  description = "Cluster name: a DNS label, also the prefix of everything the module creates."
  type        = string
  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS label of at most 40 characters: lowercase letters, digits and '-', starting with a letter."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes version as MAJOR.MINOR.PATCH, e.g. 1.31.4 (the cloud's image must offer it)."
  type        = string
  validation {
    condition     = can(regex("^1\\.[0-9]{2}\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.31.4 (MAJOR.MINOR.PATCH, no leading v)."
  }
}

variable "control_plane" {
  description = "Control-plane nodes: how many (1, 3 or 5: etcd needs an odd quorum) and their machine type."
  type = object({
    size         = number
    machine_type = string
  })
  default = { size = 3, machine_type = "m1.medium" }
  validation {
    condition     = contains([1, 3, 5], var.control_plane.size)
    error_message = "control_plane.size must be 1, 3 or 5 (etcd needs an odd number of members)."
  }
}

variable "node_pools" {
  description = <<-EOT
    Worker pools by name. "default" is required: it is the pool the cluster is created
    with; the others are added to it. size is the initial count; min_size and max_size
    turn on the cluster autoscaler for the pool.
  EOT
  type = map(object({
    machine_type = string
    size         = number
    min_size     = optional(number)
    max_size     = optional(number)
    labels       = optional(map(string), {})
  }))
  validation {
    condition     = contains(keys(var.node_pools), "default")
    error_message = "node_pools must have a pool named \"default\" (the one the cluster is created with)."
  }
  validation {
    condition     = alltrue([for name in keys(var.node_pools) : can(regex("^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$", name))])
    error_message = "node_pools keys must be DNS labels of at most 32 characters."
  }
  validation {
    condition = alltrue([for p in values(var.node_pools) :
      p.size >= 1 && floor(p.size) == p.size &&
      coalesce(p.min_size, p.size) >= 0 && coalesce(p.min_size, p.size) <= p.size &&
      p.size <= coalesce(p.max_size, p.size)
    ])
    error_message = "node_pools[*].size must be a whole number >= 1, with min_size <= size <= max_size where they are set."
  }
}

variable "network" {
  description = <<-EOT
    Networking: pod and service CIDRs; whether the API is reachable from outside the
    private network; an existing private network and subnet (null: one is created).
  EOT
  type = object({
    pod_cidr           = optional(string, "10.100.0.0/16")
    service_cidr       = optional(string, "10.254.0.0/16")
    public_api         = optional(bool, true)
    private_network_id = optional(string)
    private_subnet_id  = optional(string)
  })
  default = {}
  validation {
    condition     = can(cidrnetmask(var.network.pod_cidr)) && can(cidrnetmask(var.network.service_cidr))
    error_message = "network.pod_cidr and network.service_cidr must be IPv4 CIDRs such as 10.100.0.0/16."
  }
  validation {
    condition     = var.network.pod_cidr != var.network.service_cidr
    error_message = "network.pod_cidr and network.service_cidr must not be the same range."
  }
  validation {
    condition     = (var.network.private_network_id == null) == (var.network.private_subnet_id == null)
    error_message = "network.private_network_id and network.private_subnet_id go together: set both or neither."
  }
}

# ---- OpenStack only (Magnum) ----------------------------------------------------------

variable "openstack" {
  description = "What only Magnum needs: the node image (Fedora CoreOS), the external network for floating IPs and load balancers, an SSH keypair, and the network driver."
  type = object({
    image               = string
    external_network_id = string
    keypair             = optional(string)
    network_driver      = optional(string, "calico")
    docker_volume_size  = optional(number, 50)
    dns_nameserver      = optional(string, "1.1.1.1")
  })
  validation {
    condition     = contains(["calico", "flannel"], var.openstack.network_driver)
    error_message = "openstack.network_driver must be calico or flannel (Magnum's Kubernetes drivers)."
  }
  validation {
    condition     = length(trimspace(var.openstack.image)) > 0 && length(trimspace(var.openstack.external_network_id)) > 0
    error_message = "openstack.image and openstack.external_network_id must not be empty."
  }
}
