"""Local projects whose metadata only their build backend knows: a version from git
tags (setuptools-scm) and a project with only setup.py. The backend's metadata hook
runs as it does for an index's sdist, its build requirements from the fixture index;
``--no-build`` refuses."""

from __future__ import annotations

import contextlib
import subprocess
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from tests.support import package_block
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

SCM_PYPROJECT = """\
[build-system]
requires = ["setuptools>=64", "setuptools-scm>=8"]
build-backend = "setuptools.build_meta"

[project]
name = "scmapp"
dynamic = ["version"]
dependencies = ["beta>=1"]

[tool.setuptools]
packages = ["scmapp"]

[tool.setuptools_scm]
"""

SETUP_PY = """\
from setuptools import setup

VERSION = ".".join(["3", "1", "4"])

setup(
    name="oldapp",
    version=VERSION,
    packages=["oldapp"],
    install_requires=["beta" + ">=1.0"],
)
"""


def git(folder: Path, *arguments: str) -> None:
    identity = ["-c", "user.name=Test", "-c", "user.email=test@example.test"]
    subprocess.run(
        ["git", *identity, "-C", str(folder), *arguments], check=True, capture_output=True
    )


@pytest.fixture
def scm_project(tmp_path: Path) -> Path:
    folder = tmp_path / "scmapp"
    (folder / "scmapp").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(SCM_PYPROJECT)
    (folder / "scmapp" / "__init__.py").write_text('"""From git."""\n')
    git(folder, "init", "-q", "-b", "main")
    git(folder, "add", ".")
    git(folder, "commit", "-q", "-m", "first")
    git(folder, "tag", "v1.2.3")
    return folder


@pytest.fixture
def setup_py_project(tmp_path: Path) -> Path:
    folder = tmp_path / "oldapp"
    (folder / "oldapp").mkdir(parents=True)
    (folder / "setup.py").write_text(SETUP_PY)
    (folder / "oldapp" / "__init__.py").write_text('"""Only setup.py."""\n')
    return folder


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "-i", INDEX_URL, "--python", "3.11", *arguments])


def test_a_version_from_git_tags(
    fixture_index: FixtureIndex, scm_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(scm_project, "--pyproject", "pyproject.toml") == 0
    nix = (scm_project / "requirements.nix").read_text()
    block = package_block(nix, "scmapp")
    assert 'version = "1.2.3";' in block
    assert "dependencies = [ self.beta ];" in block
    assert "beta==1.1.0" in (scm_project / "requirements_frozen.txt").read_text()
    assert "Metadata read by running the build backend: scmapp." in capsys.readouterr().err


def test_a_project_with_only_setup_py(
    fixture_index: FixtureIndex, setup_py_project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert generate(out, "-e", str(setup_py_project), "-q") == 0
    block = package_block((out / "requirements.nix").read_text(), "oldapp")
    assert 'version = "3.1.4";' in block
    assert "dependencies = [ self.beta ];" in block


def test_no_build_refuses_a_dynamic_version(
    fixture_index: FixtureIndex, scm_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(scm_project, "--pyproject", "pyproject.toml", "--no-build") == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [  # as docs/generate.md shows it
        f"error: {scm_project}: the version of scmapp is dynamic (computed by its build "
        "backend), and --no-build forbids running its build backend to read it: run without "
        "--no-build, or declare it in the [project] table of its pyproject.toml"
    ]
    assert not (scm_project / "requirements.nix").exists()


POETRY_PYPROJECT = """\
[build-system]
requires = ["poetry-core>=1.0.0"]
build-backend = "poetry.core.masonry.api"

[tool.poetry]
name = "poetryapp"
version = "0.4.0"
description = "A Poetry 1.x project"
authors = ["Someone <someone@example.test>"]
packages = [{ include = "poetryapp" }]

[tool.poetry.dependencies]
python = "^3.10"
beta = "^1.0"
alpha = "~0.9"
epsilon = { version = "^0.5", optional = true }

[tool.poetry.extras]
fast = ["epsilon"]
"""


@pytest.fixture
def poetry_project(tmp_path: Path) -> Path:
    folder = tmp_path / "poetryapp"
    (folder / "poetryapp").mkdir(parents=True)
    (folder / "pyproject.toml").write_text(POETRY_PYPROJECT)
    (folder / "poetryapp" / "__init__.py").write_text('"""Poetry."""\n')
    return folder


def test_a_poetry_1_project(
    fixture_index: FixtureIndex, poetry_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Name, version and extras from [tool.poetry]; the dependencies from poetry-core,
    which turns ^1.0 into >=1.0,<2.0 and ~0.9 into >=0.9,<0.10 (alpha 1.0.0 is newer)."""
    assert generate(poetry_project, "--pyproject", "pyproject.toml", "--extra", "fast") == 0
    frozen = (poetry_project / "requirements_frozen.txt").read_text()
    assert "alpha==0.9.0" in frozen
    assert "beta==1.1.0" in frozen
    assert "epsilon==0.5.0" in frozen
    block = package_block((poetry_project / "requirements.nix").read_text(), "poetryapp")
    assert 'version = "0.4.0";' in block
    assert "Metadata read by running the build backend: poetryapp." in capsys.readouterr().err
