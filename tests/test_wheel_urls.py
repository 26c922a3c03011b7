"""A wheel's URL never depends on the python_version recorded at its upload.

fetchPypi asks for a wheel at the files host's redirect path
``packages/<python_version>/<letter>/<name>/<file>``, which the host answers only
with the python_version recorded at upload: a value the index does not give, and not
always the wheel's own tag. The fixture wheel of binpkg (tagged cp311) is recorded as
uploaded with ``py3``, and the stand-in answers as the host does.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from pypi2nix.nix.hashes import sri_sha256
from tests.support import nix, package_block
from tests.support.fixture_index import FILES_ORIGIN, INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex, IndexFile

pytestmark = pytest.mark.nix
BINPKG = "binpkg-1.0.0-cp311-cp311-manylinux_2_17_x86_64.whl"


def binpkg(fixture_files: list[IndexFile]) -> IndexFile:
    (file,) = [file for file in fixture_files if file.filename == BINPKG]
    return file


def fetch_pypi(file: IndexFile, dist: str) -> str:
    """The ``src`` pypi2nix wrote for this wheel before: fetchPypi with its tags."""
    hash_ = sri_sha256(bytes.fromhex(file.sha256))
    return (
        f'pkgs.fetchPypi {{ pname = "binpkg"; version = "1.0.0"; format = "wheel"; '
        f'dist = "{dist}"; python = "cp311"; abi = "cp311"; '
        f'platform = "manylinux_2_17_x86_64"; hash = "{hash_}"; }}'
    )


def with_pkgs(nixpkgs: Path, expression: str) -> str:
    return f"let pkgs = import {nixpkgs} {{ }}; in {expression}"


def test_the_stand_in_answers_a_wheel_as_the_files_host_does(
    nixpkgs: Path, fixture_files: list[IndexFile]
) -> None:
    file = binpkg(fixture_files)
    old = f"{FILES_ORIGIN}/packages/cp311/b/binpkg/{BINPKG}"
    error = nix.evaluation_error(with_pkgs(nixpkgs, f"({fetch_pypi(file, 'cp311')}).outPath"))
    assert f"404: {old}" in error
    # The redirect path with the python_version of the upload is answered.
    fetched = nix.build(with_pkgs(nixpkgs, fetch_pypi(file, "py3")))
    assert fetched.name.endswith(BINPKG)
    exact = f'pkgs.fetchurl {{ url = "{file.url}"; hash = "{sri_sha256(bytes.fromhex(file.sha256))}"; }}'
    assert nix.build(with_pkgs(nixpkgs, exact)) == fetched


def test_an_unknown_url_is_a_404(nixpkgs: Path, fixture_files: list[IndexFile]) -> None:
    file = binpkg(fixture_files)
    url = file.url.replace(BINPKG, "binpkg-9.9.9-cp311-cp311-manylinux_2_17_x86_64.whl")
    hash_ = sri_sha256(bytes.fromhex(file.sha256))
    error = nix.evaluation_error(
        with_pkgs(nixpkgs, f'(pkgs.fetchurl {{ url = "{url}"; hash = "{hash_}"; }}).outPath')
    )
    assert f"404: {url}" in error


@pytest.mark.parametrize("fetcher", ["auto", "fetchpypi"])
def test_a_wheel_gets_its_exact_url_and_builds(
    fixture_index: FixtureIndex,
    fixture_files: list[IndexFile],
    nixpkgs: Path,
    tmp_path: Path,
    fetcher: str,
) -> None:
    with contextlib.chdir(tmp_path):
        arguments = ["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "binpkg", "-q"]
        assert main([*arguments, "--fetcher", fetcher]) == 0
    output = nix.run_in_interpreter(
        tmp_path / "requirements.nix", nixpkgs, "import binpkg; print(binpkg.VERSION)"
    )
    assert output.split() == ["1.0.0"]
    block = package_block((tmp_path / "requirements.nix").read_text(), "binpkg")
    assert "fetchPypi" not in block
    assert f'src = fetchurl {{\n        url = "{binpkg(fixture_files).url}";' in block
