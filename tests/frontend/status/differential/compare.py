"""What the differential tests share: Hypothesis settings, counts, the deliberate differences.

Every generated object is judged by the board's function and by the upstream code
(``tests/support/oracle.py``); any difference fails with the shrunk object, unless it is
one of the deliberate differences named here and in docs/specs/rollout-semantics.md.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, note, seed, settings

from frontend.status.health import IGNORE_RESTART_POLICY
from frontend.status.objects import annotation, text
from tests.support.oracle import Obj, Oracles

F = TypeVar("F", bound=Callable[..., Any])

# Objects per test: thousands per run by default; DIFFERENTIAL_EXAMPLES raises or lowers it.
EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "2000"))
# A fixed seed by default (and so in CI): the same objects every run. DIFFERENTIAL_SEED=N
# explores another part of the space; a failure prints the seed and the shrunk object.
_SEED = os.environ.get("DIFFERENTIAL_SEED")

DIFFERENTIAL = settings(
    max_examples=EXAMPLES,
    derandomize=_SEED is None,
    database=None,  # no state kept between runs
    deadline=None,  # the oracle is a pipe to another process; time is not the property
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)

# Objects compared per function, printed at the end of the run (conftest.py).
COMPARED: Counter[str] = Counter()


def shown(obj: Obj) -> Obj:
    """Print OBJ whole in a failure's report (Hypothesis shrinks it first)."""
    note(json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False))
    return obj


def seeded(test: F) -> F:
    """Apply DIFFERENTIAL_SEED when it is set."""
    return seed(int(_SEED))(test) if _SEED is not None else test


def kubectl_message(message: str) -> str:
    """kubectl prints each status line with a newline; the board keeps the text only."""
    return message.removesuffix("\n")


def argo_pod_health(oracles: Oracles, pod: Obj) -> tuple[str, str]:
    """Argo CD's pod health, with the board's one deliberate step ahead of v3.2.11.

    Argo CD v3.6 (gitops-engine/v3 ``health_pod.go``) judges a non-hook pod annotated
    ``argocd.argoproj.io/ignore-restart-policy: "true"`` exactly as if its restartPolicy
    were Always; v3.2.11's code ignores the annotation. The board follows v3.6, so for
    such a pod the oracle is asked about that same pod with restartPolicy Always.
    """
    policy = text(pod, "spec", "restartPolicy")
    if (
        annotation(pod, IGNORE_RESTART_POLICY) == "true"
        and policy != "Always"
        and not oracles.is_hook(pod)
    ):
        COMPARED["argo pod health, ignore-restart-policy (Argo CD v3.6 rule)"] += 1
        always = copy.deepcopy(pod)
        always["spec"]["restartPolicy"] = "Always"
        return oracles.health(always)
    return oracles.health(pod)
