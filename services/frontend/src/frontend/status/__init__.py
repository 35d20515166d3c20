"""Pure status logic: kubectl, Argo CD and kubectl-get-pods semantics on plain API objects."""
