"""The whole platform on one machine: ``make run`` (``python -m tools.localplatform up``).

A real control plane, a loopback git server holding a config repository seeded from
``k8s/``, Flux's controllers delivering dev from it, real backend processes behind the
pods (root only: the pod network needs a network namespace), a kube-proxy stand-in
for the backend Service, and the board watching it all. ``make promote-good``,
``promote-bad``, ``revert`` and ``verify`` then drive it through git, as the pipeline does.

Modules: ``orchestrator`` (start and stop, in order), ``rundir`` (state dir,
``current.json``, the run lock), ``versions`` (the backend "images", and the config
repository seeded with the first), ``dev_board`` (the board process and what it shows of dev)
and ``boardstart`` (its early start), ``stale`` (leftovers of a killed run),
``commands`` (the make targets), and ``banner`` and ``console`` (what is printed).
Everything it runs (control plane, git server, config repository, Flux, pod network,
pod runner, Service proxy, OpenTofu) comes from ``tools.platformkit``, the runtime the
tests drive too.
"""
