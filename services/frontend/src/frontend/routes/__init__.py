"""One router per concern: pages, the change feed (SSE), the JSON API, probes, static assets."""
