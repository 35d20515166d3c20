output "flux_namespace" {
  description = "Where the Flux objects and the controllers' ServiceAccounts are."
  value       = local.flux_namespace
}

output "controller_service_accounts" {
  description = "The controllers' ServiceAccounts (flux-system/<name>), for their tokens or pods."
  value       = local.controllers
}

output "environment_namespaces" {
  description = "Each environment delivered, and the namespace it is delivered into."
  value       = local.env_namespaces
}

output "kustomizations" {
  description = "The Flux Kustomizations created, one per environment."
  value       = [for k in keys(local.gitops) : trimprefix(k, "Kustomization/") if startswith(k, "Kustomization/")]
}
