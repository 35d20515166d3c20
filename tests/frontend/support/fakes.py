"""The object source and probe results the in-process tests feed the board by default."""

from __future__ import annotations

from dataclasses import dataclass

from frontend.cluster.fixed import FixedObjects
from frontend.probes.results import ProbeResult, ProbeSnapshot
from tools.platformkit.objects import NAMESPACE

# A backend that has not been probed yet: no answer, no staleness.
PROBES = ProbeSnapshot(service=ProbeResult(target="service", url="http://backend"))


@dataclass
class StaticCluster(FixedObjects):
    """``FixedObjects`` in the namespace the object builders put everything in."""

    namespaces: tuple[str, ...] = (NAMESPACE,)
