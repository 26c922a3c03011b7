"""Golden files: the output for the fixture index, compared byte for byte.

Each case under ``tests/golden/<case>/`` holds ``args.txt`` (the command's
arguments after the subcommand, one per line; the index and ``--python 3.11`` are
added) and the files the command writes. After a deliberate change of the output,
refresh them with::

    PYPI2NIX_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

and review the diff before committing it.
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from pathlib import Path

import pytest
from packaging.pylock import Pylock

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL, FixtureIndex

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PYPI2NIX_UPDATE_GOLDEN") == "1"
CASES = sorted(path.name for path in GOLDEN.iterdir() if path.is_dir())


def run_case(case: Path, directory: Path) -> dict[str, bytes]:
    """Run the case's command in ``directory``; every file it wrote, by relative path."""
    command, *arguments = (case / "args.txt").read_text().split()
    flags = ["-i", INDEX_URL, "--python", "3.11", "-q"]
    with contextlib.chdir(directory):
        assert main([command, *flags, *arguments]) == 0
    return {
        path.relative_to(directory).as_posix(): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def expected_files(case: Path) -> dict[str, bytes]:
    return {
        path.relative_to(case).as_posix(): path.read_bytes()
        for path in sorted(case.rglob("*"))
        if path.is_file() and path.name != "args.txt"
    }


@pytest.mark.parametrize("name", CASES)
def test_output_matches_golden_files(
    name: str, fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    case = GOLDEN / name
    written = run_case(case, tmp_path)
    if UPDATE:
        for stale in expected_files(case):
            (case / stale).unlink()
        for relative, data in written.items():
            (case / relative).parent.mkdir(parents=True, exist_ok=True)
            (case / relative).write_bytes(data)
    assert written == expected_files(case)


def test_there_are_golden_cases() -> None:
    assert {"generate-fixture-roots", "package-alpha"} <= set(CASES)


@pytest.mark.parametrize("name", [case for case in CASES if case.startswith("generate-")])
def test_golden_pylock_files_are_valid_pep_751(name: str) -> None:
    """What ``generate`` writes is checked by packaging's own reader here, not at run
    time (validation is a tenth of a cached run)."""
    document = tomllib.loads((GOLDEN / name / "out" / "pylock.toml").read_text())
    lock = Pylock.from_dict(document)
    assert lock.packages
