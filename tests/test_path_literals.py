"""Local paths in the output are Nix path expressions that parse and name the right
folder: ``./.``, ``../.``, ``./a/b``, and paths a path literal cannot hold."""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from pypi2nix.cli import main
from pypi2nix.nix.escape import nix_relative_path
from tests.support import nix
from tests.support.fixture_index import INDEX_URL
from tests.test_direct_sources import project

if TYPE_CHECKING:
    from tests.support.fixture_index import FixtureIndex

# Folder names: the characters of a path literal, and some it cannot hold.
segments = st.one_of(
    st.sampled_from([".", "..", "a", "a b", "a+b", "-x", "...", "ü", "${x}", 'q"', "a\\b"]),
    st.text(
        alphabet=st.characters(codec="utf-8", blacklist_characters="/\0"), min_size=1, max_size=6
    ),
)


@pytest.mark.nix
@pytest.mark.fuzz
@given(st.lists(st.lists(segments, max_size=4), min_size=1, max_size=12))
@example([[], [".."], ["..", ".."], ["a", "b"], ["..", "a b"], ["a b", ".."], ["..", "-x"]])
def test_relative_paths_are_nix_paths_to_the_same_folder(paths: list[list[str]]) -> None:
    nix.require_nix()
    relatives = [posixpath.normpath("/".join(segments) or ".") for segments in paths]
    expression = "[ " + " ".join(f"({nix_relative_path(r)})" for r in relatives) + " ]"
    nix.run("nix-instantiate", "--parse", "--expr", expression)
    with tempfile.TemporaryDirectory() as temporary:
        base = os.path.join(os.path.realpath(temporary), "out", "dir")
        os.makedirs(base)
        # A relative path literal in --expr is read against the working directory.
        output = nix.run(
            "nix-instantiate", "--eval", "--strict", "--json", "--expr",
            f"map toString {expression}", cwd=Path(base),
        )  # fmt: skip
    assert json.loads(output) == [posixpath.normpath(posixpath.join(base, r)) for r in relatives]


@pytest.mark.nix
@pytest.mark.parametrize(
    ("run_in", "arguments", "expected"),
    [
        ("app", ["--pyproject", "-O", "nix"], "../."),
        ("app", ["-e", ".", "-O", "sub"], "../."),
        ("app/nix", ["-e", ".."], "../."),
        ("app", ["-e", "."], "./."),
        (".", ["-e", "./app", "-O", "deep/er"], "../../app"),
        ("app/nix", ["-e", "..", "-O", "out dir"], "../.."),
    ],
)
def test_a_local_project_anywhere_around_the_output_folder(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    run_in: str,
    arguments: list[str],
    expected: str,
) -> None:
    nix.require_nix()
    project(tmp_path / "app", "localpkg", "0.3.0", ["beta"])
    (tmp_path / "app" / "nix").mkdir()
    with contextlib.chdir(tmp_path / run_in):
        assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", *arguments]) == 0
        output = Path(arguments[arguments.index("-O") + 1]) if "-O" in arguments else Path()
        text = (output / "requirements.nix").read_text()
    assert f"src = lib.cleanSource {expected};" in text
    nix.run("nix-instantiate", "--parse", str(tmp_path / run_in / output / "requirements.nix"))
