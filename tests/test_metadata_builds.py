"""Metadata only setup.py knows: the sdist's build backend runs (PEP 517's
prepare_metadata_for_build_wheel), in an isolated environment of its build
requirements locked from wheels, once per sdist; --no-build refuses."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from tests.support import nix, package_block
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "legacy", *arguments])


def test_dependencies_from_running_setup_py(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path) == 0
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert "beta==1.1.0" in frozen  # declared only in setup.py
    assert "# via legacy" in frozen
    error = capsys.readouterr().err
    assert "Metadata read by running the build backend: legacy." in error
    legacy = package_block((tmp_path / "requirements.nix").read_text(), "legacy")
    assert "dependencies = [ self.beta ];" in legacy
    assert '(buildTool "setuptools" [ [ ">=" "40.8.0" ] ]' in legacy


def test_the_built_metadata_is_cached(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    assert generate(tmp_path, "--cache-dir", str(cache), "-q") == 0
    assert len(list((cache / "built").glob("*.json"))) == 1
    (cache / "locks").rename(tmp_path / "old-locks")

    def no_build(*arguments: object, **options: object) -> None:
        raise AssertionError("the build backend ran again")

    monkeypatch.setattr("pypi2nix.backend.MetadataBuilder._build", no_build)
    assert generate(tmp_path, "--cache-dir", str(cache), "-q") == 0


def test_no_build_refuses_naming_the_flag(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "--no-build") == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1
    assert error[0] == (  # as docs/generate.md shows it
        "error: legacy 1.0.0: legacy-1.0.0.tar.gz: its dependencies are only declared in "
        "setup.py, and --no-build forbids running its build backend to read them: run without "
        "--no-build, or use its wheel with --only-binary legacy if it has one"
    )
    assert not (tmp_path / "requirements.nix").exists()


@pytest.mark.nix
def test_it_builds_in_the_stand_in(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    assert generate(tmp_path, "-q") == 0
    code = "import legacy, beta; print(legacy.VERSION)"
    assert nix.run_in_interpreter(tmp_path / "requirements.nix", nixpkgs, code).split() == ["1.0.0"]
