"""The conventions users bring from pip-compile and uv: a positional requirements file,
``-r -``, ``--upgrade``/``--upgrade-package``, ``--dry-run``, ``--check``,
``--python-version``, ``--generate-hashes``, exit status 2 for usage errors, no
abbreviated options, and ``--pyproject`` on a project folder."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from tests.support.fixture_index import INDEX_URL
from tests.test_update import FIRST_PINS, OUTPUTS, pins, release, snapshot

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

NEWEST = {**FIRST_PINS, "alpha": "1.1.0", "beta": "1.2.0", "gamma": "2.2.0"}


def run(directory: Path, *arguments: str) -> int:
    with contextlib.chdir(directory):
        return main(["generate", "-i", INDEX_URL, "--python", "3.11", "--no-cache", *arguments])


@pytest.fixture
def project(fixture_index: FixtureIndex, tmp_path: Path) -> Path:
    """A lock of ``alpha`` made with a positional requirements file; then the index
    gains new releases."""
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "requirements.txt").write_text("alpha\n")
    assert run(directory, "requirements.txt", "-q") == 0
    assert pins(directory) == FIRST_PINS
    fixture_index.files += [
        release(tmp_path, "alpha", "1.1.0", ["beta>=1.0", "setuptools>=40"]),
        release(tmp_path, "gamma", "2.2.0", []),
        release(tmp_path, "beta", "1.2.0", ["gamma>=2.2"]),
    ]
    return directory


def test_a_positional_file_is_recorded_as_r(project: Path) -> None:
    frozen = (project / "requirements_frozen.txt").read_text()
    assert "pypi2nix generate -r requirements.txt --python 3.11" in frozen


def test_requirements_from_standard_input(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("alpha\n"))
    assert run(tmp_path, "-r", "-", "-q") == 0
    assert pins(tmp_path) == FIRST_PINS
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert "pypi2nix generate -r - --python" in frozen
    assert "# via -:1" in frozen


def test_upgrade_package_moves_one_pin(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(project, "requirements.txt", "-P", "beta") == 0
    assert pins(project) == {**FIRST_PINS, "beta": "1.2.0", "gamma": "2.2.0"}
    assert capsys.readouterr().out == (
        "Upgraded:\n  beta   1.1.0 -> 1.2.0\n  gamma  2.0.0 -> 2.2.0  (forced by the update)\n"
    )


def test_upgrade_moves_every_pin(project: Path) -> None:
    assert run(project, "requirements.txt", "-U", "-q") == 0
    assert pins(project) == NEWEST


def test_dry_run_writes_nothing(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(project)
    capsys.readouterr()
    assert run(project, "requirements.txt", "--upgrade", "--dry-run") == 0
    assert snapshot(project) == before
    captured = capsys.readouterr()
    assert "alpha  1.0.0 -> 1.1.0" in captured.out
    assert "Dry run: nothing was written; it would write requirements.nix," in captured.err


def test_check_passes_when_up_to_date(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(project, "requirements.txt", "--check") == 0
    assert "Up to date" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("requirements", "1 pin would change: alpha 1.0.0 -> 1.1.0"),
        ("frozen", "there is no earlier lock"),
        ("nix", "the pins are the same, the files' text is not"),
    ],
)
def test_check_fails_without_writing_when_stale(
    project: Path, capsys: pytest.CaptureFixture[str], change: str, reason: str
) -> None:
    if change == "requirements":
        (project / "requirements.txt").write_text("alpha>=1.1\n")
    elif change == "frozen":
        (project / "pylock.toml").unlink()
    else:
        (project / "requirements.nix").write_text("edited\n")
    before = {name: (project / name).read_bytes() for name in OUTPUTS if (project / name).exists()}
    capsys.readouterr()
    assert run(project, "requirements.txt", "--check") == 1
    after = {name: (project / name).read_bytes() for name in OUTPUTS if (project / name).exists()}
    assert after == before
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("error: not up to date with the inputs: ")
    assert f"({reason}); run pypi2nix generate" in err[0]


def test_python_version_and_generate_hashes(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.chdir(tmp_path):
        arguments = ["generate", "-e", "alpha", "-i", INDEX_URL, "--no-cache"]
        assert main([*arguments, "--python-version", "3.12", "--generate-hashes"]) == 0
    err = capsys.readouterr().err
    assert "note: --generate-hashes has no effect: hashes are always written" in err
    assert "for Python 3.12" in err


@pytest.mark.parametrize(
    "arguments",
    [
        ["generate", "-e", "alpha", "--pyth", "3.12"],
        ["generate", "-e", "alpha", "--upgrade-pack", "alpha"],
        ["update", "--dry"],
        ["generate", "-e", "alpha", "--check", "--dry-run"],
        ["generate", "-e", "alpha", "-U", "-P", "alpha"],
    ],
)
def test_usage_errors_exit_with_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str]
) -> None:
    with contextlib.chdir(tmp_path):
        assert main(arguments) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_pyproject_takes_a_project_folder(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "app").mkdir(parents=True)
    (app / "app" / "__init__.py").write_text("")
    (app / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "flit_core.buildapi"\n'
        '[project]\nname = "app"\nversion = "1.0"\ndescription = "x"\ndependencies = ["beta"]\n'
    )
    assert run(tmp_path, "--pyproject", "app", "-O", "nix", "-q") == 0
    assert "src = lib.cleanSource ../app;" in (tmp_path / "nix" / "requirements.nix").read_text()


def test_check_names_a_few_of_the_pins_that_would_change_then_counts() -> None:
    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.commands.generate import GenerateResult, _stale_reason
    from pypi2nix.lock.changes import compare_pins

    names = {NormalizedName(name): Version("1.0") for name in ("a", "b", "c", "d", "e")}
    changes = compare_pins({}, names)
    result = GenerateResult(lock=None, run=None, report=None, changes=changes)  # type: ignore[arg-type]
    assert "(5 pins would change: a 1.0 (added), b 1.0 (added), c 1.0 (added) and 2 more)" in (
        _stale_reason(result)
    )


def test_a_dry_run_in_a_fresh_folder_lists_every_pin_and_the_files(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("alpha\n")
    assert run(tmp_path, "requirements.txt", "--dry-run") == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[:2] == ["Added:", "  alpha       (none) -> 1.0.0"]
    assert (
        "Dry run: nothing was written; it would write requirements.nix, "
        "requirements_override.nix, requirements_frozen.txt, pylock.toml."
    ) in captured.err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["requirements.txt"]
