"""The delivery panel: DORA's four keys from the config repository's history, and its
chart. May import the ``delivery`` package and ``frontend.status``; nothing of the board."""
