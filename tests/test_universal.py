"""One lock for several systems and Pythons: a requirements.nix, a frozen file and a
pylock.toml that serve every target, each getting its own pins.

teamapp (fixtures/index.toml) needs linuxonly on Linux (its one wheel is for Linux),
macshim on macOS, and newlib, whose newest release needs Python 3.12.
"""

from __future__ import annotations

import contextlib
import json
import tomllib
from typing import TYPE_CHECKING

import pytest
from packaging.pylock import Pylock
from packaging.utils import canonicalize_name
from packaging.version import Version

from pypi2nix.cli import main
from pypi2nix.target import SYSTEMS, UNIVERSAL_PYTHONS, Target
from tests.support import nix
from tests.support.fixture_index import INDEX_URL, IndexFile, build_wheel

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

PYTHONS = ("3.12", "3.11")  # 3.12 first: its newlib is one 3.11 cannot have
EVERY_SYSTEM = [flag for system in SYSTEMS for flag in ("--system", system)]
TARGETS = [Target.parse(python, system) for python in PYTHONS for system in SYSTEMS]


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "-i", INDEX_URL, "-e", "teamapp", *arguments])


def lock_teamapp(folder: Path, *arguments: str) -> int:
    pythons = [flag for python in PYTHONS for flag in ("--python", python)]
    return generate(folder, *pythons, *EVERY_SYSTEM, *arguments)


def expected_pins(target: Target) -> dict[str, str]:
    linux = SYSTEMS[target.system].sys_platform == "linux"
    return {
        "teamapp": "1.0.0",
        "newlib": "2.0.0" if target.python == "3.12" else "1.0.0",
        **({"linuxonly": "1.0.0"} if linux else {"macshim": "1.0.0"}),
    }


def test_each_target_gets_its_pins_and_the_split_is_named(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lock_teamapp(tmp_path) == 0
    err = capsys.readouterr().err
    assert (
        "Locked 4 packages (1 top-level) for Python 3.12 and 3.11 on x86_64-linux, "
        "aarch64-linux, x86_64-darwin and aarch64-darwin: "
    ) in err
    assert (
        "Versions differ between targets: newlib 2.0.0 on Python 3.12; 1.0.0 on Python 3.11 "
        "(newlib 2.0.0 requires Python >=3.12)."
    ) in err
    document = Pylock.from_dict(tomllib.loads((tmp_path / "pylock.toml").read_text()))
    for target in TARGETS:
        environment = {**target.marker_environment(), "extra": ""}
        tags = list(target.wheel_tags())
        chosen = document.select(environment=environment, tags=tags)  # type: ignore[arg-type]
        assert {str(p.name): str(p.version) for p, _ in chosen} == expected_pins(target)
    teamapp = next(package for package in document.packages if package.name == "teamapp")
    # what it needs on any target (newlib on every one, linuxonly and macshim on some)
    assert [d["name"] for d in teamapp.dependencies or ()] == ["linuxonly", "macshim", "newlib"]
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert 'linuxonly==1.0.0 ; sys_platform == "linux" \\\n' in frozen
    assert 'macshim==1.0.0 ; sys_platform == "darwin" \\\n' in frozen
    assert 'newlib==2.0.0 ; python_version == "3.12" \\\n' in frozen
    assert 'newlib==1.0.0 ; python_version == "3.11" \\\n' in frozen
    assert "teamapp==1.0.0 \\\n" in frozen  # on every target: no marker


def test_versions_agree_where_the_requirements_allow(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With 3.11 first, 3.12 takes the newlib 3.11 has: one version, no split."""
    assert generate(tmp_path, "--python", "3.11", "--python", "3.12") == 0
    state = tomllib.loads((tmp_path / "pylock.toml").read_text())
    assert [p["version"] for p in state["packages"] if p["name"] == "newlib"] == ["1.0.0"]
    assert "Versions differ" not in capsys.readouterr().err


def test_universal_is_every_system_and_python_the_project_allows(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    assert generate(tmp_path, "--universal", "-q") == 0
    state = tomllib.loads((tmp_path / "pylock.toml").read_text())["tool"]["pypi2nix"]
    assert state["targets"] == [
        f"{python}-{system}" for python in UNIVERSAL_PYTHONS for system in SYSTEMS
    ]
    assert state["inputs"]["universal"] is True
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    (project / "app" / "__init__.py").write_text("")
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "app"\nversion = "1.0"\nrequires-python = ">=3.13"\n'
        'dependencies = ["teamapp"]\n'
    )
    out = tmp_path / "out"
    with contextlib.chdir(project):
        arguments = ["generate", "-i", INDEX_URL, "--pyproject", "--universal", "-O", str(out)]
        assert main([*arguments, "-q"]) == 0
    state = tomllib.loads((out / "pylock.toml").read_text())["tool"]["pypi2nix"]
    assert {key.split("-")[0] for key in state["targets"]} == {"3.13", "3.14"}


def test_universal_takes_no_python_or_system(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "--universal", "--python", "3.12") == 2
    assert "--universal chooses the Pythons and systems" in capsys.readouterr().err


def test_update_and_check_with_several_targets(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert lock_teamapp(tmp_path, "-q") == 0
    assert lock_teamapp(tmp_path, "--check", "-q") == 0
    tree = tmp_path / "tree"
    (tree / "newlib").mkdir(parents=True)
    (tree / "newlib" / "__init__.py").write_text("")
    (tree / "PKG-INFO").write_text(
        "Metadata-Version: 2.2\nName: newlib\nVersion: 2.1.0\nRequires-Python: >=3.12\n"
    )
    filename = "newlib-2.1.0-py3-none-any.whl"
    fixture_index.files.append(
        IndexFile("newlib", filename, build_wheel(tree, filename), requires_python=">=3.12")
    )
    capsys.readouterr()
    with contextlib.chdir(tmp_path):
        assert main(["update", "--dry-run", "--no-cache"]) == 0
    table = capsys.readouterr().out.splitlines()
    on = ", ".join(target.key for target in TARGETS if target.python == "3.12")
    assert table == ["Upgraded:", f"  newlib  2.0.0 -> 2.1.0  (on {on})"]


def test_a_pin_every_target_installs_is_written_once(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    assert lock_teamapp(tmp_path, "-q") == 0
    text = (tmp_path / "requirements.nix").read_text()
    assert text.count('pname = "teamapp";') == 1  # one definition, shared by every target


@pytest.fixture
def locked(fixture_index: FixtureIndex, tmp_path: Path) -> Path:
    assert lock_teamapp(tmp_path, "-q") == 0
    return tmp_path


@pytest.mark.nix
@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.key)
def test_one_requirements_nix_evaluates_on_every_target(
    nixpkgs: Path, locked: Path, target: Target
) -> None:
    interpreter = "python" + target.python.replace(".", "")
    result = nix.evaluate(
        f'let pkgs = import {nixpkgs} {{ system = "{target.system}"; }}; '
        f"r = import {locked}/requirements.nix {{ inherit pkgs; python = pkgs.{interpreter}; }}; "
        "in { versions = builtins.mapAttrs (name: p: p.version) r.packages; "
        "needs = map (p: p.pname) r.packages.teamapp.dependencies; "
        "interpreter = r.interpreter.drvPath; }"
    )
    assert isinstance(result, dict)
    expected = expected_pins(target)
    assert result["versions"] == expected
    assert sorted(result["needs"]) == sorted(set(expected) - {"teamapp"})
    assert result["interpreter"].endswith(".drv")


@pytest.mark.nix
def test_it_builds_for_this_machine_and_refuses_a_python_outside_the_lock(
    nixpkgs: Path, locked: Path
) -> None:
    imported = nix.run_in_interpreter(
        locked / "requirements.nix",
        nixpkgs,
        "import newlib, teamapp, linuxonly, importlib.metadata as m; print(m.version('newlib'))",
        python="python311",
    )
    assert imported.strip() == "1.0.0"  # the stand-in's Python is 3.11
    expression = (
        f"let pkgs = import {nixpkgs} {{ }}; "
        f"in (import {locked}/requirements.nix {{ inherit pkgs; python = pkgs.python313; }})"
        ".interpreter.drvPath"
    )
    stderr = " ".join(nix.evaluation_error(expression).split())
    assert (
        "requirements.nix was locked for Python 3.12 and 3.11 on x86_64-linux, aarch64-linux, "
        "x86_64-darwin and aarch64-darwin, not for Python 3.13 on x86_64-linux"
    ) in stderr
    assert "pypi2nix generate --python 3.13 --system x86_64-linux" in stderr


def test_the_pins_of_each_target_are_kept_on_the_next_run(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    assert lock_teamapp(tmp_path, "-q") == 0
    before = (tmp_path / "pylock.toml").read_text()
    assert lock_teamapp(tmp_path, "-q", "--refresh") == 0
    assert (tmp_path / "pylock.toml").read_text() == before
    data = json.loads(json.dumps(tomllib.loads(before)))
    assert canonicalize_name("newlib") in {p["name"] for p in data["packages"]}
    assert Version("2.0.0") in {Version(p["version"]) for p in data["packages"]}


def test_a_pin_built_from_source_on_some_targets_only_names_them(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """cxxpkg's one wheel is for x86_64 Linux: the other systems build its sdist, and
    the summary says where (and, -v, which pins come from source at all)."""
    with contextlib.chdir(tmp_path):
        status = main(
            ["generate", "-i", INDEX_URL, "-e", "cxxpkg", "--python", "3.11", *EVERY_SYSTEM, "-v"]
        )
    assert status == 0
    err = capsys.readouterr().err
    assert (
        "Compiled code built from source: cxxpkg on Python 3.11 on aarch64-linux, "
        "x86_64-darwin, aarch64-darwin, which no wheel of 1.0.0 fits ("
    ) in err
    assert "From source: cxxpkg." in err
    with contextlib.chdir(tmp_path):
        main(
            [
                "generate",
                "-i",
                INDEX_URL,
                "-e",
                "cxxpkg",
                "--python",
                "3.11",
                "--no-binary",
                "cxxpkg",
            ]
        )
    assert "Compiled code built from source: cxxpkg (" in capsys.readouterr().err
