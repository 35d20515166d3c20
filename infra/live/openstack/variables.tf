variable "name" {
  description = "Cluster name."
  type        = string
  default     = "gitops-platform"
}

variable "kubernetes_version" {
  description = "MAJOR.MINOR.PATCH; the image in var.openstack must offer it."
  type        = string
  default     = "1.31.4"
}

variable "control_plane" {
  description = "Control-plane size and machine type (modules/cluster/openstack)."
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = { size = 3, machine_type = "m1.medium" }
}

variable "node_pools" {
  description = "Worker pools by name; \"default\" is required (modules/cluster/openstack)."
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = { default = { machine_type = "m1.large", size = 3, min_size = 3, max_size = 6 } }
}

variable "network" {
  description = "Pod and service CIDRs, public API, an existing private network (modules/cluster/openstack)."
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = {}
}

variable "openstack" {
  description = "Magnum's own inputs (modules/cluster/openstack)."
  # Declared and validated by the module; any here, so the types are written once.
  type = any
}

variable "git_url" {
  description = "The config repository Flux pulls."
  type        = string
}

variable "git_branch" {
  description = "The branch the environments follow."
  type        = string
  default     = "main"
}

variable "environments" {
  description = "The environments Flux delivers (modules/bootstrap)."
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = { dev = {}, staging = {}, prod = {} }
}

variable "flux_build_dir" {
  description = "tools/flux/build.sh's cache dir (the CRDs and RBAC of the pinned Flux)."
  type        = string
}
