"""A stream's journal: what a reader that saw an earlier view must apply, or None."""

from __future__ import annotations

from frontend.cluster import journal
from frontend.cluster.journal import Journal


def test_a_reader_gets_the_uids_changed_since_its_view_in_order() -> None:
    stream = Journal("pods", "shop")
    stream.replace({"a": {"v": 1}})
    seen = stream.view
    stream.put("b", {"v": 1})
    stream.put("a", {"v": 2})
    stream.delete("b")
    stream.delete("never-there")  # not a change

    now = stream.view
    assert now.since(seen.listing, seen.seq) == ["b", "a", "b"]
    assert now.since(now.listing, now.seq) == []
    assert dict(now.items) == {"a": {"v": 2}}
    assert dict(seen.items) == {"a": {"v": 1}}  # a published view never changes


def test_a_relist_or_a_reader_further_behind_than_the_journal_must_compare() -> None:
    stream = Journal("pods", "shop")
    first = stream.view
    for n in range(2 * journal.JOURNAL_LENGTH + 10):
        stream.put(f"p{n % 7}", {"n": n})
    now = stream.view
    assert now.since(first.listing, first.seq) is None  # trimmed away
    recent = now.seq - 5
    assert now.since(now.listing, recent) == [f"p{n % 7}" for n in range(now.seq - 5, now.seq)]

    stream.replace({})
    assert stream.view.since(now.listing, now.seq) is None  # another listing
