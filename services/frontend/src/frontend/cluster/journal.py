"""One stream's objects by uid, copied on write, with the uids each change touched.

Readers (``snapshot()`` in another thread) take a ``JournalView``: the items as they
were, and enough of the journal to apply only what changed since the view they saw
last. The view is one attribute, replaced whole, so it needs no lock.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

from frontend.cluster.snapshot import JournalView, Json

# Changes remembered per stream: a reader further behind re-reads that stream whole.
JOURNAL_LENGTH = 4096
_LISTINGS = itertools.count(1)


class Journal:
    """Written by one stream thread; ``view`` is read from any thread."""

    def __init__(self, plural: str, namespace: str) -> None:
        self.plural, self.namespace = plural, namespace
        self._touched: list[str] = []
        self.view = JournalView(plural, namespace, next(_LISTINGS), 0, 0, (), {})

    @property
    def items(self) -> Mapping[str, Json]:
        return self.view.items

    def replace(self, items: dict[str, Json]) -> None:
        """A new listing: readers of the old one re-read this stream."""
        self._touched = []
        self.view = JournalView(self.plural, self.namespace, next(_LISTINGS), 0, 0, (), items)

    def put(self, uid: str, obj: Json) -> None:
        items = dict(self.view.items)  # copy-on-write: published items never change
        items[uid] = obj
        self._publish(uid, items)

    def delete(self, uid: str) -> None:
        if uid not in self.view.items:
            return
        items = dict(self.view.items)
        del items[uid]
        self._publish(uid, items)

    def _publish(self, uid: str, items: dict[str, Json]) -> None:
        old = self.view
        base = old.base
        if len(self._touched) >= 2 * JOURNAL_LENGTH:
            # A new list: views already published keep the old one, which no longer grows.
            self._touched = self._touched[-JOURNAL_LENGTH:]
            base = old.seq - len(self._touched)
        self._touched.append(uid)
        self.view = JournalView(
            self.plural, self.namespace, old.listing, old.seq + 1, base, self._touched, items
        )
