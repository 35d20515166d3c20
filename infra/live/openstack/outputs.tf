output "api_endpoint" {
  description = "The cluster's Kubernetes API URL."
  value       = module.cluster.api_endpoint
}

output "node_pools" {
  description = "Each worker pool's initial size, by name."
  value       = module.cluster.node_pools
}

output "kustomizations" {
  description = "The Flux Kustomizations created."
  value       = module.bootstrap.kustomizations
}
