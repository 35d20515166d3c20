"""The product never imports its tests: services, tools and benchmarks stand alone."""

from __future__ import annotations

import ast
import re

import pytest

from tools.platformkit.paths import REPO_ROOT

PRODUCT = ("services", "tools", "bench")


def _imports_of_tests(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "tests"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tests":
            found.append(str(node.module))
    return found


@pytest.mark.parametrize("top", PRODUCT)
def test_no_product_module_imports_tests(top: str) -> None:
    offenders = {
        str(path.relative_to(REPO_ROOT)): names
        for path in sorted((REPO_ROOT / top).rglob("*.py"))
        if "node_modules" not in path.parts
        and (names := _imports_of_tests(path.read_text(encoding="utf-8")))
    }

    assert offenders == {}


def test_no_make_target_runs_a_test_module() -> None:
    makefiles = [REPO_ROOT / "Makefile", *sorted((REPO_ROOT / "tools").glob("*/*.mk"))]
    runs = [str(m.relative_to(REPO_ROOT)) for m in makefiles
            if re.search(r"-m tests\b", m.read_text(encoding="utf-8"))]  # fmt: skip

    assert runs == []


def test_the_check_finds_an_import_of_tests() -> None:
    source = "import os\nfrom tests.support import constants\nimport tests.e2e.gitops as g\n"

    assert _imports_of_tests(source) == ["tests.support", "tests.e2e.gitops"]
