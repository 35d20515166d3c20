"""Every relative link in the repository's Markdown resolves, anchors included.

One test per Markdown file (its path is the test id), so a broken link names the
file, the line and the target. Files are those git tracks plus new files it does not
ignore yet, so a page is checked before its first commit; ``node_modules`` is
skipped. Links with a scheme (``https:``, ``mailto:``) are not fetched: the check is
offline and takes well under a second.

A ``#anchor`` is checked when its target is Markdown (the same file or another):
it must be the GitHub-style slug of one of that file's headings, or an explicit
``<a id>``/``<a name>``. Anchors into other files (``script.sh#L10``) are not checked.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest

from tools.platformkit.paths import REPO_ROOT as ROOT

SKIPPED_DIRS = frozenset({"node_modules", ".git", ".venv", "build"})

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](dest "title") and ![alt](dest): one level of brackets in the text and of
# parentheses in the destination, which is all CommonMark prose needs here.
_INLINE = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
    r"\(\s*(<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
)
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^<>\n]*>|\S+)")
_HTML_ANCHOR = re.compile(r"<a\s[^>]*\b(?:id|name)=[\"']([^\"']+)[\"']", re.IGNORECASE)
_HTML_LINK = re.compile(r"<(?:a|img)\s[^>]*\b(?:href|src)=[\"']([^\"']+)[\"']", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_TAG = re.compile(r"<[^>]+>")
# What GitHub drops from heading text when it builds an anchor: punctuation and
# symbols, keeping letters, digits, marks, "_", "-" and spaces.
_NOT_SLUG = re.compile(r"[^\w\- ]", re.UNICODE)


@dataclass(frozen=True)
class Link:
    line: int
    target: str


def markdown_files() -> list[Path]:
    """Tracked Markdown plus untracked files git does not ignore, minus skipped dirs."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.md"],
            cwd=ROOT,
            capture_output=True,
            check=True,
            timeout=30,
        ).stdout.decode()
        candidates = [ROOT / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        candidates = list(ROOT.rglob("*.md"))
    found = {
        path
        for path in candidates
        if path.is_file() and not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts)
    }
    return sorted(found)


def _prose_lines(text: str, *, blank_code_spans: bool = True) -> list[tuple[int, str]]:
    """Every (line number, line); fenced code reads as empty lines and code spans as
    spaces (unless kept), so neither yields links or headings."""
    lines: list[tuple[int, str]] = []
    fence: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        opened = _FENCE.match(raw)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            lines.append((number, ""))
            continue
        if opened:
            fence = opened.group(1)
            lines.append((number, ""))
            continue
        line = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), raw) if blank_code_spans else raw
        lines.append((number, line))
    return lines


def extract_links(text: str) -> list[Link]:
    """Inline links and images, reference definitions and HTML href/src, in order."""
    links: list[Link] = []
    for number, line in _prose_lines(text):
        targets = [m.group(1) for m in _INLINE.finditer(line)]
        reference = _REFERENCE.match(line)
        if reference:
            targets.append(reference.group(1))
        targets += _HTML_LINK.findall(line)
        links += [Link(number, target.strip("<>")) for target in targets if target.strip("<>")]
    return links


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text (before de-duplication)."""
    text = _CODE_SPAN.sub(lambda m: m.group(2), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links and images: their text
    text = _TAG.sub("", text)
    return _NOT_SLUG.sub("", text.strip().lower()).replace(" ", "-")


def _headings(text: str) -> list[str]:
    headings: list[str] = []
    previous = ""
    # Heading text keeps its code spans: their content is part of the anchor.
    for _, line in _prose_lines(text, blank_code_spans=False):
        atx = _ATX.match(line)
        if atx:
            headings.append(atx.group(2))
        elif _SETEXT.match(line) and previous.strip() and not _is_block_start(previous):
            headings.append(previous.strip())
        previous = line
    return headings


def _is_block_start(line: str) -> bool:
    return bool(re.match(r"^ {0,3}([-*+>|#]|\d+[.)]|$)", line))


def anchors_of_text(text: str) -> frozenset[str]:
    """Every anchor GitHub would generate for the text, duplicates numbered -1, -2, …"""
    seen: Counter[str] = Counter()
    anchors: set[str] = set()
    for heading in _headings(text):
        base = slug(heading)
        anchors.add(f"{base}-{seen[base]}" if seen[base] else base)
        seen[base] += 1
    anchors.update(_HTML_ANCHOR.findall(text))
    return frozenset(anchors)


@functools.cache
def anchors_of(path: Path) -> frozenset[str]:
    return anchors_of_text(path.read_text(encoding="utf-8"))


def broken_links(path: Path) -> list[str]:
    """A sentence for each link in ``path`` that does not resolve."""
    problems: list[str] = []
    rel = path.relative_to(ROOT)
    for link in extract_links(path.read_text(encoding="utf-8")):
        if _SCHEME.match(link.target) or link.target.startswith("//"):
            continue  # external: not fetched
        raw_path, _, anchor = link.target.partition("#")
        file_part = unquote(raw_path.split("?", 1)[0])
        if not file_part:
            target = path
        elif file_part.startswith("/"):
            target = ROOT / file_part.lstrip("/")  # GitHub resolves these from the repo root
        else:
            target = path.parent / file_part
        where = f"{rel}:{link.line}: {link.target}"
        if not target.exists():
            problems.append(f"{where}: no such file or directory")
        elif not target.resolve().is_relative_to(ROOT):
            problems.append(f"{where}: points outside the repository")
        elif (
            anchor
            and target.suffix == ".md"
            and target.is_file()
            and unquote(anchor).lower() not in anchors_of(target)
        ):
            problems.append(f"{where}: no heading with anchor #{anchor} in {target.name}")
    return problems


FILES = markdown_files()


@pytest.mark.parametrize(
    "path", [pytest.param(path, id=str(path.relative_to(ROOT))) for path in FILES]
)
def test_relative_links_resolve(path: Path) -> None:
    problems = broken_links(path)
    assert not problems, "broken links:\n" + "\n".join(problems)


def test_the_index_and_the_readme_are_checked() -> None:
    checked = {str(path.relative_to(ROOT)) for path in FILES}
    assert {"README.md", "docs/README.md"} <= checked


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        pytest.param("The two commands", "the-two-commands", id="spaces"),
        pytest.param("`GET /healthz`: liveness", "get-healthz-liveness", id="code-and-colon"),
        pytest.param("0004: Status board, SSE", "0004-status-board-sse", id="digits-comma"),
        pytest.param("Argo CD (gitops-engine)", "argo-cd-gitops-engine", id="parentheses"),
        pytest.param("Why *not* kstatus?", "why-not-kstatus", id="emphasis-question"),
        pytest.param("See [ADR 0005](x.md)", "see-adr-0005", id="link-text"),
        pytest.param("Rollout → verify", "rollout--verify", id="symbol-leaves-two-dashes"),
    ],
)
def test_slug_matches_github(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


@pytest.mark.parametrize(
    ("text", "targets"),
    [
        pytest.param("[a](b.md) and ![i](img/x.png)", ["b.md", "img/x.png"], id="link-and-image"),
        pytest.param('[a](b.md#c "title")', ["b.md#c"], id="title-dropped"),
        pytest.param("[a](<with space.md>)", ["with space.md"], id="angle-brackets"),
        pytest.param("[x]: ../ref.md", ["../ref.md"], id="reference-definition"),
        pytest.param("`[a](not-a-link.md)` [b](real.md)", ["real.md"], id="code-span-skipped"),
        pytest.param("```\n[a](fenced.md)\n```\n[b](after.md)", ["after.md"], id="fence-skipped"),
        pytest.param('<img src="docs/board.png">', ["docs/board.png"], id="html-src"),
    ],
)
def test_extract_links(text: str, targets: list[str]) -> None:
    assert [link.target for link in extract_links(text)] == targets


def test_anchors_number_duplicates_and_skip_code() -> None:
    # The "---" after the fence is a thematic break, not an underline for "Intro".
    text = '# Setup\nIntro\n```\n# not a heading\n```\n---\n## Setup\nTitle\n===\n<a id="here">'
    assert anchors_of_text(text) == {"setup", "setup-1", "title", "here"}
