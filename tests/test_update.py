"""Keeping and moving pins: ``generate`` again, ``update``, ``update NAME``, ``--dry-run``.

The fixture index gains releases between two runs: alpha 1.1.0, gamma 2.2.0, and
beta 1.2.0, which needs gamma>=2.2.
"""

from __future__ import annotations

import base64
import contextlib
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from packaging.utils import NormalizedName
from packaging.version import Version

from pypi2nix.arguments import recorded_words
from pypi2nix.cli import main
from pypi2nix.lock.changes import changes_table, compare_pins
from pypi2nix.lock.pylock import read_pylock
from tests.support.fixture_index import FIXTURES, INDEX_URL, IndexFile, build_sdist
from tests.support.local_index import local_index

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

OUTPUTS = (
    "requirements.nix",
    "requirements_frozen.txt",
    "requirements_override.nix",
    "pylock.toml",
)
FIRST_PINS = {"alpha": "1.0.0", "beta": "1.1.0", "gamma": "2.0.0", "setuptools": "84.2.1"}


def run(directory: Path, *arguments: str) -> int:
    with contextlib.chdir(directory):
        return main([*arguments, "--no-cache"])


def pins(directory: Path) -> dict[str, str]:
    state = read_pylock(directory / "pylock.toml")
    return {name: str(version) for name, version in state.pins.items()}


def snapshot(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in OUTPUTS}


def release(tmp_path: Path, name: str, version: str, requires: list[str]) -> IndexFile:
    """An sdist of a tiny setuptools project with static metadata."""
    tree = tmp_path / "trees" / f"{name}-{version}"
    (tree / name).mkdir(parents=True)
    (tree / name / "__init__.py").write_text(f'VERSION = "{version}"\n')
    requires_dist = "".join(f"Requires-Dist: {requirement}\n" for requirement in requires)
    (tree / "PKG-INFO").write_text(
        f"Metadata-Version: 2.2\nName: {name}\nVersion: {version}\nSummary: {name}\n{requires_dist}"
    )
    (tree / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\ndependencies = {requires!r}\n'.replace(
            "'", '"'
        )
    )
    filename = f"{name}-{version}.tar.gz"
    return IndexFile(project=name, filename=filename, data=build_sdist(tree, filename))


@pytest.fixture
def locked(fixture_index: FixtureIndex, tmp_path: Path) -> Path:
    """A first lock of ``alpha``; then the index gains new releases."""
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "requirements.txt").write_text("alpha\n")
    arguments = ["generate", "-r", "requirements.txt", "-i", INDEX_URL, "--python", "3.11", "-q"]
    assert run(directory, *arguments) == 0
    assert pins(directory) == FIRST_PINS
    fixture_index.files += [
        release(tmp_path, "alpha", "1.1.0", ["beta>=1.0", "setuptools>=40"]),
        release(tmp_path, "gamma", "2.2.0", []),
        release(tmp_path, "beta", "1.2.0", ["gamma>=2.2"]),
    ]
    return directory


def test_the_lock_records_its_inputs(locked: Path) -> None:
    inputs = read_pylock(locked / "pylock.toml").inputs
    assert inputs is not None
    assert inputs["requirement_files"] == ["requirements.txt"]
    command = [
        "pypi2nix", "generate", "-r", "requirements.txt",
        "--python", "3.11", "--system", "x86_64-linux", "--index-url", INDEX_URL,
    ]  # fmt: skip
    assert recorded_words(inputs) == command
    frozen = (locked / "requirements_frozen.txt").read_text()
    assert f"# Inputs, relative to this file: {' '.join(command)}\n" in frozen


def test_generate_again_keeps_the_pins(locked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(locked)
    arguments = ["generate", "-r", "requirements.txt", "-i", INDEX_URL, "--python", "3.11"]
    assert run(locked, *arguments, "--refresh") == 0
    assert snapshot(locked) == before
    assert "Pins changed" not in capsys.readouterr().err


def test_generate_without_the_earlier_lock_takes_the_newest(locked: Path) -> None:
    (locked / "pylock.toml").unlink()
    arguments = ["generate", "-r", "requirements.txt", "-i", INDEX_URL, "--python", "3.11", "-q"]
    assert run(locked, *arguments) == 0
    assert pins(locked) == {**FIRST_PINS, "alpha": "1.1.0", "beta": "1.2.0", "gamma": "2.2.0"}


def test_update_one_name_moves_it_and_what_it_forces(
    locked: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    override = (locked / "requirements_override.nix").read_bytes()
    assert run(locked, "update", "beta") == 0
    assert pins(locked) == {**FIRST_PINS, "beta": "1.2.0", "gamma": "2.2.0"}  # alpha stays
    out = capsys.readouterr().out
    assert out == (
        "Upgraded:\n  beta   1.1.0 -> 1.2.0\n  gamma  2.0.0 -> 2.2.0  (forced by the update)\n"
    )
    assert (locked / "requirements_override.nix").read_bytes() == override
    nix = (locked / "requirements.nix").read_text()
    assert 'version = "1.2.0";' in nix


def test_update_moves_every_pin(locked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(locked, "update") == 0
    assert pins(locked) == {**FIRST_PINS, "alpha": "1.1.0", "beta": "1.2.0", "gamma": "2.2.0"}
    assert capsys.readouterr().out == (
        "Upgraded:\n  alpha  1.0.0 -> 1.1.0\n  beta   1.1.0 -> 1.2.0\n  gamma  2.0.0 -> 2.2.0\n"
    )


def test_dry_run_writes_nothing(locked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(locked)
    assert run(locked, "update", "--dry-run") == 0
    assert snapshot(locked) == before
    captured = capsys.readouterr()
    assert "alpha  1.0.0 -> 1.1.0" in captured.out
    assert "Dry run: nothing was written; it would write requirements.nix," in captured.err


def test_update_in_another_directory(locked: Path, tmp_path: Path) -> None:
    """The recorded paths are relative to the lock, not to where update runs."""
    assert run(tmp_path, "update", "gamma", "-O", str(locked), "-q") == 0
    assert pins(locked) == {**FIRST_PINS, "gamma": "2.2.0"}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["update", "nope"], "not pinned in pylock.toml: nope"),
        (["update", "--basename", "other"], "pylock.other.toml not found"),
    ],
)
def test_update_errors(
    locked: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    before = snapshot(locked)
    assert run(locked, *arguments) == (2 if "not pinned" in message else 1)
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(locked) == before


def test_update_needs_the_recorded_inputs(locked: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pylock = locked / "pylock.toml"
    text = pylock.read_text()
    pylock.write_text(text[: text.index("[tool.pypi2nix")])
    assert run(locked, "update") == 1
    assert "does not record the inputs that made it" in capsys.readouterr().err


def test_changes_table_groups() -> None:
    def versions(**items: str) -> dict[NormalizedName, Version]:
        return {NormalizedName(name): Version(version) for name, version in items.items()}

    changes = compare_pins(
        versions(a="1", b="2", c="3", d="1"), versions(a="1", b="3", c="2", e="1")
    )
    assert changes_table(changes) == [
        "Added:",
        "  e  (none) -> 1",
        "Removed:",
        "  d  1 -> (none)",
        "Upgraded:",
        "  b  2 -> 3",
        "Downgraded:",
        "  c  3 -> 2",
    ]
    assert changes_table(compare_pins(versions(a="1"), versions(a="1"))) == ["No pin changed."]


def test_the_frozen_file_installs_with_pip(
    locked: Path, fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    """``pip install --require-hashes --no-deps --dry-run`` accepts every pin and hash,
    served by a local index with the fixture files (and the build backends pip needs)."""
    assert run(locked, "update", "-q") == 0
    flit_core = FIXTURES / "real" / "flit_core-4.2.0-py3-none-any.whl"
    served = [*fixture_index.files, IndexFile("flit-core", flit_core.name, flit_core.read_bytes())]
    with local_index(served) as url:
        frozen = (locked / "requirements_frozen.txt").read_text()
        local = tmp_path / "frozen-local.txt"
        local.write_text(frozen.replace(f"--index-url {INDEX_URL}", f"--index-url {url}"))
        environment = {**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
             "--require-hashes", "--disable-pip-version-check", "--index-url", url,
             "-r", str(local)],
            capture_output=True, text=True, env=environment, check=False, timeout=300,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Would install alpha-1.1.0 beta-1.2.0 gamma-2.2.0 setuptools-84.2.1" in result.stdout


def test_update_takes_the_password_from_the_environment(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_password = INDEX_URL.replace("https://", "https://user:secret@")
    arguments = ["generate", "-e", "gamma", "-i", with_password, "--python", "3.11", "-q"]
    assert run(tmp_path, *arguments) == 0
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert "secret" not in frozen
    assert f"--index-url {INDEX_URL}" in frozen
    monkeypatch.setenv("PIP_INDEX_URL", with_password)
    fixture_index.requests.clear()
    fixture_index.page_authorizations.clear()
    assert run(tmp_path, "update", "-q") == 0
    pages = [url for url in fixture_index.requests if "/simple/" in url]
    assert pages == [INDEX_URL + "gamma/"]  # its wheel needs no build tool
    basic = "Basic " + base64.b64encode(b"user:secret").decode()
    assert fixture_index.page_authorizations == [basic]
    assert "secret" not in (tmp_path / "requirements_frozen.txt").read_text()
