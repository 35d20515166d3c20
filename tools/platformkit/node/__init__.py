"""Where pods run locally: the real node.

``realnode`` (containerd, kubelet and kube-proxy on a host-local ``bridge``, configured
by ``containerd``, ``kubelet`` and ``kubeproxy``), ``hoststate`` (the ledger of what the
node changes on the host, and putting it back), ``registry`` (``crane registry serve``
on loopback) and ``nodebins`` (their build). Imports ``tools.platformkit`` only."""
