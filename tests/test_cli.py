from __future__ import annotations

import argparse
import contextlib
import gc
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import GC_THRESHOLDS, main
from pypi2nix.parser import build_parser
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

FIXTURE_ROOTS = ["-e", "alpha[fast]", "-e", "cyc-a", "-e", "3dmath", "-e", "zeta-util"]


def generate(output: Path, *arguments: str) -> int:
    return main(["generate", "-i", INDEX_URL, "--python", "3.11", "-O", str(output), *arguments])


def test_generate_writes_four_files(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, *FIXTURE_ROOTS) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "pylock.toml",
        "requirements.nix",
        "requirements_frozen.txt",
        "requirements_override.nix",
    ]
    err = capsys.readouterr().err
    assert "Locked 9 packages (4 top-level) for Python 3.11 on x86_64-linux" in err
    assert "Dependency cycle broken: cyc-b -> cyc-a is left out." in err
    assert ": 5 from source, 4 from wheels (0 with compiled code), in " in err
    assert "From wheels" not in err  # that is for -v
    assert generate(tmp_path, *FIXTURE_ROOTS, "-v") == 0
    assert "From wheels: 3dmath, alpha, gamma, setuptools.\n" in capsys.readouterr().err
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert f"--index-url {INDEX_URL}\n" in frozen
    assert "alpha==1.0.0 \\\n" in frozen


def test_the_summary_names_pre_releases(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "-e", "alpha>1.0.0") == 0  # only 2.0.0b1 matches
    assert "Pre-releases pinned: alpha 2.0.0b1.\n" in capsys.readouterr().err
    assert generate(tmp_path, "-e", "alpha") == 0
    assert "Pre-releases" not in capsys.readouterr().err


def test_output_is_byte_identical_and_the_override_is_kept(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert generate(first, *FIXTURE_ROOTS) == 0
    assert generate(second, *reversed_pairs(FIXTURE_ROOTS)) == 0
    for name in ("requirements.nix", "requirements_frozen.txt", "requirements_override.nix"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    (first / "requirements_override.nix").write_text("{ pkgs, python }: self: super: { }\n")
    assert generate(first, *FIXTURE_ROOTS) == 0
    assert (first / "requirements_override.nix").read_text().startswith("{ pkgs, python }")
    assert "Nothing changed: every file was already up to date" in capsys.readouterr().err


def reversed_pairs(arguments: list[str]) -> list[str]:
    pairs = [arguments[i : i + 2] for i in range(0, len(arguments), 2)]
    return [item for pair in reversed(pairs) for item in pair]


def test_basename_and_requirements_file(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    requirements = tmp_path / "reqs.txt"
    requirements.write_text("beta\n")
    output = tmp_path / "out"
    assert generate(output, "-r", str(requirements), "--basename", "locked") == 0
    assert sorted(p.name for p in output.iterdir()) == [
        "locked.nix",
        "locked_frozen.txt",
        "locked_override.nix",
        "pylock.locked.toml",
    ]
    assert "import overrideFile" in (output / "locked.nix").read_text()
    assert "./locked_override.nix" in (output / "locked.nix").read_text()


def test_index_url_from_the_environment(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", INDEX_URL)
    assert main(["generate", "-e", "gamma", "--python", "3.11", "-O", str(tmp_path), "-q"]) == 0
    assert "gamma = self.buildPythonPackage" in (tmp_path / "requirements.nix").read_text()


@pytest.mark.parametrize(
    ("arguments", "message", "status"),
    [
        (
            ["-e", "nope"],
            "error: no such project on the index: 'nope' (required by command line)",
            1,
        ),
        (
            ["-e", "gamma==0.0.0"],
            "error: no version of gamma matches ==0.0.0 (from command line)",
            1,
        ),
        (["-e", "gamma<2", "-e", "beta"], "error: conflicting requirements for gamma: <2", 1),
        (["-e", "gamma =="], "error: command line: invalid requirement", 1),
        (["-r", "{tmp}/bad.txt"], "error: {tmp}/bad.txt:2: invalid requirement", 1),
        (["-e", "gamma", "--python", "2.7"], "error: unsupported Python version '2.7'", 2),
        (["-e", "gamma", "--system", "x86_64-windows"], "error: unsupported system", 2),
        (["-e", "gamma", "--frobnicate"], "error: unrecognized arguments: --frobnicate", 2),
        (["-e", "gamma", "--pyth", "3.11"], "error: unrecognized arguments: --pyth", 2),
        ([], "error: nothing to lock", 2),
        (["-e", "gamma", "--basename", "../x"], "error: invalid --basename '../x'", 2),
    ],
)
def test_errors_are_one_line_with_status_1_or_2_for_usage(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
    status: int,
) -> None:
    (tmp_path / "bad.txt").write_text("gamma\nnot a ( requirement\n")
    output = tmp_path / "out"
    arguments = [argument.format(tmp=tmp_path) for argument in arguments]
    assert generate(output, *arguments) == status
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(message.format(tmp=tmp_path))
    assert "Traceback" not in captured.err
    assert not output.exists()


def test_verbose_adds_the_traceback(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "-e", "nope", "-v") == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("error: no such project")


def test_quiet(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "-e", "gamma", "-q") == 0
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("command", ["generate", "package", "update", "tree"])
def test_help_documents_every_flag(capsys: pytest.CaptureFixture[str], command: str) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main([command, "--help"])
    assert exit_status.value.code == 0
    text = capsys.readouterr().out
    commands = next(
        action
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
    for action in commands.choices[command]._actions:
        for option in action.option_strings:
            assert option in text
        assert action.help, action.option_strings


def test_python_dash_m_and_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pypi2nix", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("pypi2nix ")


def test_one_pin_is_one_package(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "-e", "3dmath") == 0
    assert "Locked 1 package (1 top-level)" in capsys.readouterr().err


def test_the_collector_runs_at_a_lock_s_pace_and_leaves_the_heap_at_exit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    thresholds = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        with contextlib.suppress(SystemExit):
            main(["--version"])
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() == 0  # called with arguments: no exit follows
        monkeypatch.setattr(sys, "argv", ["pypi2nix", "--version"])
        with contextlib.suppress(SystemExit):
            main()
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    assert capsys.readouterr().out.startswith("pypi2nix")
