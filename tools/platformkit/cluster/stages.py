"""kwok Stage objects that make labelled pods look broken, loaded by kwok at start.

A pod template labelled ``fault.gitops-platform.test/mode=<mode>`` gets the status a
real kubelet would report for that failure (waiting reasons, restart counts, Ready
False...). kwok writes it through the real API, so watchers see real objects.

Why this works next to upstream's ``pod-ready`` stage: when several stages match,
kwok drops weight-0 stages in favour of weighted ones, so these (weight 10000) win.
They re-match on every pod update (so pod-ready can never "heal" the pod); the
timestamps reuse ``status.startTime`` so the re-rendered status is identical and
kwok skips the no-op patch instead of looping.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FAULT_LABEL = "fault.gitops-platform.test/mode"
RESTARTS_ANNOTATION = "fault.gitops-platform.test/restarts"

_HEAD = """{{ $now := or .status.startTime Now }}
{{ $ann := or .metadata.annotations dict }}
{{ $restarts := or ( index $ann "fault.gitops-platform.test/restarts" ) 4 }}
"""
_IPS = """{{ with NodeIPsWith .spec.nodeName }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ $ips := PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) \
( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
{{ with $ips }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
startTime: {{ $now | Quote }}
"""
_CRASHED = """  lastState:
    terminated:
      exitCode: 1
      reason: Error
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
"""
_INITS_DONE = """initContainerStatuses:
{{ range .spec.initContainers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
"""


def _conditions(initialized: bool, ready: bool) -> str:
    def cond(kind: str, ok: bool, reason: str) -> str:
        status = '"True"' if ok else f'"False"\n  reason: {reason}'
        return f"- type: {kind}\n  status: {status}\n  lastTransitionTime: {{{{ $now | Quote }}}}\n"

    return (
        "conditions:\n"
        + cond("Initialized", initialized, "ContainersNotInitialized")
        + cond("Ready", ready, "ContainersNotReady")
        + cond("ContainersReady", ready, "ContainersNotReady")
    )


def _main_containers(state: str, ready: bool, restarts: bool) -> str:
    return (
        "containerStatuses:\n{{ range .spec.containers }}\n"
        "- image: {{ .image | Quote }}\n  name: {{ .name | Quote }}\n"
        f"  ready: {str(ready).lower()}\n  started: {str(ready).lower()}\n"
        + ("  restartCount: {{ $restarts }}\n" + _CRASHED if restarts else "  restartCount: 0\n")
        + state
        + "{{ end }}\n"
    )


def _waiting(reason: str, message: str) -> str:
    return f"  state:\n    waiting:\n      reason: {reason}\n      message: {json.dumps(message)}\n"


_RUNNING = "  state:\n    running:\n      startedAt: {{ $now | Quote }}\n"


def _waiting_mode(reason: str, message: str, phase: str, restarts: bool) -> str:
    return (
        _HEAD
        + _conditions(True, False)
        + _main_containers(_waiting(reason, message), False, restarts)
        + _INITS_DONE
        + _IPS
        + f"phase: {phase}\n"
    )


_INIT_CRASHLOOP = (
    _HEAD
    + _conditions(False, False)
    + "initContainerStatuses:\n{{ range $i, $c := .spec.initContainers }}\n"
    "- image: {{ $c.image | Quote }}\n  name: {{ $c.name | Quote }}\n  ready: false\n"
    "{{ if eq $i 0 }}\n  restartCount: {{ $restarts }}\n"
    + _CRASHED
    + _waiting("CrashLoopBackOff", "back-off 1m20s restarting failed init container")
    + "{{ else }}\n  restartCount: 0\n"
    + _waiting("PodInitializing", "")
    + "{{ end }}\n{{ end }}\n"
    + _main_containers(_waiting("PodInitializing", ""), False, False)
    + _IPS
    + "phase: Pending\n"
)

# mode -> (status template, optional pod event (type, reason, message))
MODES: dict[str, tuple[str, tuple[str, str, str] | None]] = {
    "never-ready": (
        _HEAD
        + _conditions(True, False)
        + _main_containers(_RUNNING, False, False)
        + _INITS_DONE
        + _IPS
        + "phase: Running\n",
        ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
    ),
    "restarting": (
        _HEAD
        + _conditions(True, True)
        + _main_containers(_RUNNING, True, True)
        + _INITS_DONE
        + _IPS
        + "phase: Running\n",
        None,
    ),
    "crashloop": (
        _waiting_mode(
            "CrashLoopBackOff", "back-off 1m20s restarting failed container", "Running", True
        ),
        ("Warning", "BackOff", "Back-off restarting failed container"),
    ),
    "image-pull-backoff": (
        _waiting_mode("ImagePullBackOff", "Back-off pulling image", "Pending", False),
        ("Warning", "Failed", "Error: ImagePullBackOff"),
    ),
    "err-image-pull": (
        _waiting_mode(
            "ErrImagePull", "failed to pull and unpack image: not found", "Pending", False
        ),
        ("Warning", "Failed", "Error: ErrImagePull"),
    ),
    "create-container-config-error": (
        _waiting_mode("CreateContainerConfigError", 'secret "missing" not found', "Pending", False),
        ("Warning", "Failed", 'Error: secret "missing" not found'),
    ),
    "invalid-image-name": (
        _waiting_mode(
            "InvalidImageName",
            "couldn't parse image name: invalid reference format",
            "Pending",
            False,
        ),
        ("Warning", "InspectFailed", "Failed to apply default image tag: invalid reference format"),
    ),
    "init-crashloop": (
        _INIT_CRASHLOOP,
        ("Warning", "BackOff", "Back-off restarting failed init container"),
    ),
}


SLOW_READY_MS = 2500
# "slow-ready": pods become Ready like upstream pod-ready, but SLOW_READY_MS after
# they are scheduled, so mid-rollout states last long enough to observe. It must
# stop matching once Ready (unlike the faults above), or it would re-fire forever.
_SLOW_READY = (
    "{{ $now := Now }}\n{{ $restarts := 0 }}\n"
    + _conditions(True, True)
    + _main_containers(_RUNNING, True, False)
    + _INITS_DONE
    + _IPS
    + "phase: Running\n"
)
_SLOW_EXTRA_SELECTOR = [
    {"key": ".status.phase", "operator": "In", "values": ["Pending"]},
    {
        "key": '.status.conditions.[] | select( .type == "Ready" ) | .status',
        "operator": "NotIn",
        "values": ["True"],
    },
]


def fault_stages() -> list[dict[str, Any]]:
    stages: list[dict[str, Any]] = []
    for mode, (template, event) in [*MODES.items(), ("slow-ready", (_SLOW_READY, None))]:
        nxt: dict[str, Any] = {"statusTemplate": template}
        if event is not None:
            nxt["event"] = {"type": event[0], "reason": event[1], "message": event[2]}
        stages.append(
            {
                "apiVersion": "kwok.x-k8s.io/v1alpha1",
                "kind": "Stage",
                "metadata": {"name": f"gitops-fault-{mode}"},
                "spec": {
                    "resourceRef": {"apiGroup": "v1", "kind": "Pod"},
                    "selector": {
                        "matchExpressions": [
                            {
                                "key": f'.metadata.labels["{FAULT_LABEL}"]',
                                "operator": "In",
                                "values": [mode],
                            },
                            {"key": ".metadata.deletionTimestamp", "operator": "DoesNotExist"},
                            *(_SLOW_EXTRA_SELECTOR if mode == "slow-ready" else []),
                        ]
                    },
                    "weight": 10000,
                    "next": nxt,
                    **(
                        {"delay": {"durationMilliseconds": SLOW_READY_MS}}
                        if mode == "slow-ready"
                        else {}
                    ),
                },
            }
        )
    return stages


def write_stage_file(path: Path) -> Path:
    # JSON documents are valid YAML, so kwok's --config loader reads them as-is.
    stages = fault_stages()
    path.write_text("\n---\n".join(json.dumps(s, indent=1) for s in stages) + "\n")
    return path
