"""Test support: a real local Kubernetes control plane and the pytest plugin using it.

- ``binaries``: pinned versions, the build cache and prerequisite checks.
- ``controlplane``: a supervisor for etcd, kube-apiserver, KCM, scheduler and kwok
  (also a CLI: ``python -m tests.support.controlplane up|down|status``).
- ``kube``: a kubectl wrapper and a small stdlib HTTPS client for raw API calls.
- ``faults``: failure tools (apiserver outage, etcd compaction, kwok fault stages).
- ``cluster``: the pytest plugin (fixtures ``control_plane``, ``kube``, ``namespace``...).
"""
