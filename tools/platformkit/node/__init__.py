"""Where pods run locally.

The real node: ``realnode`` (containerd, kubelet and kube-proxy on a host-local
``bridge``, configured by ``containerd``, ``kubelet`` and ``kubeproxy``), ``hoststate``
(the ledger of what the node changes on the host, and putting it back), ``registry``
(``crane registry serve`` on loopback) and ``nodebins`` (their build).

The stand-ins the drill still uses: ``podnet`` (a network namespace holding the pod
CIDR; root only), ``podrunner`` (one backend process per kwok pod, Ready from its
``/readyz``) and ``serviceproxy`` (a round-robin forwarder to a Service's ready
endpoints). Imports ``tools.platformkit`` only."""
