"""Every block of docs/*.md and README.md that shows output says what makes it, and
every Nix block parses, so the docs cannot drift from the program silently.

A block of output (a fence with no language) or a generated Nix expression needs the
marker of tests/support/doc_blocks.py on the line before it, naming a test or a
script of the repository that makes it. ``sh`` blocks are commands only; Nix blocks
the user writes need no marker but must parse with ``nix-instantiate --parse``
(a fragment is wrapped: a function head gets a body, bindings an attribute set).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import subprocess
from typing import TYPE_CHECKING

import pytest

from tests.support.doc_blocks import ROOT, Block, Marker, all_blocks, blocks

if TYPE_CHECKING:
    from pathlib import Path

# Blocks of files other changes are rewriting now, by (file, first line): not output
# of a command (a diagram, a file layout), or output that another test makes.
# A real SRI hash: a Nix block holding one shows a generated file, not a user's snippet.
GENERATED_HASH = re.compile(r'hash = "sha256-[A-Za-z0-9+/]{43}="')
OUTPUT_LANGUAGES = {"", "text", "console"}


def problem(block: Block) -> str | None:
    """What is wrong with a block's marking, if anything."""
    if block.language == "sh":
        if block.marker is not None or re.search(r"(?m)^\$ ", block.text):
            return "a sh block lists commands only: show output in a marked block"
        return None
    needs_marker = block.language in OUTPUT_LANGUAGES or (
        block.language == "nix" and GENERATED_HASH.search(block.text) is not None
    )
    if block.marker is None:
        return "output with no marker naming what makes it" if needs_marker else None
    return producer_problem(block, block.marker)


@functools.cache
def live_examples() -> frozenset[str]:
    """The examples docs/examples/refresh.py runs against the live index."""
    spec = importlib.util.spec_from_file_location("refresh", ROOT / "docs/examples/refresh.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return frozenset(module.BLOCKS)


def producer_problem(block: Block, marker: Marker) -> str | None:
    producer = ROOT / marker.producer
    if not producer.is_file():
        return f"its marker names {marker.producer}, which does not exist"
    source = producer.read_text()
    if marker.producer == "tests/test_docs_outputs.py":
        return None  # that test fails for a block it has no case for
    if marker.producer == "docs/examples/refresh.py":
        return None if marker.what in live_examples() else f"{marker.producer} does not run it"
    if block.path.name not in source:
        return f"{marker.producer} does not read {block.path.name}"
    return None


@pytest.mark.parametrize("block", all_blocks(), ids=lambda block: block.where)
def test_every_output_block_names_what_makes_it(block: Block) -> None:
    assert problem(block) is None, f"{block.where}: {problem(block)}"


def test_an_unmarked_output_block_is_caught(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(
        "```\nLocked 1 package\n```\n\n"
        "<!-- output of: pypi2nix nothing; checked by tests/no_such_test.py -->\n"
        "```\nLocked 1 package\n```\n\n"
        "```sh\n$ pypi2nix generate\nLocked 1 package\n```\n\n"
        '```nix\n{ src = fetchurl { hash = "sha256-' + "A" * 43 + '="; }; }\n```\n\n'
        "```sh\npypi2nix generate   # a command\n```\n"
    )
    found = [problem(block) for block in blocks(doc)]
    assert found[:4] == [
        "output with no marker naming what makes it",
        "its marker names tests/no_such_test.py, which does not exist",
        "a sh block lists commands only: show output in a marked block",
        "output with no marker naming what makes it",
    ]
    assert found[4] is None


def nix_candidates(text: str) -> list[str]:
    """The block, then the block as a fragment: ``...`` lines dropped, a function head
    given a body, bindings wrapped in an attribute set; ``with`` defers the names a
    snippet leaves free (pkgs, self) to evaluation."""
    whole = "".join(line for line in text.splitlines(True) if line.strip() != "...")
    return [f"with {{ }};\n{fragment}" for fragment in (whole, f"{whole} null", f"{{\n{whole}\n}}")]


def parses(expression: str) -> bool:
    result = subprocess.run(
        ["nix-instantiate", "--parse", "-"],
        input=expression,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


NIX_BLOCKS = [block for block in all_blocks() if block.language == "nix"]


@pytest.mark.nix
@pytest.mark.parametrize("block", NIX_BLOCKS, ids=lambda block: block.where)
def test_every_nix_block_parses(block: Block) -> None:
    assert any(parses(candidate) for candidate in nix_candidates(block.text)), block.where


@pytest.mark.nix
def test_a_nix_block_that_does_not_parse_is_caught() -> None:
    assert not any(parses(candidate) for candidate in nix_candidates("{ a = ; }\n"))
    assert any(parses(candidate) for candidate in nix_candidates("a = 1;\n...\nb = 2;\n"))
