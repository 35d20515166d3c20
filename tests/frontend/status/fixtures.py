"""Captured API objects from the real control plane (tests/fixtures/k8s/*.json).

Each file holds one scenario: ``{"scenario", "captured_at", "server_version", "deployment",
"replicasets", "pods", "events"}``, recorded by ``make fixtures``; a StatefulSet's or a
DaemonSet's file says so in ``"kind"`` and holds ``"statefulset"`` or ``"daemonset"``,
``"controllerrevisions"`` and what ``kubectl rollout status`` printed instead (``load_set``).
Every ``load`` parses the file afresh, so a test may edit what it gets without leaking into
other tests.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

Obj = dict[str, Any]

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "k8s"


@dataclass(frozen=True)
class Capture:
    scenario: str
    # The moment of capture: the ``now`` that makes ages and grace periods reproducible.
    captured_at: datetime
    server_version: Any
    deployment: Obj | None
    replicasets: list[Obj]
    pods: list[Obj]
    events: list[Obj]


def _items(value: Any) -> list[Obj]:
    # Accept a bare list or a List object ({"kind": "...List", "items": [...]}).
    if isinstance(value, dict):
        value = value.get("items", [])
    return [item for item in value or [] if isinstance(item, dict)]


def _moment(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _kind(path: Path) -> str:
    data = json.loads(path.read_text(encoding="utf-8"))
    return str(data.get("kind") or "Deployment")


def scenarios() -> list[str]:
    """Names of the captured Deployment scenarios (file stems), sorted."""
    return sorted(p.stem for p in FIXTURE_DIR.glob("*.json") if _kind(p) == "Deployment")


def load(name: str) -> Capture:
    data = json.loads((FIXTURE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return Capture(
        scenario=str(data.get("scenario", name)),
        captured_at=_moment(data["captured_at"]),
        server_version=data.get("server_version"),
        deployment=data.get("deployment") or None,
        replicasets=_items(data.get("replicasets")),
        pods=_items(data.get("pods")),
        events=_items(data.get("events")),
    )


@dataclass(frozen=True)
class KubectlSaid:
    """What ``kubectl rollout status --watch=false`` printed for the captured object."""

    command: str
    exit_code: int
    stdout: str
    stderr: str

    @property
    def message(self) -> str:
        """kubectl's message as the board shows it: no newline, no ``error: `` prefix."""
        return (self.stdout or self.stderr).strip().removeprefix("error: ")


@dataclass(frozen=True)
class SetCapture:
    scenario: str
    kind: str  # "StatefulSet" or "DaemonSet"
    captured_at: datetime
    server_version: Any
    workload: Obj
    controllerrevisions: list[Obj]
    pods: list[Obj]
    events: list[Obj]
    kubectl: KubectlSaid


def set_scenarios(kind: str | None = None) -> list[str]:
    """Names of the captured StatefulSet and DaemonSet scenarios (only KIND's if given)."""
    wanted = {kind} if kind else {"StatefulSet", "DaemonSet"}
    return sorted(p.stem for p in FIXTURE_DIR.glob("*.json") if _kind(p) in wanted)


def load_set(name: str) -> SetCapture:
    data = json.loads((FIXTURE_DIR / f"{name}.json").read_text(encoding="utf-8"))
    kind = str(data["kind"])
    said = data["kubectl_rollout_status"]
    return SetCapture(
        scenario=str(data.get("scenario", name)),
        kind=kind,
        captured_at=_moment(data["captured_at"]),
        server_version=data.get("server_version"),
        workload=data[kind.lower()],
        controllerrevisions=_items(data.get("controllerrevisions")),
        pods=_items(data.get("pods")),
        events=_items(data.get("events")),
        kubectl=KubectlSaid(
            str(said["command"]), int(said["exit_code"]), str(said["stdout"]), str(said["stderr"])
        ),
    )


def has(name: str) -> bool:
    return (FIXTURE_DIR / f"{name}.json").is_file()


def variant(obj: Obj, edit: Callable[[Obj], object]) -> Obj:
    """A deep copy of a captured object with one explicit edit (named in the test id)."""
    clone = copy.deepcopy(obj)
    edit(clone)
    return clone


# --- Flux Kustomizations (tests/fixtures/flux/*.json) ---------------------------------

FLUX_DIR = FIXTURE_DIR.parent / "flux"


@dataclass(frozen=True)
class FluxCapture:
    scenario: str
    # The commits the capture script pushed: "applied" and, where one was tried and
    # failed, "attempted", as Flux spells revisions ("main@sha1:<sha>").
    revisions: dict[str, str]
    kustomization: Obj


def flux_scenarios() -> list[str]:
    return sorted(path.stem for path in FLUX_DIR.glob("*.json"))


def load_flux(name: str) -> FluxCapture:
    data = json.loads((FLUX_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return FluxCapture(str(data["scenario"]), dict(data["revisions"]), data["kustomization"])
