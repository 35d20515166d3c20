"""The backend probes: which backend pods to ask, asking them, and what they answered.
May import ``frontend.settings``, ``frontend.status`` and the cluster's plain data
(``frontend.cluster.snapshot``); never the watch cache (the app hands over the pods)."""
