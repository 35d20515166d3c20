"""The real control plane: ``controlplane`` supervises etcd, kube-apiserver, the
controller-manager, the scheduler and kwok (also a CLI: ``python -m
tools.platformkit.cluster.controlplane up|down|status|build``); ``components`` holds
their command lines, ``pki`` the certificates, ``stages`` the kwok Stages that make
labelled pods fail as a kubelet would report, ``faults`` the failure tools. Imports
``tools.platformkit`` only."""
