variable "git_url" {
  description = "URL Flux's GitRepository pulls the platform's config repository from (https://, http://, ssh://)."
  type        = string
  validation {
    condition     = can(regex("^(https?|ssh)://[^/\\s]+(/\\S*)?$", var.git_url))
    error_message = "git_url must be an https://, http:// or ssh:// URL with a host, e.g. https://github.com/example-org/gitops-platform.git."
  }
}

variable "git_branch" {
  description = "Branch of the config repository the environments follow."
  type        = string
  default     = "main"
  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.git_branch)) && !startswith(var.git_branch, "-")
    error_message = "git_branch must be a branch name (letters, digits, '.', '_', '/', '-'), not starting with '-'."
  }
}

variable "source_interval" {
  description = "How often Flux fetches the config repository; null keeps the GitRepository's own (k8s/gitops/flux)."
  type        = string
  default     = null
  validation {
    condition     = var.source_interval == null || can(regex("^([0-9]+(ms|s|m|h))+$", coalesce(var.source_interval, "1m")))
    error_message = "source_interval must be a Go duration such as 30s, 1m or 1h30m."
  }
}

variable "environments" {
  description = <<-EOT
    The environments Flux delivers, by name (each must have a Kustomization
    gitops-platform-<name> in k8s/gitops/flux). For each: the namespace (default
    gitops-platform-<name>, the overlay's own; another one is set as the
    Kustomization's targetNamespace), and optional interval, retry_interval, timeout
    and extra Flux spec.patches. A dependsOn on an environment not listed is dropped.
  EOT
  type = map(object({
    namespace      = optional(string)
    interval       = optional(string)
    retry_interval = optional(string)
    timeout        = optional(string)
    patches = optional(list(object({
      target = map(string)
      patch  = string
    })), [])
  }))
  default = { dev = {}, staging = {}, prod = {} }
  validation {
    condition     = length(var.environments) > 0 && alltrue([for name in keys(var.environments) : contains(["dev", "staging", "prod"], name)])
    error_message = "environments must name one or more of dev, staging and prod (the Kustomizations in k8s/gitops/flux)."
  }
  validation {
    condition = alltrue([for env in values(var.environments) :
    env.namespace == null || can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", coalesce(env.namespace, "x")))])
    error_message = "environments[*].namespace must be a DNS label: lowercase letters, digits and '-', at most 63 characters."
  }
  validation {
    condition = alltrue(flatten([for env in values(var.environments) : [
      for d in [env.interval, env.retry_interval, env.timeout] : d == null || can(regex("^([0-9]+(ms|s|m|h))+$", coalesce(d, "1m")))
    ]]))
    error_message = "environments[*].interval, retry_interval and timeout must be Go durations such as 10s, 5m or 1h."
  }
}

variable "flux_build_dir" {
  description = "The Flux build tools/flux/build.sh made: its crds/ and rbac/<controller>/ come from the pinned Flux modules."
  type        = string
  validation {
    condition     = fileexists("${var.flux_build_dir}/crds/kustomize.toolkit.fluxcd.io_kustomizations.yaml") && fileexists("${var.flux_build_dir}/rbac/source-controller/role.yaml")
    error_message = "flux_build_dir must hold crds/ and rbac/ from tools/flux/build.sh (its last line of output is <dir>/bin; pass <dir>)."
  }
}

variable "flux_config_dir" {
  description = "The Flux objects users apply (k8s/gitops/flux): a kustomization.yaml with namespace and resources."
  type        = string
  default     = null
}

variable "pod_security_level" {
  description = "Pod Security Standard enforced, audited and warned in every namespace the bootstrap creates."
  type        = string
  default     = "restricted"
  validation {
    condition     = contains(["privileged", "baseline", "restricted"], var.pod_security_level)
    error_message = "pod_security_level must be privileged, baseline or restricted."
  }
}
