"""Delivery tooling: verify a rollout by what answers, and promote by git commit."""
