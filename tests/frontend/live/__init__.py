"""Against the real control plane (tools/cluster; marker ``cluster``, set in each file):
the watch cache, the board and the GitOps cards end to end."""
