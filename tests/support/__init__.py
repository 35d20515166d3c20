"""Test support shared by every tier; tests import from here, never from a conftest.

The runtime the tests drive (control plane, Flux, git server, processes, objects) is
the product's own, ``tools.platformkit``; what is here exists only for the tests:

- ``cluster``: the pytest plugin (fixtures ``control_plane``, ``kubeconfig``, ``kube``,
  ``namespace``, ``flux``, ``git_server``; markers ``cluster`` and ``e2e``).
- ``constants``: values the tiers share (two builds' SHAs, the drill token).
- ``viewers``: board viewers over raw sockets, staying or leaving (FIN, RST, half-closed).
"""
