"""Test support shared by every tier; tests import from here, never from a conftest.

- ``objects``: the one object factory: manifests to apply and API objects as the API
  server returns them, on one clock (``NOW``) and one default namespace (``NAMESPACE``).
- ``processes``: ``free_port``, the control-plane supervisor's PID helpers, and real
  backend/frontend processes (``ServiceProcess``).
- ``board``: a real frontend process watching a cluster, and ways to read its board.
- ``binaries``: pinned versions (tools/cluster/versions.env), the build cache, prerequisites.
- ``controlplane``: supervisor for etcd, kube-apiserver, KCM, scheduler and kwok, also a
  CLI (``python -m tests.support.controlplane up|down|status|build``); ``components``
  holds their command lines, ``pki`` the certificates.
- ``stages``: kwok Stages that make labelled pods fail like a kubelet would report.
- ``faults``: failure tools (apiserver outage, etcd compaction, broken or deleted pods).
- ``kube``: a kubectl wrapper and a small stdlib HTTPS client for raw API calls.
- ``podnet``, ``podrunner``, ``roundrobin``: the drill's pod network (and free ranges
  for a second one on the host), the real backend processes behind kwok pods, and a
  round-robin balancer standing in for a Service (``ServiceProxy``: fed by its
  EndpointSlices, as kube-proxy is; ``make run`` uses all three).
- ``cluster``: the pytest plugin (fixtures ``control_plane``, ``kubeconfig``, ``kube``,
  ``namespace``; markers ``cluster`` and ``e2e``).
"""
