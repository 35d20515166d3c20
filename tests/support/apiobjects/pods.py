"""Pods as the apiserver returns them once the scheduler and kubelet have written status.

``pods()`` first draws a scenario. "free" combines container states, conditions and phases at
random (the apiserver checks none of them against each other); every other scenario pins a
combination the status code must get right and that random draws would hit once in a million,
e.g. a sidecar init container running beside the main ones, or [Completed, Error] on a
``restartPolicy: Never`` pod. "free" is drawn as often as all the others together;
``pods(scenario=...)`` pins one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st

from tests.support.apiobjects.common import (
    HASH_LABEL,
    Json,
    ages,
    annotation_maps,
    at,
    chance,
    dns_labels,
    dns_subdomains,
    metadata,
    owner_reference,
    template_hashes,
    uids,
)
from tests.support.apiobjects.containers import (
    KUBELET_ORDER,
    READINESS_GATE,
    WAITING_MESSAGES,
    container_statuses,
    exits,
    pod_conditions,
    pod_spec,
    sidecar,
    specs,
    states,
    terminated,
)

PHASES = ("Pending", "Running", "Running", "Succeeded", "Failed", "Unknown")
PODINIT = {"reason": "PodInitializing"}
# Each way printPod names a failed container: by reason, signal or exit code.
_FAILURES = st.sampled_from(((1, 0, "Error"), (137, 9, ""), (1, 0, ""), (137, 0, "OOMKilled")))
POD_REASONS = ("Evicted", "NodeLost", "UnexpectedAdmissionError", "NodeAffinity", "Shutdown")


@dataclass
class Shape:
    """What a scenario decides; ``_pod`` renders it with metadata and defaults."""

    mains: list[Json]
    inits: list[Json] = field(default_factory=list)
    restart: str = "Always"
    phase: str = "Running"
    init_statuses: list[Json] = field(default_factory=list)
    statuses: list[Json] = field(default_factory=list)
    conditions: list[Json] = field(default_factory=list)
    reason: str = ""
    message: str = ""
    deleting: bool | None = None  # None: drawn like any other object's
    gated: bool = False
    readiness_gate: bool = False
    node: bool = True


Scenario = Callable[[st.DrawFn, int, list[str]], Shape]


def _init_walk(draw: st.DrawFn, inits: list[Json], created: int) -> list[Json]:
    """The kubelet's order: finished ones, the current one (any state), then those waiting;
    sometimes cut short, as before the kubelet has reported them all."""
    if draw(chance(4)):
        return [draw(container_statuses(spec, created)) for spec in inits]
    done, walked = draw(st.integers(0, len(inits))), []
    for index, spec in enumerate(inits):
        state = None if index == done else {"waiting": PODINIT}
        if index < done:
            finished = {"terminated": draw(terminated(created, (0, 0, "Completed")))}
            state = draw(states(created, "running")) if sidecar(spec) else finished
        walked.append(draw(container_statuses(spec, created, state)))
    return walked[: draw(st.sampled_from((len(inits), done)))]


def _free(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    sidecars = draw(st.lists(chance(3), min_size=3, max_size=3))
    inits = specs(draw, names[: draw(st.integers(0, 3))], sidecars)
    mains = specs(draw, names[3 : 3 + draw(st.integers(1, 3))])
    shape = Shape(mains, inits, draw(st.sampled_from(("Always", "Always", "OnFailure", "Never"))))
    shape.phase, shape.gated = draw(st.sampled_from(PHASES)), draw(chance(8))
    shape.node, shape.readiness_gate = not shape.gated and not draw(chance(6)), draw(chance(4))
    shape.init_statuses = _init_walk(draw, inits, created)
    every = draw(st.sampled_from(("all", "all", "all", "some", "none")))
    shape.statuses = [
        draw(container_statuses(spec, created))
        for spec in mains
        if every == "all" or (every == "some" and draw(st.booleans()))
    ]
    shape.conditions = draw(pod_conditions(created, gates=shape.readiness_gate))
    shape.reason = draw(st.sampled_from(("", "", "", *POD_REASONS)))
    shape.message = draw(st.sampled_from(("", "", "The node was low on resource: memory.")))
    return shape


def _running(draw: st.DrawFn, specs_: list[Json], created: int, ready: bool) -> list[Json]:
    return [
        draw(container_statuses(spec, created, draw(states(created, "running")), ready))
        for spec in specs_
    ]


def _exited(draw: st.DrawFn, spec: Json, created: int, exit: tuple[int, int, str]) -> Json:
    state = {"terminated": draw(terminated(created, exit))}
    return draw(container_statuses(spec, created, state, ready=False))


def _wanted(ready: str, initialized: str = "True") -> dict[str, str]:
    return {"Initialized": initialized, "Ready": ready, "PodScheduled": "True"}


def _completed_error(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    """A finished job pod: v1.36's printPod shows the later container's error."""
    mains = specs(draw, names[3:5])
    statuses = [_exited(draw, mains[0], created, (0, 0, "Completed"))]
    failure = draw(st.one_of(_FAILURES, exits(nonzero=True)))
    statuses.append(_exited(draw, mains[1], created, failure))
    shape = Shape(mains, restart="Never", statuses=statuses)
    shape.phase = draw(st.sampled_from(("Failed", "Running")))
    shape.conditions = draw(pod_conditions(created, _wanted("False:PodCompleted")))
    return shape


def _completed_error_running(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    """Still running beside them: Running, NotReady or the error, depending on the others."""
    shape = _completed_error(draw, created, names)
    if draw(chance(3)):
        shape.statuses[1] = _exited(draw, shape.mains[1], created, (0, 0, "Completed"))
    shape.mains += specs(draw, names[5:])
    shape.statuses += _running(draw, shape.mains[2:], created, ready=True)
    shape.restart, shape.phase = draw(st.sampled_from(("Always", "Never"))), "Running"
    ready = draw(st.sampled_from(("False:ContainersNotReady", "False:ContainersNotReady", "True")))
    shape.conditions = draw(pod_conditions(created, _wanted(ready)))
    return shape


def _sidecar_running(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    plain = draw(st.booleans())
    inits = specs(draw, names[:2], (False, True) if plain else (True,))[: 1 + plain]
    walked = [_exited(draw, inits[0], created, (0, 0, "Completed"))] if plain else []
    running = draw(states(created, "running"))
    walked.append(draw(container_statuses(inits[-1], created, running)) | {"started": True})
    mains = specs(draw, names[3 : 3 + draw(st.integers(1, 2))])
    ready = draw(st.sampled_from(("True", "False:ContainersNotReady")))
    shape = Shape(mains, inits, init_statuses=walked)
    shape.statuses = _running(draw, mains, created, ready=ready == "True")
    shape.conditions = draw(pod_conditions(created, _wanted(ready)))
    return shape


def _initializing(draw: st.DrawFn, created: int, names: list[str], failed: bool) -> Shape:
    inits = specs(draw, names[: draw(st.integers(1, 2))])
    if failed:
        exited = {"terminated": draw(terminated(created, draw(st.one_of(_FAILURES, exits(True)))))}
        crashing = draw(states(created, "waiting", "CrashLoopBackOff"))
        first = draw(st.sampled_from((exited, crashing)))
    else:
        running = draw(states(created, "running"))
        first = draw(st.sampled_from(({}, running, {"waiting": {}}, {"waiting": PODINIT})))
    waiting = {"waiting": PODINIT}
    walked = [draw(container_statuses(inits[0], created, first, ready=False))]
    walked += [draw(container_statuses(spec, created, waiting, False)) for spec in inits[1:]]
    mains = specs(draw, names[3:4])
    shape = Shape(mains, inits, draw(st.sampled_from(("Always", "Never"))), "Pending", walked)
    shape.phase = "Failed" if failed and shape.restart == "Never" else "Pending"
    shape.statuses = [draw(container_statuses(mains[0], created, waiting, ready=False))]
    wanted = _wanted("False:ContainersNotReady", "False:ContainersNotInitialized")
    shape.conditions = draw(pod_conditions(created, wanted))
    return shape


def _node_lost(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    """The node controller's mark on a lost node's pod, then its eviction."""
    mains = specs(draw, names[3:5])
    shape = Shape(mains, phase=draw(st.sampled_from(("Running", "Unknown"))), deleting=True)
    shape.reason, shape.message = "NodeLost", "Node node-1 which was running pod is unresponsive"
    shape.statuses = _running(draw, mains, created, ready=True)
    ready = draw(st.sampled_from(("False", "Unknown")))
    shape.conditions = draw(pod_conditions(created, _wanted(ready)))
    return shape


def _unscheduled(draw: st.DrawFn, created: int, names: list[str], gated: bool) -> Shape:
    reason = "SchedulingGated" if gated else "Unschedulable"
    shape = Shape(specs(draw, names[3:4]), phase="Pending", gated=gated, node=False)
    shape.conditions = draw(pod_conditions(created, {"PodScheduled": f"False:{reason}"}))
    return shape


def _crashloop(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    mains = specs(draw, names[3 : 3 + draw(st.integers(1, 3))])
    failing = [reason for reason, message in WAITING_MESSAGES.items() if message]
    state = draw(states(created, "waiting", draw(st.sampled_from(failing))))
    statuses = [draw(container_statuses(mains[0], created, state, ready=False))]
    statuses += _running(draw, mains[1:], created, ready=True)
    conditions = draw(pod_conditions(created, _wanted("False:ContainersNotReady")))
    return Shape(mains, statuses=statuses, conditions=conditions)


def _creating(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    """Scheduled, before the runtime has the containers: no IDs yet, some without a state."""
    mains = specs(draw, names[3 : 3 + draw(st.integers(1, 3))])
    waiting: st.SearchStrategy[Json] = st.sampled_from(
        ({"waiting": {"reason": "ContainerCreating"}}, {"waiting": {}}, {})
    )
    statuses = [draw(container_statuses(s, created, draw(waiting), ready=False)) for s in mains]
    wanted = _wanted("False:ContainersNotReady")
    wanted["PodReadyToStartContainers"] = draw(st.sampled_from(("False", "True")))
    shape = Shape(mains, phase="Pending", statuses=statuses)
    shape.conditions = draw(pod_conditions(created, wanted))
    return shape


def _healthy(draw: st.DrawFn, created: int, names: list[str]) -> Shape:
    mains = specs(draw, names[3 : 3 + draw(st.integers(1, 3))])
    wanted = dict.fromkeys((*KUBELET_ORDER, "PodScheduled"), "True")
    statuses = _running(draw, mains, created, ready=True)
    return Shape(mains, statuses=statuses, conditions=draw(pod_conditions(created, wanted)))


SCENARIOS: dict[str, Scenario] = {
    "free": _free,
    "completed-error": _completed_error,
    "completed-error-running": _completed_error_running,
    "sidecar-running": _sidecar_running,
    "init-failed": lambda draw, created, names: _initializing(draw, created, names, True),
    "pod-initializing": lambda draw, created, names: _initializing(draw, created, names, False),
    "node-lost": _node_lost,
    "scheduling-gated": lambda draw, created, names: _unscheduled(draw, created, names, True),
    "unschedulable": lambda draw, created, names: _unscheduled(draw, created, names, False),
    "crashloop": _crashloop,
    "creating": _creating,
    "healthy": _healthy,
}
# "free" as often as all pinned scenarios together.
_WEIGHTED = ("free",) * (len(SCENARIOS) - 1) + tuple(SCENARIOS)[1:]


@st.composite
def _pod(draw: st.DrawFn, odd: bool, scenario: str | None) -> Json:
    created = draw(ages())
    names = draw(st.lists(dns_labels(), min_size=6, max_size=6, unique=True))
    shape = SCENARIOS[scenario or draw(st.sampled_from(_WEIGHTED))](draw, created, names)
    app, hash_, owned = draw(dns_labels()), draw(template_hashes()), draw(st.booleans())
    name = f"{app}-{hash_}-{draw(template_hashes())[:5]}" if owned else draw(dns_subdomains())
    owner = owner_reference("ReplicaSet", f"{app}-{hash_}", draw(uids())) if owned else None
    labels = {"app": app} | ({HASH_LABEL: hash_} if owned else {})
    notes = annotation_maps(restart=True)
    meta = draw(
        metadata(
            name,
            created=created,
            generation=1,
            labels=labels,
            notes=notes,
            graceful=shape.node,
            deleting=shape.deleting,
            owner=owner,
            odd=odd,
        )
    )
    token = f"kube-api-access-{draw(template_hashes())[:5]}"
    spec = pod_spec(shape.mains, shape.inits, shape.restart, token=token)
    status: Json = {"phase": shape.phase, "qosClass": "BestEffort"}
    if shape.gated:
        spec["schedulingGates"] = [{"name": "example.com/quota"}]
    if shape.readiness_gate:
        spec["readinessGates"] = [{"conditionType": READINESS_GATE}]
    if shape.node:
        spec["nodeName"] = draw(st.sampled_from(("node-1", "node-2")))
        status |= {"observedGeneration": 1, "hostIP": "10.0.0.5", "hostIPs": [{"ip": "10.0.0.5"}]}
        status["startTime"] = at(draw(st.integers(0, created)))
        if shape.phase != "Pending" or draw(st.booleans()):
            status |= {"podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}]}
    optional = {
        "conditions": shape.conditions,
        "reason": shape.reason,
        "message": shape.message,
        "initContainerStatuses": shape.init_statuses,
        "containerStatuses": shape.statuses,
    }
    status |= {key: value for key, value in optional.items() if value}
    if odd and draw(chance(4)):
        # Off-server: defaulting always sets it. Go and Python both read "".
        del spec["restartPolicy"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def pods(odd: bool = False, scenario: str | None = None) -> st.SearchStrategy[Json]:
    """Pods; SCENARIO (a key of ``SCENARIOS``) pins one, otherwise one is drawn per pod."""
    if scenario is not None and scenario not in SCENARIOS:
        raise ValueError(f"unknown pod scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    return _pod(odd, scenario)
