"""The error lines docs/generate.md shows are the ones pypi2nix prints: each is made
here against the fixture index (``...`` in the docs stands for a hash or a path)."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from tests.support.fixture_index import FixtureIndex

DOCS = Path(__file__).resolve().parents[1] / "docs" / "generate.md"
BASE = ["generate", "-i", INDEX_URL, "--python", "3.11", "-O", "out"]

# (arguments after BASE, requirements.txt, other files)
CASES: list[tuple[list[str], str | None, dict[str, str]]] = [
    (["-e", "reqeusts"], None, {}),
    (["-e", "gamma==0.0.0"], None, {}),
    (["-e", "gamma>=3"], None, {}),
    (["-e", "beta", "--only-binary", "beta"], None, {}),
    (["-e", "alpha", "--no-binary", "Alpha", "--only-binary", "alpha,beta"], None, {}),
    (["-e", "gamma<2", "-e", "beta"], None, {}),
    (["-r", "requirements.txt"], "six\nflask ==\n", {}),
    (["-r", "requirements.txt"], "# git\n\n\n\n\n\ngit+https://example.test/x.git\n", {}),
    (["-r", "requirements.txt"], "svn://example.test/x\n", {}),
    (
        ["-r", "requirements.txt", "--no-build"],
        "./libs/foo\n",
        {"libs/foo/pyproject.toml": '[project]\nname = "foo"\ndynamic = ["version"]\n'},
    ),
    (["-e", "yamlish"], None, {}),
    (["-e", "oldmc"], None, {}),
    (["-r", "requirements.txt"], "yamlish\n--build-constraint bc.txt\n", {}),
]


def docs_lines() -> list[str]:
    text = DOCS.read_text()
    block = text[text.index("## Errors") :]
    block = block[block.index("```\n") + 4 :]
    return block[: block.index("```")].strip().splitlines()


@pytest.mark.parametrize(("arguments", "requirements", "files"), CASES)
def test_the_docs_show_the_line_printed(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    requirements: str | None,
    files: dict[str, str],
) -> None:
    if requirements is not None:
        (tmp_path / "requirements.txt").write_text(requirements)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    with contextlib.chdir(tmp_path):
        assert main([*BASE, *arguments]) != 0
    printed = capsys.readouterr().err.strip().replace(str(tmp_path), "/home/me/app")
    assert any(shows(line, printed) for line in docs_lines()), printed


def shows(line: str, printed: str) -> bool:
    """Whether a line of the docs is the printed one, ``...`` standing for anything."""
    pattern = ".+".join(re.escape(part) for part in line.split("..."))
    return re.fullmatch(pattern, printed) is not None


def test_every_line_shown_is_made_by_a_test() -> None:
    """The lines this file does not make are made (with the same words) elsewhere."""
    elsewhere = {
        "not a Simple API page": Path("tests/test_index_url_hints.py"),
        "legacy 1.0.0: legacy-1.0.0.tar.gz": Path("tests/test_metadata_builds.py"),
        "hash mismatch for": Path("tests/test_direct_sources.py"),
        "cannot fetch": Path("tests/test_index_faults.py"),
    }
    root = DOCS.parents[1]
    for line in docs_lines():
        owner = next((path for start, path in elsewhere.items() if start in line), None)
        if owner is not None:
            assert re.sub(r"^error: ", "", line).split(" ")[0] in (root / owner).read_text()
