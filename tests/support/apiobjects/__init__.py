"""Hypothesis strategies for Kubernetes API objects, shaped as a v1.36 kube-apiserver returns
them: plain JSON dicts (camelCase keys) with defaults and admission additions applied,
omitempty fields left out, and nothing its validation would reject; yet varied enough to
reach every branch of the board's status code (``frontend.status``). The differential tests
feed the same objects to the Python ports and to the upstream Go (kubectl's status viewers,
the apiserver's pod printer, Argo CD's health checks) and compare the answers.

Every strategy takes ``odd``: True mixes in values no apiserver returns but a hand-written
object can carry (an older apiVersion, a zero deletionTimestamp, a revision annotation that
is not a plain decimal, a missing ``spec.replicas``...). ``pods`` also takes ``scenario``, a
key of ``SCENARIOS``, to pin one of the combinations it otherwise draws often. Every
generated time is at or before ``NOW``.

Modules: ``common`` (names, times, metadata, annotations, conditions), ``containers`` (a
pod's parts), ``pods`` and ``workloads``.
"""

from tests.support.apiobjects.common import NOW
from tests.support.apiobjects.pods import SCENARIOS, pods
from tests.support.apiobjects.workloads import daemonsets, deployments, replicasets, statefulsets

__all__ = [
    "NOW",
    "SCENARIOS",
    "daemonsets",
    "deployments",
    "pods",
    "replicasets",
    "statefulsets",
]
