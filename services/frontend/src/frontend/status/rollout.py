"""``kubectl rollout status`` for a Deployment: kubectl's ``DeploymentStatusViewer``.

The checks run in kubectl's order with kubectl's messages (minus the trailing newline), so the
board and a terminal running ``kubectl rollout status`` never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from frontend.status.objects import (
    REVISION_ANNOTATION,
    condition,
    go_quote,
    mapping,
    name,
    number,
    optional_number,
    parse_int64,
)

# pkg/util/deployment TimedOutReason: the only signal kubectl treats as a failed rollout.
TIMED_OUT_REASON = "ProgressDeadlineExceeded"


@dataclass(frozen=True)
class RolloutStatus:
    message: str
    # kubectl stops watching once done; it never is while an error is reported.
    done: bool
    # kubectl exits non-zero: progress deadline exceeded, or a --revision mismatch.
    error: bool


def _pinned_revision_error(deployment: Mapping[str, Any], revision: int) -> str | None:
    """Step 0, only with ``--revision=N``: the Deployment's own revision annotation must match."""
    # deploymentutil.Revision: a missing annotation is revision 0, a present one (even
    # empty) must parse.
    value = mapping(deployment, "metadata", "annotations").get(REVISION_ANNOTATION)
    try:
        running = parse_int64(value) if isinstance(value, str) else 0
    except ValueError as exc:
        return f"cannot get the revision of deployment {go_quote(name(deployment))}: {exc}"
    if revision != running:
        return f"desired revision ({revision}) is different from the running revision ({running})"
    return None


def replicas_waiting(deployment: Mapping[str, Any], prefix: str) -> str | None:
    """kubectl's three replica checks, in its order; Argo CD reuses them with its own prefix.

    None once the updated replicas are all there, the old ones gone and all available.
    """
    desired = optional_number(deployment, "spec", "replicas")
    replicas = number(deployment, "status", "replicas")
    updated = number(deployment, "status", "updatedReplicas")
    available = number(deployment, "status", "availableReplicas")
    # A nil spec.replicas skips this check in kubectl, so None must not read as 0 here.
    if desired is not None and updated < desired:
        return f"{prefix}{updated} out of {desired} new replicas have been updated..."
    if replicas > updated:
        return f"{prefix}{replicas - updated} old replicas are pending termination..."
    if available < updated:
        return f"{prefix}{available} of {updated} updated replicas are available..."
    return None


def rollout_status(deployment: Mapping[str, Any], revision: int = 0) -> RolloutStatus:
    """kubectl's verdict; ``revision`` > 0 behaves like ``kubectl rollout status --revision``."""
    if revision > 0:
        error = _pinned_revision_error(deployment, revision)
        if error is not None:
            return RolloutStatus(error, done=False, error=True)

    deployment_name = go_quote(name(deployment))
    if number(deployment, "metadata", "generation") > number(
        deployment, "status", "observedGeneration"
    ):
        return RolloutStatus(
            "Waiting for deployment spec update to be observed...", done=False, error=False
        )

    progressing = condition(deployment, "Progressing")
    # kubectl checks the reason only, not the condition's status.
    if progressing is not None and progressing.get("reason") == TIMED_OUT_REASON:
        return RolloutStatus(
            f"deployment {deployment_name} exceeded its progress deadline",
            done=False,
            error=True,
        )

    message = replicas_waiting(
        deployment, f"Waiting for deployment {deployment_name} rollout to finish: "
    )
    if message is None:
        return RolloutStatus(
            f"deployment {deployment_name} successfully rolled out", done=True, error=False
        )
    return RolloutStatus(message, done=False, error=False)
