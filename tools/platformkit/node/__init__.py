"""Where the backend's pods run locally: ``podnet`` (a network namespace holding the pod
CIDR, routed from the host; root only), ``podrunner`` (one real backend process per
backend pod, Ready from its real ``/readyz``) and ``serviceproxy`` (a round-robin
forwarder to a Service's ready endpoints, fed by its EndpointSlices as kube-proxy is).
Imports ``tools.platformkit`` only."""
