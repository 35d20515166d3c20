"""``kubectl get pods`` STATUS, READY and RESTARTS columns (docs/specs/rollout-semantics.md)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest

from frontend.status.pods import digest, pod_row, pod_status
from tools.platformkit.objects import (
    DIGEST_V2,
    IMAGE_V2,
    NAMESPACE,
    NOW,
    at,
    condition,
    container_status,
    edited,
    pod,
    rolled_out,
    running_state,
    terminated_state,
    waiting_state,
)

Obj = dict[str, Any]
_RS = rolled_out()[1]
RS = _RS[1]
SIDECAR = {"name": "proxy", "image": "envoy:1.30", "restartPolicy": "Always", "resources": {}}


def _init_spec(*names: str) -> list[Obj]:
    return [{"name": n, "image": IMAGE_V2, "resources": {}} for n in names]


def _pod(**fields: Any) -> Obj:
    return pod(RS, "abcde", **fields)


def _not_ready(state: Obj, **fields: Any) -> list[Obj]:
    return [container_status(state=state, ready=False, **fields)]


def _init(name: str, state: Obj, **fields: Any) -> Obj:
    return container_status(name, state=state, ready=False, **fields)


def _initializing(
    init_statuses: list[Obj], names: tuple[str, ...] = ("a", "b"), specs: list[Obj] | None = None
) -> Obj:
    conditions = [
        condition("Initialized", "False", "ContainersNotInitialized"),
        condition("Ready", "False", "ContainersNotReady"),
        condition("PodScheduled", "True", ""),
    ]
    return _pod(
        phase="Pending",
        ready=False,
        init_containers=specs or _init_spec(*names),
        init_statuses=init_statuses,
        statuses=_not_ready(waiting_state("PodInitializing")),
        conditions=conditions,
    )


def _meta(obj: Obj, **fields: Any) -> Obj:
    return edited(obj, lambda o: o["metadata"].update(fields))


def _status(obj: Obj, **fields: Any) -> Obj:
    return edited(obj, lambda o: o["status"].update(fields))


def _two_containers(first: Obj, second: Obj, *, pod_ready: bool) -> Obj:
    obj = _pod(ready=pod_ready, statuses=[first, second])
    obj["spec"]["containers"].append({"name": "second", "image": IMAGE_V2, "resources": {}})
    return obj


def _containers(*states: tuple[Obj, bool], pod_ready: bool, never: bool = False) -> Obj:
    """A pod whose main containers c0, c1, ... are in STATES, each (state, ready)."""
    statuses = [
        container_status(f"c{i}", state=state, ready=ready)
        for i, (state, ready) in enumerate(states)
    ]
    obj = _pod(phase="Running", ready=pod_ready, statuses=statuses)
    obj["spec"]["containers"] = [
        {"name": f"c{i}", "image": IMAGE_V2, "resources": {}} for i in range(len(states))
    ]
    if never:
        obj["spec"]["restartPolicy"] = "Never"
    return obj


DONE = terminated_state(0, "Completed")
RUNNING_SECOND = container_status("second", state=running_state(), ready=True)
CRASH = waiting_state("CrashLoopBackOff", "back-off 40s restarting failed container")
LAST_ERROR = terminated_state(1, "Error", finished_ago=62)

STATUS_CASES = [
    pytest.param(_pod(), ("Running", "1/1", "0"), id="running-ready"),
    pytest.param(
        _pod(phase="Pending", ready=False, statuses=[], conditions=[]),
        ("Pending", "0/1", "0"),
        id="pending-not-scheduled",
    ),
    pytest.param(
        _pod(phase="Pending", ready=False, statuses=_not_ready(waiting_state("ContainerCreating"))),
        ("ContainerCreating", "0/1", "0"),
        id="waiting-containercreating",
    ),
    pytest.param(
        _pod(ready=False, statuses=_not_ready(CRASH, restarts=4, last_state=LAST_ERROR)),
        ("CrashLoopBackOff", "0/1", "4 (62s ago)"),
        id="H-crashloopbackoff-with-last-restart",
    ),
    pytest.param(
        _pod(phase="Pending", ready=False, statuses=_not_ready(waiting_state("ImagePullBackOff"))),
        ("ImagePullBackOff", "0/1", "0"),
        id="I-imagepullbackoff",
    ),
    pytest.param(
        _pod(phase="Pending", ready=False, statuses=_not_ready(waiting_state("ErrImagePull"))),
        ("ErrImagePull", "0/1", "0"),
        id="errimagepull",
    ),
    pytest.param(
        _pod(phase="Succeeded", ready=False, statuses=_not_ready(DONE)),
        ("Completed", "0/1", "0"),
        id="succeeded-completed",
    ),
    pytest.param(
        _pod(phase="Failed", ready=False, statuses=_not_ready(terminated_state(1, "Error"))),
        ("Error", "0/1", "0"),
        id="terminated-reason",
    ),
    pytest.param(
        _pod(phase="Running", ready=False, statuses=_not_ready(terminated_state(137, "OOMKilled"))),
        ("OOMKilled", "0/1", "0"),
        id="terminated-oomkilled",
    ),
    pytest.param(
        _pod(phase="Failed", ready=False, statuses=_not_ready(terminated_state(2))),
        ("ExitCode:2", "0/1", "0"),
        id="terminated-without-reason-exit-code",
    ),
    pytest.param(
        _pod(phase="Failed", ready=False, statuses=_not_ready(terminated_state(137, signal=9))),
        ("Signal:9", "0/1", "0"),
        id="terminated-without-reason-signal",
    ),
    pytest.param(
        _initializing([_init("a", running_state())]),
        ("Init:0/2", "0/1", "0"),
        id="init-first-of-two-running",
    ),
    pytest.param(
        _initializing([_init("a", DONE), _init("b", running_state())]),
        ("Init:1/2", "0/1", "0"),
        id="init-second-of-two-running",
    ),
    pytest.param(
        _initializing([_init("a", waiting_state("PodInitializing"))], ("a",)),
        ("Init:0/1", "0/1", "0"),
        id="init-waiting-podinitializing-counts-as-progress",
    ),
    pytest.param(
        _initializing([_init("a", CRASH, restarts=3, last_state=LAST_ERROR)]),
        ("Init:CrashLoopBackOff", "0/1", "3 (62s ago)"),
        id="init-crashloopbackoff-counts-init-restarts",
    ),
    pytest.param(
        _initializing([_init("a", waiting_state("ErrImagePull"))]),
        ("Init:ErrImagePull", "0/1", "0"),
        id="init-waiting-reason",
    ),
    pytest.param(
        _initializing([_init("a", terminated_state(1, "Error"))]),
        ("Init:Error", "0/1", "0"),
        id="init-terminated-reason",
    ),
    pytest.param(
        _initializing([_init("a", terminated_state(1))]),
        ("Init:ExitCode:1", "0/1", "0"),
        id="init-terminated-exit-code",
    ),
    pytest.param(
        _initializing([_init("a", terminated_state(137, signal=9))]),
        ("Init:Signal:9", "0/1", "0"),
        id="init-terminated-signal",
    ),
    pytest.param(
        _pod(
            init_containers=[*_init_spec("a"), SIDECAR],
            init_statuses=[
                _init("a", DONE, restarts=2, last_state=LAST_ERROR),
                container_status(
                    "proxy", state=running_state(), ready=True, restarts=1, last_state=LAST_ERROR
                ),
            ],
        ),
        ("Running", "2/2", "1 (62s ago)"),
        id="sidecar-started-counts-ready-and-only-its-restarts",
    ),
    pytest.param(
        _initializing(
            [_init("proxy", waiting_state("ContainerCreating"), started=False)], specs=[SIDECAR]
        ),
        ("Init:ContainerCreating", "0/2", "0"),
        id="sidecar-not-started-blocks-init",
    ),
    pytest.param(
        edited(
            _initializing([_init("a", terminated_state(1, "Error"))]),
            lambda o: o["status"].update(
                conditions=[condition("Initialized", "True", ""), condition("Ready", "True", "")],
                containerStatuses=[container_status()],
            ),
        ),
        # kubectl only overwrites the init reason with a waiting or terminated main container.
        ("Init:Error", "1/1", "0"),
        id="initialized-true-counts-main-containers-but-keeps-init-reason",
    ),
    pytest.param(
        _meta(_pod(), deletionTimestamp=at(3)),
        ("Terminating", "1/1", "0"),
        id="K-terminating",
    ),
    pytest.param(
        _status(_meta(_pod(), deletionTimestamp=at(3)), reason="NodeLost"),
        ("Unknown", "1/1", "0"),
        id="deleting-on-lost-node-is-unknown",
    ),
    pytest.param(
        _status(_pod(ready=False, statuses=[]), reason="NodeLost"),
        ("NodeLost", "0/1", "0"),
        id="node-lost-without-deletion",
    ),
    pytest.param(
        _meta(
            _pod(phase="Succeeded", ready=False, statuses=_not_ready(DONE)), deletionTimestamp=at(3)
        ),
        ("Completed", "0/1", "0"),
        id="deleting-terminal-pod-is-not-terminating",
    ),
    pytest.param(
        _status(_pod(phase="Failed", ready=False, statuses=[]), reason="Evicted"),
        ("Evicted", "0/1", "0"),
        id="pod-reason-overrides-phase",
    ),
    pytest.param(
        _pod(
            phase="Pending",
            ready=False,
            statuses=[],
            conditions=[condition("PodScheduled", "False", "SchedulingGated")],
        ),
        ("SchedulingGated", "0/1", "0"),
        id="scheduling-gated",
    ),
    pytest.param(
        _two_containers(
            container_status(state=CRASH, ready=False, restarts=2), RUNNING_SECOND, pod_ready=False
        ),
        ("CrashLoopBackOff", "1/2", "2"),
        id="first-container-reason-wins-restarts-without-last-state",
    ),
    pytest.param(
        _two_containers(container_status(state=DONE, ready=False), RUNNING_SECOND, pod_ready=True),
        ("Running", "1/2", "0"),
        id="completed-with-running-container-and-ready-pod",
    ),
    pytest.param(
        _two_containers(container_status(state=DONE, ready=False), RUNNING_SECOND, pod_ready=False),
        ("NotReady", "1/2", "0"),
        id="completed-with-running-container-not-ready-pod",
    ),
    # kubernetes#124766 (printPod since v1.31): "Completed" gives way to the reason of the
    # first container that exited non-zero. Found by the differential tier.
    *(
        pytest.param(
            _containers((DONE, False), (failed, False), pod_ready=False, never=True),
            (shown, "0/2", "0"),
            id=f"never-completed-beside-{shown}",
        )
        for failed, shown in (
            (terminated_state(1, "Error"), "Error"),
            (terminated_state(137, "OOMKilled"), "OOMKilled"),
            (terminated_state(1), "ExitCode:1"),
            (terminated_state(143, signal=15), "Signal:15"),
            (terminated_state(128, "ContainerCannotRun"), "ContainerCannotRun"),
        )
    ),
    pytest.param(
        _containers(
            (DONE, False),
            (terminated_state(1, "Error"), False),
            (running_state(), True),
            pod_ready=False,
        ),
        ("Error", "1/3", "0"),
        id="completed-error-running-not-ready-pod-shows-error-not-notready",
    ),
    pytest.param(
        _containers(
            (DONE, False),
            (terminated_state(1, "Error"), False),
            (running_state(), True),
            pod_ready=True,
        ),
        ("Running", "1/3", "0"),
        id="completed-error-running-ready-pod-stays-running",
    ),
    pytest.param(
        _containers((terminated_state(1, "Error"), False), (DONE, False), pod_ready=False),
        ("Error", "0/2", "0"),
        id="first-container-error-is-shown-anyway",
    ),
    pytest.param(
        _containers(({"terminated": {}}, False), pod_ready=False),
        ("ExitCode:0", "0/1", "0"),
        id="empty-terminated-state-counts-as-terminated",
    ),
    pytest.param(
        _status(
            _pod(phase="Pending", ready=False, statuses=[]),
            conditions=[
                condition("PodScheduled", "True", ""),
                condition("PodScheduled", "False", "SchedulingGated"),
            ],
        ),
        ("SchedulingGated", "0/1", "0"),
        id="scheduling-gated-in-any-podscheduled-condition",
    ),
    pytest.param(
        _meta(_pod(), deletionTimestamp="0001-01-01T00:00:00Z"),
        ("Terminating", "1/1", "0"),
        id="zero-deletion-time-is-still-a-typed-pods-deletion-mark",
    ),
    pytest.param(
        _pod(
            ready=False,
            statuses=_not_ready(
                CRASH,
                restarts=1,
                last_state={"terminated": {"exitCode": 1, "finishedAt": "0001-01-01T00:00:00Z"}},
            ),
        ),
        ("CrashLoopBackOff", "0/1", "1"),
        id="zero-finish-time-is-no-last-restart",
    ),
]


@pytest.mark.parametrize(("obj", "expected"), STATUS_CASES)
def test_pod_columns_match_kubectl_get_pods(obj: Obj, expected: tuple[str, str, str]) -> None:
    columns = pod_status(obj, NOW)
    assert (columns.status, columns.ready, columns.restarts_text) == expected


@pytest.mark.parametrize(
    ("image_id", "expected"),
    [
        pytest.param(f"ghcr.io/acme/backend@{DIGEST_V2}", DIGEST_V2, id="containerd-repo-digest"),
        pytest.param(
            f"docker-pullable://ghcr.io/acme/backend@{DIGEST_V2}", DIGEST_V2, id="docker-pullable"
        ),
        pytest.param(f"docker://{DIGEST_V2}", DIGEST_V2, id="docker-image-id"),
        pytest.param(DIGEST_V2, DIGEST_V2, id="bare-image-id"),
        pytest.param("", None, id="not-reported-yet"),
        pytest.param("ghcr.io/acme/backend:2.0.0", None, id="no-digest"),
    ],
)
def test_digest_from_image_id(image_id: str, expected: str | None) -> None:
    assert digest(image_id) == expected


def test_pod_row_reports_what_the_pod_runs() -> None:
    row = pod_row(_pod(created_ago=185), NOW)
    assert (row.name, row.namespace, row.status, row.ready, row.age) == (
        "web-5c8d7f9b6-abcde",
        NAMESPACE,
        "Running",
        "1/1",
        "3m5s",
    )
    assert (row.node, row.pod_ip, row.phase) == ("node-1", "10.244.1.102", "Running")
    assert (row.images, row.digests) == ((IMAGE_V2,), (DIGEST_V2,))
    assert (row.pod_template_hash, row.deleting, row.current) == ("5c8d7f9b6", False, False)
    assert row.containers[0].digest == DIGEST_V2
    assert row.containers[0].state == "running"


def test_pod_row_before_scheduling_has_no_node_or_ip() -> None:
    obj = _pod(phase="Pending", ready=False, statuses=[], conditions=[])
    del obj["spec"]["nodeName"], obj["status"]["podIP"]
    row = pod_row(obj, NOW)
    assert (row.node, row.pod_ip, row.digests, row.containers) == (None, None, (), ())


def test_pod_row_marks_deletion() -> None:
    row = pod_row(_meta(_pod(), deletionTimestamp=at(3)), NOW)
    assert (row.status, row.deleting) == ("Terminating", True)


def test_pod_row_is_json_serialisable() -> None:
    row = pod_row(
        _pod(ready=False, statuses=_not_ready(CRASH, restarts=1, last_state=LAST_ERROR)), NOW
    )
    data = json.loads(json.dumps(asdict(row)))
    assert data["restarts"] == 1
    assert data["last_restart"] == "2026-03-01T11:58:58+00:00"
    assert data["containers"][0]["reason"] == "CrashLoopBackOff"
