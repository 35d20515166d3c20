"""``/api/v1/status`` and ``/api/v1/environments`` response schemas, in the OpenAPI document.

Adding optional fields is a compatible change; renaming or removing one needs ``v2``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from frontend.environments.chain import Environment
from frontend.environments.view import Row
from frontend.status.card import DeploymentCard
from frontend.status.gitops import GitOpsStatus
from frontend.status.nodes import NodeState


class ClusterInfo(BaseModel):
    configured: bool
    source: str = Field(description="in-cluster service account, kubeconfig <path>, or none")
    server: str | None
    namespaces: list[str]
    synced: bool = Field(
        description="Every watch has listed its kind (a forbidden list is not synced)."
    )
    stale_since: datetime | None = Field(description="Set while serving last-known data.")
    problems: list[str] = Field(description="Forbidden, unauthorized or unreachable, in words.")
    api_state: Literal["unknown", "ready", "not-ready", "unreachable"] = Field(
        default="unknown",
        description="The apiserver's last readiness check (GET /readyz?verbose): ready; "
        "not-ready (it answers, a check fails, e.g. etcd: the failing checks are in "
        "problems); unreachable (no answer in time); unknown (not checked yet, no cluster).",
    )
    nodes: list[NodeState] = Field(
        default_factory=list,
        description="Each node (not Ready first): every node up to 50, else those running a "
        "pod on the board, up to 50. ready is the Ready condition (null: Unknown, e.g. "
        "NodeStatusUnknown once the kubelet stopped posting); status is kubectl's. Empty "
        "when the board may not list nodes.",
    )
    nodes_left_out: int = Field(default=0, description="Nodes not in nodes.")


class BackendProbe(BaseModel):
    target: str
    url: str
    version: str | None
    git_sha: str | None
    ready: bool | None
    ready_detail: str | None
    latency_ms: float | None
    last_success: datetime | None
    last_error: str | None


class BackendInfo(BackendProbe):
    stale: bool
    pods: list[BackendProbe]


class DeploymentEntry(BaseModel):
    deployment: DeploymentCard
    gitops: list[GitOpsStatus]


class WorkloadEntry(BaseModel):
    """A StatefulSet or DaemonSet: the same card as a Deployment's, its ``kind`` set."""

    workload: DeploymentCard
    gitops: list[GitOpsStatus]


class NamespaceStatus(BaseModel):
    namespace: str
    environment: str | None
    deployments: list[DeploymentEntry]
    statefulsets: list[WorkloadEntry] = Field(default_factory=list)
    daemonsets: list[WorkloadEntry] = Field(default_factory=list)


class StatusV1(BaseModel):
    """Everything the board shows, for CI and tooling."""

    model_config = ConfigDict(json_schema_extra={"title": "Status v1"})

    schema_version: Literal["v1"] = "v1"
    generated_at: datetime
    board_version: int = Field(description="Grows by one per batched change.")
    cluster: ClusterInfo
    backend: BackendInfo
    health_counts: dict[str, int] = Field(
        description="Workloads (Deployments, StatefulSets, DaemonSets) per health code."
    )
    namespaces: list[NamespaceStatus]


class EnvironmentsV1(BaseModel):
    """Each application across the environments Flux delivers, for CI and tooling.

    ``environments`` are in promotion order (Flux ``dependsOn``); each row's ``cells`` line
    up with them (null where the environment does not run the application), and its
    ``steps`` say what promoting one environment's version to the next would change.
    """

    model_config = ConfigDict(json_schema_extra={"title": "Environments v1"})

    schema_version: Literal["environments/v1"] = "environments/v1"
    generated_at: datetime
    board_version: int = Field(description="Grows by one per batched change.")
    environments: list[Environment]
    applications: list[Row]
