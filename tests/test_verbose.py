"""What ``-v`` and ``-vv`` add, as docs/generate.md says."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from tests.support.fixture_index import FixtureIndex


def test_verbose_names_the_pins_and_very_verbose_every_request(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ["generate", "-e", "alpha", "-e", "gamma; sys_platform == 'win32'"]
    arguments += ["-i", INDEX_URL, "--python", "3.11", "--no-cache"]
    assert main([*arguments, "-O", str(tmp_path / "a"), "-v"]) == 0
    err = capsys.readouterr().err
    assert "From wheels: alpha, gamma, setuptools." in err
    assert "From source: beta." in err
    assert 'command line: skipping sys_platform == "win32", its marker is false' in err
    assert "GET " not in err
    assert main([*arguments, "-O", str(tmp_path / "b"), "-vv"]) == 0
    assert f"GET {INDEX_URL}alpha/: 200" in capsys.readouterr().err
