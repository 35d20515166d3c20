"""Deltas on the wire, against the real control plane: one Deployment scaled among 60
costs each viewer one card, not the board."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tools.platformkit.board import board, status
from tools.platformkit.kube import Kube
from tools.platformkit.objects import deployment_manifest
from tools.platformkit.polling import wait_for

pytestmark = pytest.mark.cluster
COUNT = 60


def _messages(url: str, out: list[tuple[str, int, str]], stop: threading.Event) -> None:
    """Read the stream: (event, bytes on the wire, data) per message, until STOP."""
    with httpx.stream("GET", url + "/events?since=0", timeout=60) as stream:
        event, size, data = "", 0, []
        for line in stream.iter_lines():
            size += len(line.encode()) + 1
            if line.startswith("event: "):
                event = line[len("event: ") :]
            elif line.startswith("data: "):
                data.append(line[len("data: ") :])
            elif line == "":
                if event:
                    out.append((event, size, "\n".join(data)))
                event, size, data = "", 0, []
                if stop.is_set():
                    return


def test_scaling_one_deployment_among_60_sends_one_card(
    kube: Kube, namespace: str, kubeconfig: Path
) -> None:
    names = [f"app-{n:02d}" for n in range(COUNT)]
    kube.apply(*(deployment_manifest(n, replicas=1) for n in names), namespace=namespace)
    with board(kubeconfig, namespace) as proc:

        def all_done() -> bool:
            cards = [e["deployment"] for g in status(proc)["namespaces"] for e in g["deployments"]]
            return len(cards) == COUNT and all(c["rollout"]["done"] for c in cards)

        wait_for("60 Deployments rolled out", all_done, timeout=120, every=0.5)
        messages: list[tuple[str, int, str]] = []
        stop = threading.Event()
        reader = threading.Thread(target=_messages, args=(proc.url, messages, stop), daemon=True)
        reader.start()
        wait_for("the whole board first", lambda: messages, timeout=30)
        time.sleep(2)  # let what was in flight settle
        settled = len(messages)

        kube.run("scale", "deployment/app-07", "--replicas=2", "-n", namespace)
        card = f'id="d-{namespace}-app-07"'
        wait_for("app-07 at 2/2 in a delta", lambda: any(
            e == "delta" and card in d and ">2/2<" in d for e, _, d in messages[settled:]
        ), timeout=60)  # fmt: skip
        stop.set()

    full_event, full_bytes, _ = messages[0]
    after = messages[settled:]
    assert full_event == "board"
    assert [e for e, _, _ in after] == ["delta"] * len(after), "no whole board after a change"
    biggest = max(size for _, size, _ in after)
    total = sum(size for _, size, _ in after)
    other_cards = sum(d.count("<article ") - (card in d) for _, _, d in after)
    sys.stderr.write(
        f"deltas: full board {full_bytes} B; after scaling one of {COUNT}: {len(after)} "
        f"messages, {total} B in all, largest {biggest} B\n"
    )
    assert other_cards == 0, "only the scaled Deployment's card is resent"
    assert biggest < full_bytes / 20
