"""The local platform's runtime: what ``make run``, ``make cluster-up``, the fixture
capture, the benchmarks and the tests all run on. It never imports ``tests``.

- ``paths``: the repository root and the build cache, named once.
- ``binaries``: the pinned Go-built binaries (control plane, kwok), the build cache,
  prerequisites.
- ``processes``: processes started and stopped by PID only, free ports, and the real
  backend and frontend processes (``ServiceProcess``); ``polling``: the one bounded
  poll loop (``wait_for``) and small probes.
- ``cluster``: the control plane (etcd, kube-apiserver, controller-manager, scheduler,
  kwok), its PKI and command lines, kwok Stages and failure tools.
- ``kube``: a kubectl wrapper and a small HTTPS client for raw API calls.
- ``objects``: Kubernetes manifests and API objects as the API server returns them.
- ``gitops``: the loopback git server, the config repository (promote, revert), the
  Flux bootstrap and Flux's and Argo CD's real controllers.
- ``node``: the real node (containerd, kubelet, kube-proxy on a host-local bridge), the
  host ledger that puts the host back, the loopback registry; ``images``: the images
  pushed and their version variants derived.
- ``tofu``: OpenTofu and its provider mirror; ``board``: a real board process watching
  a cluster, and ways to read it; ``chromium``: Debian's Chromium for Playwright.
"""
