"""The whole platform on one machine: ``make run`` (``python -m tools.localplatform up``).

A real control plane, the project's images in a registry on loopback, a loopback git
server holding a config repository seeded from ``k8s/`` with their digests, Flux's
controllers delivering dev from it onto a real node (containerd, kubelet, kube-proxy;
root only), and the board watching it all. ``make promote-good``,
``promote-bad``, ``revert`` and ``verify`` then drive it through git, as the pipeline does.

Modules: ``orchestrator`` (start and stop, in order), ``rundir`` (state dir,
``current.json``, the run lock), ``versions`` (the backend versions as real images, and the
config repository seeded with the first), ``dev_board`` (the board process and what it shows of dev)
and ``boardstart`` (its early start), ``stale`` (leftovers of a killed run),
``commands`` (the make targets), ``banner`` and ``console`` (what is printed),
``builds`` (every binary and image, once) and ``node`` (the registry, the releases and
the real node). Everything it runs (control plane, git server, config repository,
Flux, registry, real node, OpenTofu) comes from ``tools.platformkit``, the runtime the
tests drive too.
"""
