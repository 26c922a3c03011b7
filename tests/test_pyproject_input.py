"""``generate --pyproject``: a project's dependencies, extras and dependency groups, and
the project itself built from its folder."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from pypi2nix.lock.pylock import read_pylock
from tests.support import nix
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

PYPROJECT = """\
[build-system]
requires = ["flit_core>=3.2"]
build-backend = "flit_core.buildapi"

[project]
name = "my_app"
version = "2.0.0"
description = "An application with extras and groups"
license = "Apache-2.0"
dependencies = ["beta>=1"]

[project.optional-dependencies]
fast = ["epsilon"]
cycles = ["cyc-a"]

[dependency-groups]
test = ["kappa", {include-group = "Lint"}]
lint = ["zeta-util"]
docs = ["3dmath"]
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    folder = tmp_path / "app"
    (folder / "my_app").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(PYPROJECT)
    (folder / "my_app" / "__init__.py").write_text(
        '"""My app."""\n\nimport beta\n\nVERSION = "2.0.0"\n'
    )
    return folder


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", *arguments])


def pins(folder: Path) -> set[str]:
    return set(read_pylock(folder / "pylock.toml").pins)


def test_the_project_its_extras_and_groups(fixture_index: FixtureIndex, app: Path) -> None:
    assert generate(app, "--pyproject", "--extra", "fast", "--group", "test") == 0
    text = (app / "requirements.nix").read_text()
    assert "my-app = self.buildPythonPackage rec {" in text
    assert 'pname = "my_app";' in text
    assert "src = lib.cleanSource ./.;" in text
    assert '(buildTool "flit-core" [ [ ">=" "3.2" ] ] buildTools."flit-core-4.2.0")' in text
    assert "license = lib.licenses.asl20;" in text
    # dependencies, the extra, the group and the group it includes; not the other ones
    assert pins(app) == {"my-app", "beta", "gamma", "epsilon", "kappa", "zeta-util"}
    assert "cyc-a" not in text
    assert "3dmath" not in text
    frozen = (app / "requirements_frozen.txt").read_text()
    assert "# my-app @ ./.\n" in frozen
    assert "pypi2nix generate --pyproject pyproject.toml --extra fast --group test" in frozen


def test_all_extras(fixture_index: FixtureIndex, app: Path) -> None:
    assert generate(app, "--pyproject", "pyproject.toml", "--all-extras") == 0
    assert {"epsilon", "cyc-a", "cyc-b"} <= pins(app)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--pyproject", "--extra", "nope"], "has no extra 'nope' (it has: cycles, fast)"),
        (
            ["--pyproject", "--group", "nope"],
            "has no dependency group 'nope' (it has: docs, lint, test)",
        ),
        (["--pyproject", "missing.toml"], "cannot read missing.toml"),
        (
            ["-e", "gamma", "--extra", "fast"],
            "--extra, --all-extras, --group and --all-groups need --pyproject or a lock",
        ),
    ],
)
def test_bad_pyproject_inputs(
    fixture_index: FixtureIndex,
    app: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    assert generate(app, *arguments) == (1 if "cannot read" in message else 2)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


def test_a_project_without_a_project_table(
    fixture_index: FixtureIndex, app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / "pyproject.toml").write_text("[tool.black]\nline-length = 99\n")
    assert generate(app, "--pyproject") == 1
    assert "has no [project] table (nor a [tool.poetry] one)" in capsys.readouterr().err


def test_update_locks_the_project_again(fixture_index: FixtureIndex, app: Path) -> None:
    assert generate(app, "--pyproject", "--group", "lint") == 0
    with contextlib.chdir(app.parent):
        assert main(["update", "-O", "app", "-q", "--no-cache"]) == 0
    assert pins(app) == {"my-app", "beta", "gamma", "zeta-util"}


@pytest.mark.nix
def test_the_project_evaluates_and_builds(
    fixture_index: FixtureIndex, app: Path, nixpkgs: Path
) -> None:
    assert generate(app, "--pyproject", "--extra", "fast", "--group", "test") == 0
    code = "import my_app, epsilon, kappa, zeta_util; print(my_app.VERSION)"
    assert nix.run_in_interpreter(app / "requirements.nix", nixpkgs, code).strip() == "2.0.0"
