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
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = { size = 3, machine_type = "m1.medium" }
}

variable "node_pools" {
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = { default = { machine_type = "m1.large", size = 3, min_size = 3, max_size = 6 } }
}

variable "network" {
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
  type    = string
  default = "main"
}

variable "environments" {
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = { dev = {}, staging = {}, prod = {} }
}

variable "flux_build_dir" {
  description = "tools/flux/build.sh's cache dir (the CRDs and RBAC of the pinned Flux)."
  type        = string
}
