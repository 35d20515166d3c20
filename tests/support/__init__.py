"""Test support: a real local Kubernetes control plane and the pytest plugin using it.

- ``binaries``: pinned versions (tools/cluster/versions.env), the build cache, prerequisites.
- ``controlplane``: supervisor for etcd, kube-apiserver, KCM, scheduler and kwok, also a
  CLI (``python -m tests.support.controlplane up|down|status|build``); ``components``
  holds their command lines, ``pki`` the certificates, ``procs`` process helpers.
- ``stages``: kwok Stages that make labelled pods fail like a kubelet would report.
- ``faults``: failure tools (apiserver outage, etcd compaction, broken or deleted pods).
- ``kube``: a kubectl wrapper and a small stdlib HTTPS client for raw API calls.
- ``manifests``: builders for the Deployments and RBAC objects the tests apply.
- ``cluster``: the pytest plugin (fixtures ``control_plane``, ``kubeconfig``, ``kube``,
  ``namespace``; markers ``cluster`` and ``e2e``).
"""
