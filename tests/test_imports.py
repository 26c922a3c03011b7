"""Imports: every module imports on its own, and the stages keep their boundaries.

The imports are read from the source with :mod:`ast`, including those inside
functions (which only run when the function does) and those under
``TYPE_CHECKING`` (which never run, but still tie the modules together).
"""

from __future__ import annotations

import ast
import importlib.util
import pkgutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import pypi2nix

PACKAGE = Path(pypi2nix.__path__[0])

SCRIPT = """
import importlib, sys
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "pypi2nix" or m.startswith("pypi2nix.")]:
        del sys.modules[loaded]
    importlib.import_module(name)
"""

# Modules that read or write files, spawn processes or talk to the network.
IO_MODULES = (
    "io", "os", "pathlib", "shutil", "socket", "subprocess", "tempfile", "requests", "urllib3",
    "urllib.request", "pypi2nix.index", "pypi2nix.sources", "pypi2nix.writer", "pypi2nix.ui",
    "pypi2nix.commands", "pypi2nix.inputs", "pypi2nix.dists",
)  # fmt: skip

# stage -> modules it must never import (at run time, inside functions, or for types).
BOUNDARIES = {
    "pypi2nix.inputs": ("pypi2nix.index", "pypi2nix.dists", "pypi2nix.nix", "pypi2nix.sources"),
    "pypi2nix.index": (
        "pypi2nix.nix", "pypi2nix.resolve", "pypi2nix.pins", "pypi2nix.lock", "pypi2nix.backend",
    ),
    "pypi2nix.dists": ("pypi2nix.index", "pypi2nix.resolve", "pypi2nix.nix", "pypi2nix.pins"),
    "pypi2nix.resolve": (
        "pypi2nix.index.cache", "pypi2nix.index.client", "pypi2nix.index.pages",
        "pypi2nix.index.repository", "pypi2nix.lock", "pypi2nix.nix", "pypi2nix.pins",
        "pypi2nix.commands",
    ),
    "pypi2nix.pins": ("pypi2nix.nix", "pypi2nix.lock", "pypi2nix.commands"),
    "pypi2nix.nix": ("pypi2nix.resolve", "pypi2nix.pins", "pypi2nix.lock", *IO_MODULES),
    "pypi2nix.lock": (
        "pypi2nix.nix", "pypi2nix.resolve.factory", "pypi2nix.commands", "pypi2nix.index",
        "pypi2nix.backend",
    ),
    # The build backend is given what it needs (downloads, an environment resolver).
    "pypi2nix.backend": ("pypi2nix.pins", "pypi2nix.resolve", "pypi2nix.lock", "pypi2nix.index"),
    # The command line layer knows the option table, not the stages.
    "pypi2nix.arguments": ("pypi2nix.index", "pypi2nix.inputs", "pypi2nix.parser", "argparse"),
    "pypi2nix.flags": ("pypi2nix.index", "pypi2nix.inputs", "argparse"),
    "pypi2nix.parser": ("pypi2nix.index", "pypi2nix.inputs"),
    # The commands compose the stages; they never parse a command line.
    "pypi2nix.commands": ("pypi2nix.parser", "pypi2nix.cli", "argparse"),
}  # fmt: skip

# The index's cache is the index's: only index/ and the composition in commands/ use it.
INDEX_CACHE = "pypi2nix.index.cache"
INDEX_CACHE_USERS = ("pypi2nix.index", "pypi2nix.commands.pipeline")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the imported module (or package, for ``from package import name``)
    line: int
    type_only: bool  # under ``if TYPE_CHECKING:``


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[Import]:
    """Every import statement of a module, wherever it stands."""
    return imports_in(module_name(path), path.read_text())


def imports_in(name: str, source: str) -> list[Import]:
    """Every import statement of the source of module ``name``."""
    tree = ast.parse(source)
    type_only_lines = {
        node.lineno
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
        if hasattr(node, "lineno")
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [_submodule_or_package(node.module, alias.name) for alias in node.names]
        else:
            continue
        for target in targets:
            found.append(Import(name, target, node.lineno, node.lineno in type_only_lines))
    return found


def _submodule_or_package(package: str, name: str) -> str:
    """``from package import name`` imports the submodule ``package.name`` when there
    is one, else a name defined by the package itself."""
    if not package.startswith("pypi2nix"):
        return package
    spec = importlib.util.find_spec(package)
    is_package = spec is not None and spec.submodule_search_locations is not None
    if is_package and importlib.util.find_spec(f"{package}.{name}") is not None:
        return f"{package}.{name}"
    return package


ALL_IMPORTS = [item for path in sorted(PACKAGE.rglob("*.py")) for item in imports_of(path)]


def is_within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


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


def test_imports_inside_functions_resolve() -> None:
    """An import that runs only when its function does must name something real."""
    nested = [item for item in ALL_IMPORTS if is_within(item.target, "pypi2nix")]
    assert nested, "the scan found no pypi2nix imports at all"
    for item in nested:
        assert importlib.util.find_spec(item.target) is not None, item


def crossings(stage: str, imports: list[Import]) -> list[Import]:
    """The imports of modules of ``stage`` that its boundary forbids."""
    forbidden = BOUNDARIES[stage]
    io_exempt_for_types = stage == "pypi2nix.nix"
    return [
        item
        for item in imports
        if is_within(item.module, stage)
        and any(is_within(item.target, banned) for banned in forbidden)
        and not (io_exempt_for_types and item.type_only and item.target == "pathlib")
    ]


@pytest.mark.parametrize("stage", sorted(BOUNDARIES))
def test_stage_boundaries(stage: str) -> None:
    assert crossings(stage, ALL_IMPORTS) == []


# Per boundary, a module of the stage and an import it must not make (planted below).
PLANTED = {
    "pypi2nix.inputs": ("pypi2nix.inputs.x", "from pypi2nix.index.client import HttpClient"),
    "pypi2nix.index": ("pypi2nix.index.x", "from pypi2nix.backend import MetadataBuilder"),
    "pypi2nix.dists": ("pypi2nix.dists.x", "import pypi2nix.pins.facts"),
    "pypi2nix.resolve": ("pypi2nix.resolve.x", "from pypi2nix.index.repository import A"),
    "pypi2nix.pins": ("pypi2nix.pins.x", "from pypi2nix.lock import cache"),
    "pypi2nix.nix": ("pypi2nix.nix.x", "import subprocess"),
    "pypi2nix.lock": ("pypi2nix.lock.x", "from pypi2nix.index.cache import Cache"),
    "pypi2nix.backend": ("pypi2nix.backend.x", "from pypi2nix.pins import build_environment_wheels"),
    "pypi2nix.arguments": ("pypi2nix.arguments", "from pypi2nix.inputs import read_inputs"),
    "pypi2nix.flags": ("pypi2nix.flags", "from pypi2nix.index.cache import Cache"),
    "pypi2nix.parser": ("pypi2nix.parser", "from pypi2nix.index.cache import Cache"),
    "pypi2nix.commands": ("pypi2nix.commands.x", "import argparse"),
}  # fmt: skip


@pytest.mark.parametrize("stage", sorted(BOUNDARIES))
@pytest.mark.parametrize("where", ["module", "function", "types"])
def test_each_boundary_fails_on_a_planted_violation(stage: str, where: str) -> None:
    module, statement = PLANTED[stage]
    source = {
        "module": statement,
        "function": f"def f():\n    {statement}\n",
        "types": f"from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    {statement}\n",
    }[where]
    planted = [item for item in imports_in(module, source) if item.target != "typing"]
    assert len(planted) == 1
    assert planted[0].type_only == (where == "types")
    assert crossings(stage, [*ALL_IMPORTS, *planted]) == planted


def cache_users(imports: list[Import]) -> list[Import]:
    """Imports of the index's cache from outside index/ and the composition."""
    return [
        item
        for item in imports
        if is_within(item.target, INDEX_CACHE)
        and not any(is_within(item.module, user) for user in INDEX_CACHE_USERS)
    ]


def cache_reaches(module: str, source: str) -> list[str]:
    """``<something>.cache`` attribute reads: the index's cache reached through it."""
    return [
        f"{module}:{node.lineno}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and node.attr == "cache"
        and not (isinstance(node.value, ast.Name) and node.value.id == "functools")
    ]


def test_only_the_index_and_the_composition_touch_the_index_cache() -> None:
    assert cache_users(ALL_IMPORTS) == []
    reaches = [
        reach
        for path in sorted(PACKAGE.rglob("*.py"))
        if not any(is_within(module_name(path), user) for user in INDEX_CACHE_USERS)
        for reach in cache_reaches(module_name(path), path.read_text())
    ]
    assert reaches == []
    planted = imports_in("pypi2nix.pins.x", "from pypi2nix.index.cache import Cache")
    assert cache_users(planted) == planted
    assert cache_reaches("pypi2nix.lock.x", "index.cache.lock(key)") == ["pypi2nix.lock.x:1"]


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """Cycles among the modules' imports, type-only and inside functions included."""
    edges: dict[str, set[str]] = {}
    for item in imports:
        if is_within(item.target, "pypi2nix"):
            edges.setdefault(item.module, set()).add(item.target)
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for child in sorted(edges.get(node, ())):
            if state.get(child) == "open":
                cycles.append([*path[path.index(child) :], child])
            elif child not in state:
                visit(child, [*path, child])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    return cycles


def test_no_import_cycles() -> None:
    """No two files import each other, however indirectly (an import for types or
    inside a function ties them as much as one that runs)."""
    assert import_cycles(ALL_IMPORTS) == []
    planted = imports_in("pypi2nix.models", "from pypi2nix.lock.frozen import render_frozen")
    assert import_cycles([*ALL_IMPORTS, *planted])


def test_the_scan_sees_imports_inside_functions_and_for_types() -> None:
    """``cli._run`` imports each command when it runs it; ``factory`` imports the
    release source protocol for types only."""
    assert any(
        item.module == "pypi2nix.cli" and item.target == "pypi2nix.commands.generate"
        for item in ALL_IMPORTS
    )
    assert any(
        item.module == "pypi2nix.resolve.factory"
        and item.target == "pypi2nix.resolve.source"
        and item.type_only
        for item in ALL_IMPORTS
    )


def test_every_package_directory_is_a_regular_package() -> None:
    """setuptools only installs directories with an ``__init__.py``."""
    for directory in PACKAGE.rglob("*"):
        if directory.is_dir() and any(directory.glob("*.py")):
            assert (directory / "__init__.py").is_file(), directory
