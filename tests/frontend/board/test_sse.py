from __future__ import annotations

from frontend.board.sse import sse_message


def test_sse_message_prefixes_every_line() -> None:
    assert sse_message("board", "<a>\n<b>") == "event: board\ndata: <a>\ndata: <b>\n\n"


def test_sse_message_of_nothing_is_one_empty_data_field() -> None:
    assert sse_message("delta", "") == "event: delta\ndata: \n\n"
