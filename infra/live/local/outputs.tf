output "flux_namespace" {
  description = "Where the Flux objects and the controllers' ServiceAccounts are."
  value       = module.bootstrap.flux_namespace
}

output "controller_service_accounts" {
  description = "The controllers' ServiceAccounts in flux_namespace."
  value       = module.bootstrap.controller_service_accounts
}

output "environment_namespaces" {
  description = "Each environment delivered, and its namespace."
  value       = module.bootstrap.environment_namespaces
}

output "kustomizations" {
  description = "The Flux Kustomizations created."
  value       = module.bootstrap.kustomizations
}
