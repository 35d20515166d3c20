"""The board: its model, built card by card from the cluster data and the probes'
results, memoised per version and streamed to viewers. May import ``frontend.cluster``,
``frontend.probes`` and ``frontend.status``; never ``frontend.delivery`` or the routes."""
