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
from tests.support import nix
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


def fresh_check(context: Context) -> str:
    write(context.folder, {"requirements.txt": "alpha\n"})
    run(context.folder, "pypi2nix generate requirements.txt")
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


def binary_wheel(
    context: Context, name: str, files: dict[str, list[str]], requires: str = ""
) -> None:
    """Serve a binary wheel whose shared objects (path: the libraries each needs) are
    made up for the case."""
    tree = context.folder / "trees" / f"{name}-1.0.0"
    metadata = f"Metadata-Version: 2.2\nName: {name}\nVersion: 1.0.0\nSummary: {name}\n"
    write(tree, {"PKG-INFO": metadata + requires})
    for path, needed in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        soname = path.rsplit("/", 1)[-1] if ".so." in path else None
        (tree / path).write_bytes(shared_object(needed, soname, None))
    filename = f"{name.replace('-', '_')}-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    context.index.files.append(IndexFile(name, filename, build_wheel(tree, filename)))


def unmapped_library(context: Context) -> str:
    """A binary wheel whose extension needs a library that pypi2nix cannot map."""
    binary_wheel(context, "bar", {"bar/__init__.py": [], "bar/_sound.so": ["libsndfile.so.1"]})
    return run(context.folder, "pypi2nix generate -e bar --python 3.11")


def driver_library(context: Context) -> str:
    """A binary wheel that needs the GPU driver and a library of a dependency's wheel."""
    runtime = "nvidia-cuda-runtime-cu12"
    binary_wheel(context, runtime, {"nvidia/cuda_runtime/lib/libcudart.so.12": []})
    needs = ["libcuda.so.1", "libcudart.so.12", "libstdc++.so.6"]
    binary_wheel(
        context, "gpu", {"gpu/__init__.py": [], "gpu/_ext.so": needs}, f"Requires-Dist: {runtime}\n"
    )
    run(context.folder, "pypi2nix generate -e gpu --python 3.11")
    return (context.folder / "requirements.nix").read_text()


def wrong_python(context: Context) -> str:
    """What Nix says when requirements.nix is given a python of another version."""
    nix.require_nix()
    nixpkgs: Path = context.request.getfixturevalue("nixpkgs")
    run(context.folder, "pypi2nix generate -e alpha --python 3.11")
    expression = (
        f"let pkgs = import {nixpkgs} {{ }}; in (import {context.folder}/requirements.nix "
        '{ inherit pkgs; python = pkgs.python311 // { version = "3.12.8"; }; }).interpreter.name'
    )
    return nix.evaluation_error(expression)


TEAM = (
    "pypi2nix generate -e teamapp --python 3.12 --python 3.11 --system x86_64-linux "
    "--system aarch64-linux --system x86_64-darwin --system aarch64-darwin"
)


def team_update(context: Context) -> str:
    """``update --dry-run`` of the team's lock, after a newlib release for 3.12."""
    run(context.folder, TEAM)
    tree = context.folder / "trees" / "newlib-2.1.0"
    write(tree, {"PKG-INFO": "Metadata-Version: 2.2\nName: newlib\nVersion: 2.1.0\n"})
    write(tree, {"newlib/__init__.py": ""})
    filename = "newlib-2.1.0-py3-none-any.whl"
    wheel = IndexFile("newlib", filename, build_wheel(tree, filename), requires_python=">=3.12")
    context.index.files.append(wheel)
    return run(context.folder, "pypi2nix update --dry-run")


def team_other_python(context: Context) -> str:
    """What Nix says when the team's requirements.nix is given a Python it lacks."""
    nix.require_nix()
    nixpkgs: Path = context.request.getfixturevalue("nixpkgs")
    run(context.folder, TEAM)
    expression = (
        f"let pkgs = import {nixpkgs} {{ }}; in (import {context.folder}/requirements.nix "
        "{ inherit pkgs; python = pkgs.python313; }).interpreter.name"
    )
    return nix.evaluation_error(expression)


UNIVERSAL = "pypi2nix generate -e teamapp --universal"
EVERY_SYSTEM = "--system x86_64-linux --system aarch64-linux --system x86_64-darwin --system aarch64-darwin"  # fmt: skip
CXX_EVERYWHERE = f"pypi2nix generate -e cxxpkg --python 3.11 {EVERY_SYSTEM}"


def universal_check(context: Context) -> str:
    run(context.folder, UNIVERSAL)
    return run(context.folder, f"{UNIVERSAL} --check")


ALPHA = {"requirements.txt": "alpha\n"}
CASES: dict[str, Callable[[Context], str]] = {
    "pypi2nix generate requirements.txt --check, after a requirement changed": stale_check,
    "pypi2nix generate requirements.txt --check, on the inputs of the files": fresh_check,
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
    "pylock.toml of pypi2nix generate -r requirements.txt": file_of(
        "pylock.toml", ["pypi2nix generate -r requirements.txt"], ALPHA
    ),
    "requirements.nix of pypi2nix generate -r requirements.txt": file_of(
        "requirements.nix", ["pypi2nix generate -r requirements.txt"], ALPHA
    ),
    "requirements_override.nix of pypi2nix generate -r requirements.txt": file_of(
        "requirements_override.nix", ["pypi2nix generate -r requirements.txt"], ALPHA
    ),
    "pypi2nix update gitpkg, after the branch of gitpkg moved": moved_branch,
    f"{TEAM}": output_of(TEAM),
    "requirements.nix of the team's lock": file_of("requirements.nix", [TEAM]),
    "pypi2nix update --dry-run of the team's lock, after newlib 2.1.0 for Python 3.12": (
        team_update
    ),
    "nix-instantiate --eval of the team's requirements.nix given Python 3.13": team_other_python,
    UNIVERSAL: output_of(UNIVERSAL),
    f"{UNIVERSAL} --check, on the files it wrote": universal_check,
    f"requirements.nix of {UNIVERSAL}": file_of("requirements.nix", [UNIVERSAL]),
    f"requirements_frozen.txt of {UNIVERSAL}": file_of("requirements_frozen.txt", [UNIVERSAL]),
    CXX_EVERYWHERE: output_of(CXX_EVERYWHERE),
    "requirements_frozen.txt of pypi2nix generate, with a git and a local source": direct_frozen,
    "tests/golden/generate-source-policy/out/requirements.nix": golden(
        "generate-source-policy", "requirements.nix"
    ),
    "pypi2nix generate -e cxxpkg --no-binary cxxpkg --python 3.11": output_of(
        "pypi2nix generate -e cxxpkg --no-binary cxxpkg --python 3.11"
    ),
    "nix-instantiate --eval of requirements.nix given a python of another version": (wrong_python),
    "pypi2nix generate -e yamlish --python 3.11": output_of(
        "pypi2nix generate -e yamlish --python 3.11"
    ),
    "requirements.nix of pypi2nix generate -e yamlish --build-constraint build-constraints.txt "
    "--python 3.11, build-constraints.txt holding weaver<2": file_of(
        "requirements.nix",
        ["pypi2nix generate -e yamlish --build-constraint build-constraints.txt --python 3.11"],
        {"build-constraints.txt": "weaver<2\n"},
    ),
    "pypi2nix generate -e oldmc --python 3.11": output_of(
        "pypi2nix generate -e oldmc --python 3.11"
    ),
    "requirements.nix of pypi2nix generate -e gpu --python 3.11, gpu a binary wheel "
    "needing libcuda.so.1 and the libcudart.so.12 of its dependency": driver_library,
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
