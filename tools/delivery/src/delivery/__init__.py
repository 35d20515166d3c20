"""Delivery tooling: the pipeline's commands and the logic they share.

Commands (console scripts): ``verify_cli`` (verify), ``promote_cli`` (promote),
``rollback_cli`` (rollback), ``record_cli`` (delivery-record), ``metrics_cli``
(delivery-metrics). Pure logic: ``convergence`` (has the rollout converged?),
``overlay`` (an overlay's image digests), ``records`` (the verification records in git
notes), ``history`` and ``dora`` (deployments and DORA's four keys from git),
``metrics_render`` and ``report`` (their text and JSON). I/O: ``git`` (the git
command), ``verify_network`` (verify's HTTP and kubectl). ``arguments``: the argument
types and the parser every command shares.
"""
