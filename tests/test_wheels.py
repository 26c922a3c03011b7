"""Pins built from wheels: releases without an sdist, and ``--prefer-wheels``."""

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
        return main(
            ["generate", "-i", INDEX_URL, "--python", "3.11", "--fetcher", "fetchpypi", *arguments]
        )


def package_text(text: str, name: str) -> str:
    return package_block(text, name)


def test_wheel_only_releases(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "-e", "omega", "-e", "binpkg") == 0
    text = (tmp_path / "requirements.nix").read_text()
    omega = package_text(text, "omega")
    assert 'format = "wheel";' in omega
    # From the exact URL, even with --fetcher fetchpypi (see tests/test_wheel_urls.py).
    assert '      src = fetchurl {\n        url = "https://files.example.test/packages/' in omega
    assert "build-system" not in omega
    assert "autoPatchelfHook" not in omega
    binary = package_text(text, "binpkg")
    assert "fetchPypi" not in binary
    assert "nativeBuildInputs = [ pkgs.autoPatchelfHook ];" in binary
    assert "# A binary wheel: autoPatchelfHook" in binary
    err = capsys.readouterr().err
    assert ": 0 from source, 3 from wheels (1 with compiled code), in " in err


def test_wheels_come_first_and_prefer_wheels_is_a_no_op(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert generate(tmp_path / "a", "-e", "alpha", "-q") == 0
    text = (tmp_path / "a" / "requirements.nix").read_text()
    assert 'format = "wheel";' in package_text(text, "alpha")
    assert "pyproject = true;" in package_text(text, "beta")  # it has no wheel
    assert generate(tmp_path / "b", "-e", "alpha", "--prefer-wheels") == 0
    assert "note: --prefer-wheels has no effect" in capsys.readouterr().err
    for name in ("requirements.nix", "requirements_frozen.txt", "pylock.toml"):
        assert (tmp_path / "b" / name).read_text() == (tmp_path / "a" / name).read_text()


def test_no_wheel_for_the_target(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.chdir(tmp_path):
        assert main(["generate", "-i", INDEX_URL, "-e", "binpkg", "--python", "3.12"]) == 1
    assert "has no file for Python 3.12 on x86_64-linux" in capsys.readouterr().err


@pytest.mark.nix
def test_wheels_evaluate_and_install(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    assert generate(tmp_path, "-e", "omega", "-e", "binpkg", "-e", "alpha", "-q") == 0
    evaluated = nix.evaluate(
        f"let pkgs = import {nixpkgs} {{ }}; r = import {tmp_path}/requirements.nix {{ inherit pkgs; }}; in "
        "map (p: p.name) r.packages.binpkg.nativeBuildInputs"
    )
    assert evaluated == ["auto-patchelf-hook"]
    code = "import omega, binpkg, alpha; print(omega.VERSION, binpkg.VERSION)"
    output = nix.run_in_interpreter(tmp_path / "requirements.nix", nixpkgs, code)
    assert output.split() == ["1.0.0", "1.0.0"]
