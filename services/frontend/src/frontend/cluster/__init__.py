"""The cluster data: which kinds are watched, the watch cache that lists and watches them,
and the snapshots it publishes. May import ``frontend.settings``, never the board,
probes or delivery panel (they read it)."""
