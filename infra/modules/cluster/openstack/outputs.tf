# The interface's outputs (../README.md): what the bootstrap's provider needs.

output "name" {
  description = "The cluster's name."
  value       = openstack_containerinfra_cluster_v1.this.name
}

output "kubernetes_version" {
  description = "The Kubernetes version asked for."
  value       = var.kubernetes_version
}

output "api_endpoint" {
  description = "The Kubernetes API URL."
  value       = nonsensitive(openstack_containerinfra_cluster_v1.this.kubeconfig.host)
}

output "ca_certificate" {
  description = "PEM of the API server's CA."
  value       = openstack_containerinfra_cluster_v1.this.kubeconfig.cluster_ca_certificate
  sensitive   = true
}

output "credentials" {
  description = "How a client authenticates: Magnum gives a client certificate and key (token is for clouds that use one)."
  value = {
    client_certificate = openstack_containerinfra_cluster_v1.this.kubeconfig.client_certificate
    client_key         = openstack_containerinfra_cluster_v1.this.kubeconfig.client_key
    token              = null
  }
  sensitive = true
}

output "kubeconfig" {
  description = "An admin kubeconfig (Magnum's client certificate): for the bootstrap, not for people."
  value       = openstack_containerinfra_cluster_v1.this.kubeconfig.raw_config
  sensitive   = true
}

output "node_pools" {
  description = "Each pool's initial size, by name."
  value       = { for name, p in var.node_pools : name => p.size }
}
