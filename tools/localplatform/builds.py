"""``make run``'s first step: every binary and image it runs, built once and then reused.

Only what a local run uses is built (OpenTofu without tflint and the OpenStack
provider), every Go build shares one Go build cache (the kubelet and kube-proxy reuse
what the control plane compiled), the images (mostly downloads and file copies) build
beside the Go builds (mostly CPU), and a cold build says how long it should take before
it starts. The estimates were measured on this project's 2-core machine (see
tools/localplatform/README.md); a warm run builds nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from tools.localplatform.console import Console
from tools.platformkit import binaries, images, tofu
from tools.platformkit.gitops import flux
from tools.platformkit.node import nodebins

# Cold build times on 2 cores, in minutes, as `make run` prints them before building
# (measured from empty Go caches, one after another: tools/localplatform/README.md).
ESTIMATE_MIN = {"control plane": 8, "Flux": 6, "OpenTofu": 4, "node": 2, "images": 5}
WHY = {
    "node": "; it reuses what the control plane's build compiled",
    "images": "; the Debian bases, then both images, beside the Go builds",
}


def _build(say: Console, what: str, built: bool, missing: list[str], where: str,
           step: str, action: Callable[[], object]) -> None:  # fmt: skip
    if not built:
        if missing:
            raise binaries.MissingPrerequisiteError("; ".join(missing))
        say.say(f"first run: building {what} into {where} "
                f"(about {ESTIMATE_MIN[what]} min on 2 cores{WHY.get(what, '')})")  # fmt: skip
    with say.step(step):
        action()


def ensure(say: Console, real_node: bool) -> images.Build:
    """Build or reuse everything; the images' build lines (cold / warm / skipped)."""
    if missing := images.missing_prerequisites():
        raise binaries.MissingPrerequisiteError("; ".join(missing))
    say.say(f"images: tools/images/build.sh (cold: about {ESTIMATE_MIN['images']} min"
            f"{WHY['images']}; an unchanged checkout: seconds)")  # fmt: skip
    built: list[images.Build] = []
    failed: list[BaseException] = []

    def build_images() -> None:
        try:
            built.append(images.ensure_built())
        except BaseException as exc:  # re-raised in the caller's thread below
            failed.append(exc)

    imaging = threading.Thread(target=build_images, name="images", daemon=True)
    imaging.start()
    _build(say, "control plane", binaries.is_built(), binaries.missing_prerequisites(),
           str(binaries.build_root()),
           "control plane binaries (etcd, kube-apiserver, KCM, scheduler, kwok)",
           binaries.ensure_built)  # fmt: skip
    _build(say, "Flux", flux.is_built(), flux.missing_prerequisites(), str(flux.build_root()),
           "Flux binaries (source-controller, kustomize-controller)",
           flux.ensure_built)  # fmt: skip
    local = tofu.local_parts()  # what infra/live/local needs: no tflint, no openstack
    _build(say, "OpenTofu", tofu.is_built(local), tofu.missing_prerequisites(local),
           str(tofu.build_root()), f"OpenTofu and providers ({', '.join(local)})",
           lambda: tofu.ensure_built(local))  # fmt: skip
    # crane (the registry) is built with the node: even without a node, the images are real.
    node_missing = nodebins.missing_prerequisites() if real_node else []
    _build(say, "node", nodebins.is_built(), node_missing, str(nodebins.build_root()),
           "node binaries (kubelet, kube-proxy, containerd, crane, sandbox)",
           nodebins.ensure_built)  # fmt: skip
    with say.step("images (buildah): backend and frontend"):
        imaging.join()
    if failed:
        raise failed[0]
    for line in built[0].lines:
        say.say(line)
    return built[0]
