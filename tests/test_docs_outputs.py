"""The outputs and files the docs show are the ones pypi2nix prints and writes.

Each block of docs/*.md marked ``checked by tests/test_docs_outputs.py`` (see
tests/support/doc_blocks.py) is made here against the fixture index, which stands in
for the public index, so the documented commands run as they are written.
"""

from __future__ import annotations

import contextlib
import io
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from pypi2nix.cli import main
from pypi2nix.commands import pipeline
from pypi2nix.lock import frozen
from tests.support.doc_blocks import ROOT, Block, all_blocks, shows
from tests.support.elf import shared_object
from tests.support.fixture_index import INDEX_URL, IndexFile, build_wheel
from tests.test_direct_sources import move_branch, on_branch, sources

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

__all__ = ["sources"]  # the fixture of the direct-source tests, used here too

PRODUCER = "tests/test_docs_outputs.py"
GOLDEN = ROOT / "tests" / "golden"


@dataclass
class Context:
    index: FixtureIndex
    folder: Path
    request: pytest.FixtureRequest


def run(folder: Path, command: str) -> str:
    """``$ command`` and what it prints, standard output and error in the order printed."""
    printed = io.StringIO()
    arguments = shlex.split(command.split("#")[0])
    assert arguments[0] == "pypi2nix"
    with (
        contextlib.chdir(folder),
        contextlib.redirect_stdout(printed),
        contextlib.redirect_stderr(printed),
    ):
        main(arguments[1:])
    return f"$ {command}\n{printed.getvalue()}"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def output_of(command: str, files: dict[str, str] | None = None) -> Callable[[Context], str]:
    def make(context: Context) -> str:
        write(context.folder, files or {})
        return run(context.folder, command).split("\n", 1)[1]

    return make


def file_of(
    name: str, commands: list[str], files: dict[str, str] | None = None
) -> Callable[[Context], str]:
    def make(context: Context) -> str:
        write(context.folder, files or {})
        for command in commands:
            run(context.folder, command)
        return (context.folder / name).read_text()

    return make


def golden(case: str, name: str) -> Callable[[Context], str]:
    """A file of a golden case: tests/test_golden.py checks that it is what the command
    of the case writes."""
    return lambda context: (GOLDEN / case / "out" / name).read_text()


def stale_check(context: Context) -> str:
    write(context.folder, {"requirements.txt": "alpha\n"})
    run(context.folder, "pypi2nix generate requirements.txt")
    write(context.folder, {"requirements.txt": "alpha\nepsilon\n"})
    return run(context.folder, "pypi2nix generate requirements.txt --check")


def moved_branch(context: Context) -> str:
    found: dict[str, Any] = context.request.getfixturevalue("sources")
    work = on_branch(found)
    command = "pypi2nix generate -r requirements.txt --python 3.11 -O out"
    run(work, command)
    move_branch(found["git_repo"])
    return run(work, "pypi2nix update gitpkg -O out")


def direct_frozen(context: Context) -> str:
    found: dict[str, Any] = context.request.getfixturevalue("sources")
    work = on_branch(found)
    run(work, "pypi2nix generate -r requirements.txt --python 3.11 -O out")
    text: str = (work / "out" / "requirements_frozen.txt").read_text()
    return text.replace(found["git_repo"].as_uri(), "https://example.test/gitpkg.git")


def unmapped_library(context: Context) -> str:
    """A binary wheel whose extension needs a library that pypi2nix cannot map."""
    tree = context.folder / "trees" / "bar-1.0.0"
    write(
        tree,
        {
            "PKG-INFO": "Metadata-Version: 2.2\nName: bar\nVersion: 1.0.0\nSummary: Bar\n",
            "bar/__init__.py": "",
        },
    )
    (tree / "bar" / "_sound.so").write_bytes(shared_object(["libsndfile.so.1"], None, None))
    filename = "bar-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    context.index.files.append(IndexFile("bar", filename, build_wheel(tree, filename)))
    return run(context.folder, "pypi2nix generate -e bar --python 3.11")


ALPHA = {"requirements.txt": "alpha\n"}
CASES: dict[str, Callable[[Context], str]] = {
    "pypi2nix generate requirements.txt --check, after a requirement changed": stale_check,
    "pypi2nix generate -e alpha -e cxxpkg --python 3.11": output_of(
        "pypi2nix generate -e alpha -e cxxpkg --python 3.11"
    ),
    "pypi2nix generate -e alpha -e cxxpkg --python 3.11 -v": output_of(
        "pypi2nix generate -e alpha -e cxxpkg --python 3.11 -v"
    ),
    "requirements_frozen.txt of pypi2nix generate -r requirements.txt": file_of(
        "requirements_frozen.txt", ["pypi2nix generate -r requirements.txt"], ALPHA
    ),
    "requirements_frozen.txt of pypi2nix generate -r ../requirements.txt, in nix/": file_of(
        "nix/requirements_frozen.txt",
        ["pypi2nix generate -r requirements.txt -O nix"],
        {"requirements.txt": "# the app\nepsilon\nalpha\n"},
    ),
    "requirements.nix of pypi2nix generate -r requirements.txt": file_of(
        "requirements.nix", ["pypi2nix generate -r requirements.txt"], ALPHA
    ),
    "requirements_override.nix of pypi2nix generate -r requirements.txt": file_of(
        "requirements_override.nix", ["pypi2nix generate -r requirements.txt"], ALPHA
    ),
    "pypi2nix update gitpkg, after the branch of gitpkg moved": moved_branch,
    "requirements_frozen.txt of pypi2nix generate, with a git and a local source": direct_frozen,
    "tests/golden/generate-source-policy/out/requirements.nix": golden(
        "generate-source-policy", "requirements.nix"
    ),
    "pypi2nix generate -e cxxpkg --no-binary cxxpkg --python 3.11": output_of(
        "pypi2nix generate -e cxxpkg --no-binary cxxpkg --python 3.11"
    ),
    "pypi2nix generate -e bar --python 3.11, bar a binary wheel needing libsndfile.so.1": (
        unmapped_library
    ),
}


def checked_here() -> list[Block]:
    return [
        block
        for block in all_blocks()
        if block.marker is not None and block.marker.producer == PRODUCER
    ]


@pytest.fixture
def context(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Context:
    """The fixture index as the default index, so the docs' commands need no -i."""
    monkeypatch.setattr(pipeline, "DEFAULT_INDEX_URL", INDEX_URL)
    monkeypatch.setattr(frozen, "DEFAULT_INDEX_URL", INDEX_URL)
    folder = tmp_path / "app"
    folder.mkdir()
    return Context(index=fixture_index, folder=folder, request=request)


@pytest.mark.parametrize("block", checked_here(), ids=lambda block: block.where)
def test_the_block_shows_what_the_command_makes(block: Block, context: Context) -> None:
    assert block.marker is not None
    make = CASES.get(block.marker.what)
    assert make is not None, f"{block.where}: no case for {block.marker.what!r}"
    produced = make(context)
    if block.text.startswith("$ "):
        command = block.text.split("\n", 1)[0].removeprefix("$ ")
        assert produced.startswith(f"$ {command}\n"), produced
    assert shows(block.text, produced, excerpt=block.marker.excerpt), produced


def test_every_case_is_shown_somewhere() -> None:
    shown = {block.marker.what for block in checked_here() if block.marker is not None}
    assert sorted(set(CASES) - shown) == []


def test_a_block_that_differs_is_caught() -> None:
    assert shows("Locked ... packages\n", "Locked 5 packages\n", excerpt=False)
    assert not shows("Locked 4 packages\n", "Locked 5 packages\n", excerpt=False)
    assert shows("b\n...\nd\n", "a\nb\nc\nd\ne\n", excerpt=True)
    assert not shows("b\nd\n", "a\nb\nc\nd\n", excerpt=True)
