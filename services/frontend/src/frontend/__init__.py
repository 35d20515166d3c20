"""Status board: live rollouts from a Kubernetes watch cache, next to what the backend reports."""
