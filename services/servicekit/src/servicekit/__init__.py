"""Plumbing the backend and the frontend share, so both log and fail the same way."""
