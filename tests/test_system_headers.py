"""The stand-in fails where nixpkgs fails for a build from source that compiles against
a system library: the host's headers of a library (and its pkg-config) are there only
for a build that declares them, as nixpkgs gives a build only its inputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support import nix

pytestmark = pytest.mark.nix

# A C extension that includes Qhull's reentrant header and links the library, with the
# flags pkg-config gives, as matplotlib's build does with system_qhull.
SETUP = """\
import subprocess
from setuptools import Extension, setup

libs = subprocess.check_output(["pkg-config", "--libs", "qhull_r"], text=True).split()
setup(
    name="needs-qhull",
    version="1.0",
    ext_modules=[Extension("needs_qhull", ["needs_qhull.c"], extra_link_args=libs)],
)
"""
SOURCE = """\
#include <Python.h>
#include <libqhull_r/qhull_ra.h>
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "needs_qhull"};
PyMODINIT_FUNC PyInit_needs_qhull(void) { return PyModule_Create(&module); }
"""


def build(tree: Path, nixpkgs: Path, inputs: str) -> subprocess.CompletedProcess[str]:
    expression = (
        f"let pkgs = import {nixpkgs} {{ }}; in pkgs.python3.pkgs.buildPythonPackage {{"
        f' pname = "needs-qhull"; version = "1.0"; pyproject = true; src = {tree};'
        f" build-system = [ pkgs.python3.pkgs.setuptools ]; {inputs}"
        ' pythonImportsCheck = [ "needs_qhull" ]; }'
    )
    command = ["nix-build", "--no-out-link", *nix.BUILD_OPTIONS, "--expr", expression]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("needs-qhull")
    (directory / "setup.py").write_text(SETUP)
    (directory / "needs_qhull.c").write_text(SOURCE)
    return directory


def test_a_declared_library_and_pkg_config_build(tree: Path, nixpkgs: Path) -> None:
    inputs = "nativeBuildInputs = [ pkgs.pkg-config ]; buildInputs = [ pkgs.qhull ];"
    result = build(tree, nixpkgs, inputs)
    assert result.returncode == 0, result.stderr
    # Built (or built before: the log is then empty), its import checked in the build.
    output = Path(result.stdout.strip().splitlines()[-1])
    assert list(output.glob("lib/python3.*/site-packages/needs_qhull.*.so"))


def test_an_undeclared_library_has_no_headers(tree: Path, nixpkgs: Path) -> None:
    result = build(tree, nixpkgs, "nativeBuildInputs = [ pkgs.pkg-config ];")
    assert result.returncode != 0
    assert "libqhull_r/qhull_ra.h: No such file or directory" in result.stderr


def test_without_its_hook_there_is_no_pkg_config(tree: Path, nixpkgs: Path) -> None:
    result = build(tree, nixpkgs, "buildInputs = [ pkgs.qhull ];")
    assert result.returncode != 0
    assert "'pkg-config'" in result.stderr


def test_meson_flags_reach_a_meson_python_build_as_setup_args(nixpkgs: Path) -> None:
    """As nixpkgs' meson-python hook passes them (only with meson-python to take them)."""

    def setup_args(build_system: str) -> str:
        fake = f'url = "https://x.test/x.whl"; hash = "sha256-{"A" * 43}=";'
        expression = (
            f"let pkgs = import {nixpkgs} {{ }}; py = pkgs.python3.pkgs;"
            ' meson-python = py.buildPythonPackage { pname = "meson-python"; version = "1";'
            f' format = "wheel"; src = pkgs.fetchurl {{ {fake} }}; }}; in'
            ' (py.buildPythonPackage { pname = "m"; version = "1"; pyproject = true;'
            f" src = pkgs.fetchurl {{ {fake} }}; build-system = [ {build_system} ];"
            ' mesonFlags = [ "-Dsystem-qhull=true" "-Db_lto=false" ]; }).setupArgs'
        )
        result: str = nix.evaluate(expression)
        return result

    assert setup_args("meson-python") == (
        "--config-settings=setup-args=-Dsystem-qhull=true "
        "--config-settings=setup-args=-Db_lto=false"
    )
    assert setup_args("py.setuptools") == ""
