"""A pod's parts: container specs with the apiserver's defaults, and container statuses and
pod conditions as the kubelet (and scheduler) write them.

``pods`` assembles whole pods from these; ``workloads`` takes its pod templates from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import strategies as st

from tests.support.apiobjects.common import (
    EPOCH,
    STATUSES,
    Json,
    ages,
    at,
    chance,
    condition,
    dns_labels,
    hex64,
)

READINESS_GATE = "example.com/lb-ready"
KUBELET_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")
_NOT_TRUE_REASONS = {
    "Initialized": ("ContainersNotInitialized",),
    "Ready": ("ContainersNotReady", "PodCompleted", "ReadinessGatesNotReady"),
    "ContainersReady": ("ContainersNotReady", "PodCompleted"),
    "PodScheduled": ("Unschedulable", "SchedulingGated"),
}
_CONDITION_MESSAGES = {
    "Unschedulable": ("0/3 nodes are available: 3 Insufficient cpu.", ""),
    "SchedulingGated": ("Scheduling is blocked due to non-empty scheduling gates",),
    "ContainersNotReady": ("containers with unready status: [app]", ""),
}
IMAGES = (
    "nginx:1.27",
    "nginx",
    "registry.example.com/team/api:v2.1",
    "busybox:latest",
    "ghcr.io/acme/worker@sha256:" + "ab" * 32,
)
# The ServiceAccount admission plugin's token volume, mounted into every container.
_TOKEN_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
_TOKEN_PROJECTION: Json = {
    "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {
            "downwardAPI": {
                "items": [
                    {
                        "path": "namespace",
                        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                    }
                ]
            }
        },
    ],
    "defaultMode": 420,
}
_POD_ONLY: Json = {
    "serviceAccountName": "default",
    "serviceAccount": "default",
    "enableServiceLinks": True,
    "preemptionPolicy": "PreemptLowerPriority",
    "priority": 0,
    # DefaultTolerationSeconds admission.
    "tolerations": [
        {"key": f"node.kubernetes.io/{taint}", "operator": "Exists", "effect": "NoExecute"}
        | {"tolerationSeconds": 300}
        for taint in ("not-ready", "unreachable")
    ],
}
WAITING_MESSAGES = {
    "ContainerCreating": "",
    "PodInitializing": "",
    "CrashLoopBackOff": "back-off 40s restarting failed container",
    "ImagePullBackOff": 'Back-off pulling image "nginx:1.27"',
    "ErrImagePull": "rpc error: code = NotFound desc = failed to pull and unpack image",
    "CreateContainerConfigError": 'secret "db" not found',
    "InvalidImageName": 'Failed to apply default image tag "Nginx": invalid reference format',
    "RunContainerError": 'exec: "/app": permission denied',
    "CreateContainerError": "context deadline exceeded",
}
# Until the runtime has created the container there is no imageID and no containerID.
_UNCREATED = frozenset(WAITING_MESSAGES) - {"CrashLoopBackOff", "RunContainerError"}
# (exitCode, signal, reason) as the kubelet reports them; without a reason printPod falls
# back to the signal, then the exit code.
_EXITS = (
    (0, 0, "Completed"),
    (1, 0, "Error"),
    (2, 0, "Error"),
    (137, 0, "OOMKilled"),
    (128, 0, "StartError"),
    (128, 0, "ContainerCannotRun"),
    (143, 15, ""),
    (137, 9, ""),
    (1, 0, ""),
    (0, 0, ""),
)
_REASONS = ("", "Completed", "Error", "OOMKilled", "ContainerCannotRun", "StartError")
_FREE_EXITS = st.tuples(
    st.sampled_from((0, 1, 2, 137, 143)), st.sampled_from((0, 0, 9, 15)), st.sampled_from(_REASONS)
)


def _pull_policy(image: str) -> str:
    """SetDefaults_Container: Always for an untagged or ``:latest`` image, unless pinned."""
    if "@" in image:
        return "IfNotPresent"
    tag = image.rsplit("/", 1)[-1].partition(":")[2] or "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def container(name: str, image: str, *, sidecar: bool = False) -> Json:
    spec: Json = {
        "name": name,
        "image": image,
        "imagePullPolicy": _pull_policy(image),
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    if sidecar:
        spec["restartPolicy"] = "Always"
    return spec


def pod_spec(
    containers: list[Json], inits: list[Json], restart: str = "Always", *, token: str = ""
) -> Json:
    """SetDefaults_PodSpec applied. TOKEN, a Pod's ``kube-api-access-*`` volume name, adds
    what only a Pod gets: SetDefaults_Pod and the admission plugins' additions."""
    spec: Json = {
        "containers": containers,
        "restartPolicy": restart,
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "securityContext": {},
        "schedulerName": "default-scheduler",
    }
    if inits:
        spec["initContainers"] = inits
    if not token:
        return spec
    mount = {"name": token, "readOnly": True, "mountPath": _TOKEN_MOUNT}
    for each in (*containers, *inits):
        each["volumeMounts"] = [mount]
    return spec | _POD_ONLY | {"volumes": [{"name": token, "projected": _TOKEN_PROJECTION}]}


@st.composite
def templates(draw: st.DrawFn, labels: Mapping[str, str]) -> Json:
    """A workload's pod template; its metadata has no creationTimestamp (omitzero in v1.36)."""
    names = draw(st.lists(dns_labels(), min_size=1, max_size=2, unique=True))
    containers = [container(name, draw(st.sampled_from(IMAGES))) for name in names]
    return {"metadata": {"labels": dict(labels)}, "spec": pod_spec(containers, [])}


def exits(nonzero: bool = False) -> st.SearchStrategy[tuple[int, int, str]]:
    known = st.sampled_from([e for e in _EXITS if e[0] or not nonzero])
    free = _FREE_EXITS.filter(lambda e: e[0] != 0) if nonzero else _FREE_EXITS
    return st.one_of(known, free)


@st.composite
def terminated(draw: st.DrawFn, created: int, exit: tuple[int, int, str] | None = None) -> Json:
    code, signal, reason = draw(exits()) if exit is None else exit
    finished = draw(st.integers(0, created))
    started = EPOCH if reason == "StartError" else at(draw(st.integers(finished, created)))
    state: Json = {"exitCode": code, "startedAt": started, "finishedAt": at(finished)}
    state["containerID"] = f"containerd://{draw(hex64())}"
    if signal:
        state["signal"] = signal
    if reason:
        state["reason"] = reason
    message = draw(st.sampled_from(("", "", "panic: connection refused", "exec format error")))
    if message:
        state["message"] = message
    return state


@st.composite
def states(draw: st.DrawFn, created: int, kind: str = "", reason: str | None = None) -> Json:
    """A ContainerState: one of waiting, running, terminated, or none before the first report."""
    kind = kind or draw(st.sampled_from(("running", "running", "waiting", "terminated", "none")))
    if kind == "running":
        return {"running": {"startedAt": at(draw(st.integers(0, created)))}}
    if kind == "terminated":
        return {"terminated": draw(terminated(created))}
    if kind == "none":
        return {}
    reason = draw(st.sampled_from((*WAITING_MESSAGES, ""))) if reason is None else reason
    waiting: Json = {"reason": reason} if reason else {}
    if WAITING_MESSAGES.get(reason) and not draw(chance(4)):
        waiting["message"] = WAITING_MESSAGES[reason]
    return {"waiting": waiting}


def _image_id(image: str, digest: str, form: int) -> str:
    """The runtime's imageID: the pulled repository digest, or (FORM 1) a bare image ID, as
    for an image built on the node; the board reads the digest out of either."""
    repository = image.partition("@")[0]
    if ":" in repository.rsplit("/", 1)[-1]:
        repository = repository.rpartition(":")[0]
    return (f"docker.io/library/{repository}@sha256:{digest}", f"sha256:{digest}")[form]


@st.composite
def container_statuses(
    draw: st.DrawFn, spec: Json, created: int, state: Json | None = None, ready: bool | None = None
) -> Json:
    state = draw(states(created)) if state is None else state
    running = "running" in state
    if ready is None:
        # The kubelet reports ready only while running; the apiserver does not insist.
        ready = draw(st.booleans()) if running or draw(chance(8)) else False
    restarts = draw(st.sampled_from((0, 0, 0, 1, 3)))
    last: Json = {}
    # A restart leaves the last run behind; rarely the kubelet keeps one across its own restart.
    if (restarts and not draw(chance(6))) or draw(chance(8)):
        last = {"terminated": draw(terminated(created))}
    status: Json = {"name": spec["name"], "state": state, "lastState": last, "ready": ready}
    status |= {"restartCount": restarts, "image": spec["image"], "imageID": ""}
    if state and state.get("waiting", {}).get("reason") not in _UNCREATED:
        form = draw(st.integers(0, 1))
        status["imageID"] = _image_id(spec["image"], draw(hex64()), form)
        status["containerID"] = f"containerd://{draw(hex64())}"
    if not draw(chance(10)):
        status["started"] = running and (ready or draw(st.booleans()))
    return status


def specs(draw: st.DrawFn, names: list[str], sidecars: Sequence[bool] = ()) -> list[Json]:
    """Specs of containers NAMES; the i-th is a sidecar when ``SIDECARS[i]``."""
    flags = [*sidecars, *[False] * len(names)]
    images = st.sampled_from(IMAGES)
    return [container(n, draw(images), sidecar=f) for n, f in zip(names, flags, strict=False)]


def sidecar(spec: Json) -> bool:
    """An init container with ``restartPolicy: Always``."""
    return spec.get("restartPolicy") == "Always"


@st.composite
def pod_conditions(
    draw: st.DrawFn, created: int, wanted: Mapping[str, str] | None = None, gates: bool = False
) -> list[Json]:
    """Conditions in the kubelet's order. WANTED maps each type to "Status" or "Status:Reason"
    and is all there is; without it every type is drawn, shuffled or doubled at times."""
    kinds = (*KUBELET_ORDER, "PodScheduled", *((READINESS_GATE,) if gates else ()))
    out = []
    for kind in kinds:
        status, _, reason = (wanted or {}).get(kind, "").partition(":")
        if wanted is None:
            status = draw(st.sampled_from(("True", "True", "False", "Unknown", "")))
            if status not in ("", "True"):
                reason = draw(st.sampled_from(_NOT_TRUE_REASONS.get(kind, ("",))))
        if not status:
            continue
        message = draw(st.sampled_from(_CONDITION_MESSAGES.get(reason, ("",))))
        times: Json = {"lastProbeTime": None, "lastTransitionTime": at(draw(ages(created)))}
        if kind != "PodScheduled":
            times["observedGeneration"] = 1
        out.append(condition(kind, status, reason, message, **times))
    if wanted is None and draw(chance(6)):
        out = list(draw(st.permutations(out)))
    if wanted is None and out and draw(chance(5)):
        # Accepted on update (duplicates in a listType=map survive non-apply writes): Go
        # helpers differ on whether the first or any entry of a type counts.
        twin = dict(draw(st.sampled_from(out))) | {"status": draw(st.sampled_from(STATUSES))}
        out.insert(draw(st.integers(0, len(out))), twin)
    return out
