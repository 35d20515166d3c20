output "api_endpoint" {
  value = module.cluster.api_endpoint
}

output "node_pools" {
  value = module.cluster.node_pools
}

output "kustomizations" {
  value = module.bootstrap.kustomizations
}
