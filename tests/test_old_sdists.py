"""Old sdists that today's build tools break: a build requirement newer than the sdist
can take (yamlish under weaver 2, as PyYAML 5 under Cython 3), held back with
``--build-constraint FILE`` as pip and uv do, and a setup.py that cannot run on the
target's Python (oldmc opens a file with mode 'rU', as pylibmc 1.6.1)."""

from __future__ import annotations

import contextlib
import tomllib
from typing import TYPE_CHECKING

import pytest
from packaging.utils import canonicalize_name

from pypi2nix.backend.diagnosis import InstalledTool, explain_failure
from pypi2nix.cli import main
from tests.support import nix, package_block
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

TOO_NEW = (
    "error: yamlish 1.0.0: its build failed (AttributeError: module 'weaver' has no "
    "attribute 'weave_sources'), and its build requirement weaver 2.0.0 may be too new for "
    "it: constrain it, e.g. with the line 'weaver<2' in a file given to --build-constraint"
)
MODE_U = (
    "error: oldmc 1.0.0: its setup.py cannot run on Python 3.11, the target's: it opens "
    "files with mode 'U', which Python 3.11 removed (ValueError: invalid mode: 'rU'); pin "
    "a release made for Python 3.11, or use its wheel if it has one"
)
HELD_BACK = '(buildTool "weaver" [ [ "<" "2" ] ] buildTools."weaver-1.0.0")'


def run(folder: Path, *arguments: str, command: str = "generate") -> int:
    with contextlib.chdir(folder):
        return main([command, "-i", INDEX_URL, "--python", "3.11", "--no-cache", *arguments])


def error_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    err = capsys.readouterr().err
    return [line for line in err.splitlines() if line.startswith("error:")]


def test_a_too_new_build_requirement_is_named_with_the_flag(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "-e", "yamlish") == 1
    assert error_lines(capsys) == [TOO_NEW]
    assert not (tmp_path / "requirements.nix").exists()


def test_a_build_constraint_holds_the_tool_back(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    (tmp_path / "build-constraints.txt").write_text("# as Cython<3 for PyYAML 5\nweaver<2\n")
    arguments = ("-e", "yamlish", "--build-constraint", "build-constraints.txt", "-q")
    assert run(tmp_path, *arguments) == 0
    yamlish = package_block((tmp_path / "requirements.nix").read_text(), "yamlish")
    # nixpkgs' weaver serves only below 2; else the locked copy, weaver 1.0.0
    assert HELD_BACK in yamlish
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert "generate --build-constraint build-constraints.txt -e yamlish" in frozen
    assert "beta==1.1.0" in frozen  # read by running its setup.py under weaver 1
    recorded = tomllib.loads((tmp_path / "pylock.toml").read_text())["tool"]["pypi2nix"]
    assert recorded["inputs"]["build_constraint_files"] == ["build-constraints.txt"]


def test_update_locks_with_the_recorded_build_constraints(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "build-constraints.txt").write_text("weaver<2\n")
    (tmp_path / "none.txt").write_text("# no build constraint\n")
    arguments = ("-e", "yamlish", "--build-constraint", "build-constraints.txt", "-q")
    assert run(tmp_path, *arguments) == 0
    with contextlib.chdir(tmp_path):
        assert main(["update", "--no-cache", "-q"]) == 0
        assert HELD_BACK in (tmp_path / "requirements.nix").read_text()
        # given to update, they replace the recorded ones
        assert main(["update", "--no-cache", "-q", "--build-constraint", "none.txt"]) == 1
    assert error_lines(capsys) == [TOO_NEW]


def test_the_lock_cache_tells_locks_of_other_build_constraints_apart(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    """The metadata built under weaver 1 is kept (it is the sdist's); the locked tool
    follows the build constraints of each run."""
    (tmp_path / "build-constraints.txt").write_text("weaver<2\n")
    cache = ("--cache-dir", str(tmp_path / "cache"), "-e", "yamlish", "-q")
    with contextlib.chdir(tmp_path):
        base = ["generate", "-i", INDEX_URL, "--python", "3.11", *cache]
        assert main([*base, "--build-constraint", "build-constraints.txt"]) == 0
        assert HELD_BACK in (tmp_path / "requirements.nix").read_text()
        assert main(base) == 0
    yamlish = package_block((tmp_path / "requirements.nix").read_text(), "yamlish")
    assert '(buildTool "weaver" [ ] buildTools."weaver-2.0.0")' in yamlish


def test_package_takes_build_constraints(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "build-constraints.txt").write_text("weaver<2\n")
    assert run(tmp_path, "yamlish", command="package") == 1
    assert error_lines(capsys) == [TOO_NEW]
    arguments = ("yamlish", "--build-constraint", "build-constraints.txt")
    assert run(tmp_path, *arguments, command="package") == 0
    assert "beta" in (tmp_path / "yamlish" / "default.nix").read_text()


def test_a_setup_py_with_mode_u_is_named_with_the_target_python(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, "-e", "oldmc") == 1
    assert error_lines(capsys) == [MODE_U]


def test_a_setup_py_with_mode_u_is_named_when_the_metadata_is_static(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its metadata needs no build, its Nix build will run its setup.py: said when locked."""
    assert run(tmp_path, "-e", "oldmc==0.9.0") == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "oldmc" in line]
    assert warnings == [
        "warning: oldmc 0.9.0: its setup.py cannot run on Python 3.11, the target's: it "
        "opens files with mode 'U', which Python 3.11 removed; pin a release made for "
        "Python 3.11, or use its wheel if it has one"
    ]
    with contextlib.chdir(tmp_path):
        arguments = ["-i", INDEX_URL, "--no-cache", "--python", "3.10", "-O", "py310"]
        assert main(["generate", *arguments, "-e", "oldmc==0.9.0"]) == 0
    assert "mode 'U'" not in capsys.readouterr().err  # Python 3.10 still has it


def test_a_build_constraint_line_in_a_requirements_file_points_to_the_flag(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("yamlish\n--build-constraint bc.txt\n")
    assert run(tmp_path, "-r", "requirements.txt") == 1
    assert error_lines(capsys) == [
        "error: requirements.txt:2: pip and uv take build constraints on the command line "
        "only: give pypi2nix --build-constraint FILE: '--build-constraint bc.txt'"
    ]


def test_a_build_constraint_naming_a_url_is_refused(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bc.txt").write_text("weaver @ https://example.test/weaver-1.0.0.tar.gz\n")
    assert run(tmp_path, "-e", "yamlish", "--build-constraint", "bc.txt") == 1
    assert error_lines(capsys) == [
        "error: bc.txt:1: a constraint cannot name a URL or a path: "
        "'weaver @ https://example.test/weaver-1.0.0.tar.gz'"
    ]


@pytest.mark.nix
def test_it_builds_in_the_stand_in_with_the_build_constraint(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    (tmp_path / "build-constraints.txt").write_text("weaver<2\n")
    arguments = ("-e", "yamlish", "--build-constraint", "build-constraints.txt", "-q")
    assert run(tmp_path, *arguments) == 0
    code = "import yamlish, beta; print(yamlish.VERSION)"
    assert nix.run_in_interpreter(tmp_path / "requirements.nix", nixpkgs, code).split() == ["1.0.0"]


@pytest.mark.nix
def test_its_nix_build_fails_as_said(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    """What the stand-in's build of oldmc 0.9.0 prints is read as the warning said."""
    assert run(tmp_path, "-e", "oldmc==0.9.0", "-q") == 0
    with pytest.raises(AssertionError) as failed:
        nix.build_attribute(tmp_path / "requirements.nix", nixpkgs, "packages.oldmc")
    found = explain_failure(str(failed.value), tools=[], python="3.11")
    assert found is not None
    assert found.startswith("its setup.py cannot run on Python 3.11")


# The same diagnosis reads the logs of builds (tests/live_build.py): PyYAML 5.4.1's
# setup.py under Cython 3, as pip and Nix print it.
PYYAML_LOG = """\
running build_ext
Traceback (most recent call last):
  File "/build/PyYAML-5.4.1/setup.py", line 271, in <module>
    distutils.core.setup(
  File "/nix/store/x-setuptools/lib/python3.11/site-packages/setuptools/_distutils/cmd.py", line 107, in __getattr__
    raise AttributeError(attr)
AttributeError: cython_sources
"""


# The same, inside pip's report of a failed metadata hook, as the stand-in's build of
# PyYAML 5.4.1 printed it (colours, pip's gutter, pip's own error line last).
PIP_LOG = (
    '  \x1b[31m   \x1b[0m   File "<string>", line 201, in get_source_files\n'
    "  \x1b[31m   \x1b[0m AttributeError: 'build_ext' object has no attribute "
    "'cython_sources'\n"
    "  \x1b[31m   \x1b[0m \x1b[31m[end of output]\x1b[0m\n"
    "\x1b[1;31merror\x1b[0m: \x1b[1mmetadata-generation-failed\x1b[0m\n"
    "\x1b[31m\u00d7\x1b[0m Encountered error while generating package metadata.\n"
)


def tool(name: str, version: str, *modules: str) -> InstalledTool:
    return InstalledTool(name=canonicalize_name(name), version=version, modules=modules)


@pytest.mark.parametrize(
    ("log", "expected"),
    [
        (PYYAML_LOG, "'cython<3'"),
        (PIP_LOG, "(AttributeError: 'build_ext' object has no attribute 'cython_sources')"),
        # the innermost frame is the tool's: a name it no longer exports
        (
            'File "/tmp/b/site/weaver/__init__.py", line 3, in <module>\n'
            "ImportError: cannot import name 'sources' from partially initialized module\n",
            "'weaver<0.9'",
        ),
        # a compiler's error is the sdist's own, whatever it names
        ("setuptools.errors.CompileError: command '/usr/bin/gcc' failed with exit code 1\n", None),
        ("ModuleNotFoundError: No module named 'numpy'\n", None),
    ],
)
def test_which_build_requirement_the_log_names(log: str, expected: str | None) -> None:
    tools = [
        tool("setuptools", "80.9.0", "setuptools", "pkg_resources", "_distutils_hack"),
        tool("Cython", "3.0.12", "Cython", "cython", "pyximport"),
        tool("weaver", "0.9.1", "weaver"),
    ]
    found = explain_failure(log, tools=tools, python="3.11")
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert expected in found
        assert "--build-constraint" in found
