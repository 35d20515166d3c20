output "flux_namespace" {
  value = module.bootstrap.flux_namespace
}

output "controller_service_accounts" {
  value = module.bootstrap.controller_service_accounts
}

output "environment_namespaces" {
  value = module.bootstrap.environment_namespaces
}

output "kustomizations" {
  value = module.bootstrap.kustomizations
}
