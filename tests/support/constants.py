"""Values the tests share: two builds' SHAs and the drill token every tier uses."""

from __future__ import annotations

SHA_A = "a" * 40
SHA_B = "b" * 40
FAULTS_TOKEN = "drill-token-0123456789"
