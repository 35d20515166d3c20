variable "kubeconfig" {
  description = "Path of an admin kubeconfig for the cluster to bootstrap."
  type        = string
  validation {
    condition     = fileexists(var.kubeconfig)
    error_message = "kubeconfig must be the path of an existing kubeconfig file."
  }
}

variable "git_url" {
  description = "The config repository Flux pulls (the local git server's URL)."
  type        = string
}

variable "git_branch" {
  description = "The branch the environments follow."
  type        = string
  default     = "main"
}

variable "source_interval" {
  description = "How often Flux fetches the repository; null keeps k8s/gitops/flux's."
  type        = string
  default     = null
}

variable "environments" {
  description = "The environments delivered (see modules/bootstrap)."
  # Declared and validated by the module; any here, so the types are written once.
  type    = any
  default = { dev = {} }
}

variable "flux_build_dir" {
  description = "tools/flux/build.sh's cache dir (CRDs and RBAC from the pinned Flux modules)."
  type        = string
}

variable "board_reader" {
  description = <<-EOT
    The local board's identity (a ServiceAccount in one environment's namespace). The
    board is one host process watching every environment, so each other environment's
    read-only Role "frontend" (delivered by Flux) is bound to it too. null: none.
  EOT
  type = object({
    namespace       = string
    service_account = string
  })
  default = null
}
