"""``pypi2nix tree``: the lock drawn from its pylock.toml alone, and the blocks of
docs/tree.md that show it."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import tomllib
from typing import TYPE_CHECKING, Any

import pytest
import tomli_w
from packaging.pylock import Pylock

from pypi2nix.cli import main
from pypi2nix.commands import memo
from pypi2nix.commands import tree as tree_command
from pypi2nix.lock import pylock
from pypi2nix.lock.tree import dependency_tree, inverted_tree, unreached
from pypi2nix.target import Target
from tests.support.doc_blocks import ROOT, blocks, shows
from tests.test_direct_sources import generate as generate_sources
from tests.test_direct_sources import sources
from tests.test_universal import lock_teamapp

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.utils import NormalizedName

    from tests.support.fixture_index import FixtureIndex

__all__ = ["sources"]  # the fixture of the direct-source tests, used here too

DOCS = ROOT / "docs" / "tree.md"
PRODUCER = "tests/test_tree.py"
INDEX = "https://index.example.test/simple/"
ROOTS = ["-e", "alpha[fast]", "-e", "beta", "-e", "cyc-a", "-e", "zeta-util", "-e", "hpcpkg"]


def run(folder: Path, command: str) -> tuple[int, str, str]:
    """Exit status, standard output and standard error of a ``pypi2nix`` command."""
    out, err = io.StringIO(), io.StringIO()
    arguments = shlex.split(command)
    assert arguments[0] == "pypi2nix"
    with contextlib.chdir(folder), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(arguments[1:])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def locked(fixture_index: FixtureIndex, tmp_path: Path) -> Path:
    """A lock of the fixture index in tmp_path/app: a root needed by another root, a
    broken cycle, a binary wheel with system libraries, wheels and sdists."""
    folder = tmp_path / "app"
    folder.mkdir()
    with contextlib.chdir(folder):
        assert main(["generate", "-i", INDEX, "--python", "3.11", "-q", *ROOTS]) == 0
    return folder


EXPECTED_TREE = """\
alpha[fast] v1.0.0 (wheel)
├── beta v1.1.0 (sdist)
│   └── gamma v2.0.0 (wheel)
├── epsilon v0.5.0 (sdist)
└── setuptools v84.2.1 (wheel)
beta v1.1.0 (sdist) (*)
cyc-a v1.0.0 (sdist)
└── cyc-b v1.0.0 (sdist)
hpcpkg v1.0.0 (wheel; native: libfabric, rdma-core)
zeta-util v0.1.0 (sdist)
└── gamma v2.0.0 (wheel)
"""


def test_the_tree_of_a_lock(locked: Path) -> None:
    status, out, err = run(locked, "pypi2nix tree")
    assert (status, err) == (0, "")
    assert out == EXPECTED_TREE


def test_the_tree_needs_only_the_lock(locked: Path, tmp_path: Path) -> None:
    """No index, no cache, no other output file: a checkout with only pylock.toml."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "pylock.toml").write_bytes((locked / "pylock.toml").read_bytes())
    assert run(checkout, "pypi2nix tree") == (0, EXPECTED_TREE, "")


def test_depth_cuts_the_levels(locked: Path) -> None:
    assert run(locked, "pypi2nix tree --depth 0")[1] == (
        "alpha[fast] v1.0.0 (wheel)\nbeta v1.1.0 (sdist)\ncyc-a v1.0.0 (sdist)\n"
        "hpcpkg v1.0.0 (wheel; native: libfabric, rdma-core)\nzeta-util v0.1.0 (sdist)\n"
    )
    # beta is not drawn below alpha at depth 1: it is drawn as a top-level requirement
    assert run(locked, "pypi2nix tree --depth 1")[1] == (
        "alpha[fast] v1.0.0 (wheel)\n"
        "├── beta v1.1.0 (sdist)\n"
        "├── epsilon v0.5.0 (sdist)\n"
        "└── setuptools v84.2.1 (wheel)\n"
        "beta v1.1.0 (sdist)\n"
        "└── gamma v2.0.0 (wheel)\n"
        "cyc-a v1.0.0 (sdist)\n"
        "└── cyc-b v1.0.0 (sdist)\n"
        "hpcpkg v1.0.0 (wheel; native: libfabric, rdma-core)\n"
        "zeta-util v0.1.0 (sdist)\n"
        "└── gamma v2.0.0 (wheel)\n"
    )


def test_invert_shows_every_path_to_the_top_level(locked: Path) -> None:
    status, out, _ = run(locked, "pypi2nix tree --invert Gamma")
    assert status == 0
    assert out == (
        "gamma v2.0.0 (wheel)\n"
        "├── beta v1.1.0 (sdist) [top-level]\n"
        "│   └── alpha[fast] v1.0.0 (wheel) [top-level]\n"
        "└── zeta-util v0.1.0 (sdist) [top-level]\n"
    )
    assert run(locked, "pypi2nix tree --invert gamma --depth 0")[1] == "gamma v2.0.0 (wheel)\n"


@pytest.mark.parametrize(
    ("command", "status", "message"),
    [
        ("pypi2nix tree --invert gama", 2, "error: gama is not pinned in pylock.toml for "
         "Python 3.11 on x86_64-linux; did you mean gamma?"),
        ("pypi2nix tree --invert 'gamma>=1'", 2, "error: --invert takes a project name, "
         "not 'gamma>=1'"),
        ("pypi2nix tree --python 3.12", 2, "error: the lock was made for Python 3.11 on "
         "x86_64-linux, not for Python 3.12: choose one of those with --python and --system"),
        ("pypi2nix tree --system plan9", 2, "error: unsupported system 'plan9'; choose one of "
         "x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin"),
        ("pypi2nix tree --depth -1", 2, "error: argument --depth/-d: invalid depth value: "
         "'-1' (see 'pypi2nix tree --help')"),
        ("pypi2nix tree --basename other", 1, "error: no lock in .: pylock.other.toml not "
         "found; 'pypi2nix generate' writes it (give -O and --basename as generate was "
         "given them)"),
    ],
)  # fmt: skip
def test_errors_are_one_line(locked: Path, command: str, status: int, message: str) -> None:
    assert run(locked, command) == (status, "", message + "\n")


def test_no_lock_says_which_command_writes_one(tmp_path: Path) -> None:
    status, out, err = run(tmp_path, "pypi2nix tree -O nix")
    assert (status, out) == (1, "")
    assert err == (
        "error: no lock in nix: nix/pylock.toml not found; 'pypi2nix generate' writes it "
        "(give -O and --basename as generate was given them)\n"
    )


def test_a_lock_without_the_graph_is_named(locked: Path) -> None:
    """A lock written by another tool (or before the graph was recorded)."""
    document = tomllib.loads((locked / "pylock.toml").read_text())
    for package in document["packages"]:
        del package["tool"]
    (locked / "pylock.toml").write_text(tomli_w.dumps(document))
    status, _, err = run(locked, "pypi2nix tree")
    assert status == 1
    assert err == (
        "error: pylock.toml does not record the lock's graph (it was written by another "
        "tool or an earlier pypi2nix): run 'pypi2nix generate' there again\n"
    )


def test_the_recorded_graph_is_a_valid_pep_751_lock(locked: Path) -> None:
    document = tomllib.loads((locked / "pylock.toml").read_text())
    lock = Pylock.from_dict(document)
    assert lock.tool is not None
    assert lock.tool["pypi2nix"]["roots"] == ["alpha", "beta", "cyc-a", "hpcpkg", "zeta-util"]
    hpcpkg = next(package for package in lock.packages if package.name == "hpcpkg")
    assert hpcpkg.tool == {
        "pypi2nix": {
            "builds": [
                {
                    "file": "hpcpkg-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl",
                    "libraries": ["libfabric.so.1", "libibverbs.so.1"],
                }
            ]
        }
    }


def test_each_target_of_a_lock_has_its_tree(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert lock_teamapp(tmp_path, "-q") == 0
    status, out, err = run(tmp_path, "pypi2nix tree --python 3.11 --system x86_64-darwin")
    assert status == 0
    assert out == (
        "teamapp v1.0.0 (wheel)\n├── macshim v1.0.0 (wheel)\n└── newlib v1.0.0 (wheel)\n"
    )
    assert err == (
        "Python 3.11 on x86_64-darwin, of the lock's 8 targets (choose another with "
        "--python and --system)\n"
    )
    assert "newlib v2.0.0" in run(tmp_path, "pypi2nix tree --python 3.12")[1]
    # by default the machine's target where the lock has it, else one of its system
    monkeypatch.setattr(tree_command, "host_target", lambda _: Target("3.12", "aarch64-linux"))
    assert run(tmp_path, "pypi2nix tree")[1] == (
        "teamapp v1.0.0 (wheel)\n├── linuxonly v1.0.0 (wheel)\n└── newlib v2.0.0 (wheel)\n"
    )
    monkeypatch.setattr(tree_command, "host_target", lambda _: Target("3.14", "x86_64-darwin"))
    assert run(tmp_path, "pypi2nix tree")[2].startswith("Python 3.12 on x86_64-darwin,")


def test_direct_sources_are_named(sources: dict[str, Any]) -> None:
    assert generate_sources(sources["work"]) == 0
    out = run(sources["work"], "pypi2nix tree -O out")[1]
    for line in ("gitpkg v1.2.0 (git)", "localpkg v0.3.0 (local)", "urlpkg v1.0 (url)"):
        assert f"\n{line}\n" in out


def test_repeated_subtrees_and_cycles_are_drawn_once() -> None:
    def name(text: str) -> NormalizedName:
        return text  # type: ignore[return-value]

    edges = {name("a"): [name("b"), name("c")], name("b"): [name("c")], name("c"): [name("a")]}
    lines = dependency_tree([name("a"), name("c")], edges, str)
    assert lines == ["a", "├── b", "│   └── c", "│       └── a (*)", "└── c (*)", "c (*)"]
    up = inverted_tree(name("c"), [name("a")], {name("a"): [name("c")]}, str)
    assert up == ["c", "└── a [top-level]"]
    pins = [name("a"), name("b"), name("c"), name("d")]
    assert unreached([name("b")], edges, pins) == ["d"]
    assert unreached([name("b"), name("d")], edges, pins) == []


def test_files_written_before_the_graph_are_written_again(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached lock whose files are current is not rendered again; files of an
    earlier render format (a pylock.toml without the graph) are not current."""
    folder = tmp_path / "app"
    folder.mkdir()

    def lock() -> None:
        with contextlib.chdir(folder):
            assert main(["generate", "-i", INDEX, "--python", "3.11", "-q", *ROOTS]) == 0

    with monkeypatch.context() as before:
        before.setattr(pylock, "builds_record", lambda group, dependencies: {})
        before.setattr(pylock, "roots_record", lambda graphs: {})
        before.setattr(memo, "RENDER_FORMAT", memo.RENDER_FORMAT - 1)
        lock()
    assert "builds" not in (folder / "pylock.toml").read_text()
    lock()  # the lock from the cache, the files from its memo
    assert run(folder, "pypi2nix tree") == (0, EXPECTED_TREE, "")


def test_help_explains() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["tree", "--help"])
    text = " ".join(out.getvalue().split())
    for words in ("pylock.toml", "no network", "--invert NAME", "--depth N", "(*)", "--python"):
        assert words in text


# The blocks of docs/tree.md, each made by the command it shows, in the folder the
# `locked` fixture made.
def doc_blocks() -> list[Any]:
    return [
        block
        for block in blocks(DOCS)
        if block.marker is not None and block.marker.producer == PRODUCER
    ]


@pytest.mark.parametrize("block", doc_blocks(), ids=lambda block: block.where)
def test_the_docs_show_what_tree_prints(block: Any, locked: Path) -> None:
    command = block.marker.what
    assert re.fullmatch(r"pypi2nix tree[^;]*", command), command
    _, out, err = run(locked, command)
    assert shows(block.text, f"$ {command}\n{out}{err}", excerpt=block.marker.excerpt)


def test_the_docs_have_blocks_of_tree() -> None:
    assert len(doc_blocks()) >= 3
