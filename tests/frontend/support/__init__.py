"""What the frontend's in-process tests share besides fixtures (those stay in conftest.py).

``ClientFactory`` is here; ``fakes`` holds the object source they feed (``StaticCluster``)
and the probes' results (``PROBES``). The objects themselves come from
``tools.platformkit.objects``, shared with every tier.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

# The ``make_client`` fixture: an optional ObjectSource and settings overrides in, a
# started app's client out.
ClientFactory = Callable[..., TestClient]
