"""Deployment probe: the service Kubernetes probes, the status board and CI smoke tests rely on."""
