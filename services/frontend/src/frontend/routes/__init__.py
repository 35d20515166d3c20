"""One router per concern: pages, live events, the JSON API, probes, static assets."""
