"""The whole platform on one machine: ``make run`` (``python -m tools.localplatform up``).

A real control plane, a loopback git server holding a config repository seeded from
``k8s/``, Flux's controllers delivering dev from it, real backend processes behind the
pods (root only: the pod network needs a network namespace), a kube-proxy stand-in
for the backend Service, and the board watching it all. ``make promote-good``,
``promote-bad``, ``revert`` and ``verify`` then drive it through git, as the pipeline does.

Modules: ``orchestrator`` (start and stop, in order), ``runtime`` (state dir,
``current.json``, the run lock), ``configrepo`` (seed, promote, revert), ``versions``
(the backend "images"), ``board`` (the board process and what it shows) and
``boardstart`` (its early start), ``stale`` (leftovers of a killed run), ``commands``
(the make targets), ``polling``, and ``banner`` and ``console`` (what is printed). The
pod network, the pod runner and the kube-proxy stand-in are the drill's own, from
``tests.support`` (``podnet``, ``podrunner``, ``roundrobin.ServiceProxy``).
"""
