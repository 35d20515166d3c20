"""Argument types and the parser shared by the delivery commands.

Every bad argument becomes one line naming it, and exit code 3: argparse's own
exit code 2 means "unreachable" to verify.
"""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

EXIT_BAD_INPUT = 3
SHA = re.compile(r"^[0-9a-f]{40}$")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
ENVIRONMENT = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: {message}\n")


def git_sha(value: str) -> str:
    if not SHA.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"must be a full 40-character lowercase hex SHA: {value!r}"
        )
    return value


def image_digest(value: str) -> str:
    if not DIGEST.fullmatch(value):
        raise argparse.ArgumentTypeError(f"must look like sha256:<64 hex>: {value!r}")
    return value


def environment(value: str) -> str:
    if not ENVIRONMENT.fullmatch(value):
        raise argparse.ArgumentTypeError(f"not an environment name: {value!r}")
    return value
