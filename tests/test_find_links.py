"""Files on no index: a ``--find-links`` folder (on the command line or in a
requirements file) and a ``file:`` index URL. Their files are pinned with their
sha256 and written as local paths (relative to the output folder when inside it,
else absolute with a comment), never fetched over the network."""

from __future__ import annotations

import contextlib
import hashlib
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from tests.support import nix, package_block
from tests.support.fixture_index import FIXTURES, INDEX_URL, build_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

WHEEL = "housekit-1.0.0-py3-none-any.whl"


def wheelhouse(folder: Path) -> str:
    """A folder holding housekit's wheel (on no index); the wheel's sha256."""
    folder.mkdir(parents=True)
    data = build_wheel(FIXTURES / "packages" / "housekit-1.0.0", WHEEL)
    (folder / WHEEL).write_bytes(data)
    (folder / "notes.txt").write_text("not a release\n")
    return hashlib.sha256(data).hexdigest()


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "--python", "3.11", "-q", *arguments])


def test_a_find_links_folder_inside_the_project(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    digest = wheelhouse(tmp_path / "wheels")
    assert generate(tmp_path, "-i", INDEX_URL, "-f", "wheels", "-e", "housekit") == 0
    block = package_block((tmp_path / "requirements.nix").read_text(), "housekit")
    assert "path = ./wheels/housekit-1.0.0-py3-none-any.whl;" in block
    assert f'sha256 = "{digest}";' in block
    assert "recursive = false;" in block
    assert "dependencies = [ self.beta ];" in block
    assert "Outside the output folder" not in block
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert f"housekit==1.0.0 \\\n    --hash=sha256:{digest}" in frozen
    # The index is asked for its page of housekit (it has none); no file is fetched.
    asked = [url for url in fixture_index.requests if "housekit" in url]
    assert asked == [f"{INDEX_URL}housekit/"]


def test_a_folder_outside_the_output_folder_is_absolute(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    wheelhouse(tmp_path / "srv" / "wheels")
    project = tmp_path / "project"
    project.mkdir()
    requirements = project / "requirements.txt"
    requirements.write_text("--find-links ../srv/wheels\nhousekit\n")  # relative to the file
    assert generate(project, "-i", INDEX_URL, "-r", "requirements.txt") == 0
    text = (project / "requirements.nix").read_text()
    assert (
        "# Outside the output folder: this lock builds on this machine only.\n"
        "        src = builtins.path {\n"
        f"          path = {tmp_path}/srv/wheels/housekit-1.0.0-py3-none-any.whl;"
    ) in text


def test_a_file_index_url(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    """A folder laid out as the Simple API (a folder per project), as the main index;
    beta comes from the extra index."""
    digest = wheelhouse(tmp_path / "index" / "housekit")
    index_url = (tmp_path / "index").as_uri() + "/"
    arguments = ["-i", index_url, "--extra-index-url", INDEX_URL, "-e", "housekit"]
    assert generate(tmp_path, *arguments) == 0
    block = package_block((tmp_path / "requirements.nix").read_text(), "housekit")
    assert "path = ./index/housekit/housekit-1.0.0-py3-none-any.whl;" in block
    assert f'sha256 = "{digest}";' in block


def test_find_links_names_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert generate(tmp_path, "-f", "missing", "-e", "housekit") == 2
    assert "error: --find-links missing: no such folder" in capsys.readouterr().err


@pytest.mark.nix
def test_it_builds_from_the_folder(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    wheelhouse(tmp_path / "wheels")
    assert generate(tmp_path, "-i", INDEX_URL, "-f", "wheels", "-e", "housekit") == 0
    code = "import housekit, beta; print(housekit.__doc__)"
    printed = nix.run_in_interpreter(tmp_path / "requirements.nix", nixpkgs, code)
    assert printed.strip() == "Housekit, from a wheelhouse."
