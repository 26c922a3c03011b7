"""Every module imports on its own (no import cycles hidden by import order)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pypi2nix

SCRIPT = """
import importlib, sys
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "pypi2nix" or m.startswith("pypi2nix.")]:
        del sys.modules[loaded]
    importlib.import_module(name)
"""


def test_every_module_imports_alone() -> None:
    modules = [info.name for info in pkgutil.walk_packages(pypi2nix.__path__, prefix="pypi2nix.")]
    assert "pypi2nix.resolve.provider" in modules
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *[m for m in modules if m != "pypi2nix.__main__"]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_package_directory_is_a_regular_package() -> None:
    """setuptools only installs directories with an ``__init__.py``."""
    for directory in Path(pypi2nix.__path__[0]).rglob("*"):
        if directory.is_dir() and any(directory.glob("*.py")):
            assert (directory / "__init__.py").is_file(), directory
