"""The fenced blocks of the docs, the markers that say what produces them, and the
comparison of a block with what was produced.

A block that shows a command's output or a generated file is preceded by a marker::

    <!-- output of: WHAT; checked by tests/test_docs_outputs.py -->
    <!-- excerpt of: WHAT; refreshed by docs/examples/refresh.py -->

``output of`` blocks are the whole output, ``excerpt of`` blocks a part of it. In a
block, ``...`` stands for anything on its line (a hash, a timing), and a line that is
only ``...`` for any number of lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(
    r"<!-- (?P<kind>output of|excerpt of): (?P<what>.+?); "
    r"(?P<how>checked|refreshed) by (?P<producer>\S+) -->"
)
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>\S*)\s*$")


@dataclass(frozen=True)
class Marker:
    kind: str
    what: str
    producer: str

    @property
    def excerpt(self) -> bool:
        return self.kind == "excerpt of"


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, from 1
    language: str
    text: str  # without the fences, ending with a newline
    marker: Marker | None

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def doc_files() -> list[Path]:
    return [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]


def blocks(path: Path) -> list[Block]:
    """Every fenced block of a markdown file, with the marker on the line before it."""
    lines = path.read_text().splitlines()
    found = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == "```")
        body = [line.removeprefix(opening["indent"]) for line in lines[index + 1 : end]]
        found.append(
            Block(
                path=path,
                line=index + 1,
                language=opening["language"],
                text="".join(f"{line}\n" for line in body),
                marker=marker_before(lines, index),
            )
        )
        index = end + 1
    return found


def marker_before(lines: list[str], index: int) -> Marker | None:
    if index == 0:
        return None
    match = MARKER.fullmatch(lines[index - 1].strip())
    if match is None:
        return None
    return Marker(kind=match["kind"], what=match["what"], producer=match["producer"])


def all_blocks() -> list[Block]:
    return [block for path in doc_files() for block in blocks(path)]


def pattern(text: str) -> str:
    """A regular expression for a block: ``...`` stands for anything on its line, a
    line of only ``...`` for any number of lines."""
    parts = []
    for line in text.rstrip("\n").split("\n"):
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            escaped = "[^\n]+?".join(re.escape(piece) for piece in line.split("..."))
            parts.append(escaped + r"\n")
    return "".join(parts)


def shows(block_text: str, produced: str, *, excerpt: bool) -> bool:
    """Whether the block shows what was produced (or a part of it, for an excerpt)."""
    produced = produced if produced.endswith("\n") else produced + "\n"
    regex = pattern(block_text)
    if excerpt:
        return re.search(r"(?m)^" + regex, produced) is not None
    return re.fullmatch(regex, produced) is not None
