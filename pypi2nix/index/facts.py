"""Top-level import names of a distribution, from the real list of its files.

The names are what ``pythonImportsCheck`` imports, so they must be importable:
only packages (directories with ``__init__.py``), modules and extension modules
count, never tests, docs or build scripts. When one of them is named after the
project, that one alone is checked, as nixpkgs usually does (``black`` ships
``blackd``, which needs an optional dependency).
"""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable

_NOT_MODULES = frozenset(
    {
        "__pycache__", "benchmark", "benchmarks", "bootstrap", "conftest", "distribute_setup",
        "doc", "docs", "example", "examples", "ez_setup", "fabfile", "manage", "noxfile",
        "runtests", "setup", "tasks", "test", "tests", "tox", "versioneer",
    }
)  # fmt: skip
_DATA_LIBRARY = re.compile(r"^[^/]+\.data/(?:purelib|platlib)/")
_EXTENSION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.(?:[^/]*\.)?(?:so|pyd)$")


def import_names_from_wheel(paths: Iterable[str], *, project: str) -> tuple[str, ...]:
    """Import names from the member list of a wheel."""
    module_paths = []
    for path in paths:
        path = _DATA_LIBRARY.sub("", path)  # noqa: PLW2901
        first = path.split("/", 1)[0]
        if not first.endswith((".dist-info", ".data")):
            module_paths.append(path)
    return _choose(_top_level_names(module_paths), project)


def import_names_from_sdist(
    paths: Iterable[str], *, project: str, top_level_txt: bytes | None = None
) -> tuple[str, ...]:
    """Import names from the member list of an sdist (paths relative to its root).

    setuptools' ``*.egg-info/top_level.txt`` wins when present; otherwise packages
    under ``src/`` (or else at the root) and, failing those, root-level modules.
    """
    if top_level_txt is not None:
        listed = [line.strip() for line in top_level_txt.decode("utf-8", "replace").splitlines()]
        names = {name.replace("/", ".") for name in listed if _is_module_name(name)}
        if names:
            return _choose(names, project)
    all_paths = list(paths)
    src_paths = [path[4:] for path in all_paths if path.startswith("src/")]
    for candidate_paths in (src_paths, all_paths):
        packages = _top_level_names([path for path in candidate_paths if "/" in path])
        if packages:
            return _choose(packages, project)
    modules = _top_level_names([path for path in all_paths if "/" not in path])
    return _choose({name for name in modules if not _looks_like_test(name)}, project)


def _top_level_names(paths: Iterable[str]) -> set[str]:
    names: set[str] = set()
    directories: dict[str, set[str]] = {}
    for path in paths:
        head, _, rest = path.partition("/")
        if not rest:
            module = _module_name(head)
            if module is not None:
                names.add(module)
        else:
            directories.setdefault(head, set()).add(rest)
    for directory, contents in directories.items():
        if not _is_module_name(directory):
            continue
        if "__init__.py" in contents:
            names.add(directory)
        else:
            names.update(f"{directory}.{name}" for name in _top_level_names(contents))
    return {name for name in names if name.split(".")[0] not in _NOT_MODULES}


def _module_name(filename: str) -> str | None:
    if filename.endswith(".py"):
        stem = filename[:-3]
        return stem if _is_module_name(stem) else None
    match = _EXTENSION.match(filename)
    return match[1] if match else None


def _is_module_name(name: str) -> bool:
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split("."))


def _looks_like_test(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test")


def _choose(names: set[str], project: str) -> tuple[str, ...]:
    normalized = canonicalize_name(project)
    for own_name in (normalized.replace("-", "_"), normalized.replace("-", ".")):
        matching = [name for name in names if name.lower() == own_name]
        if matching:
            return (min(matching),)
    public = {name for name in names if not name.split(".")[-1].startswith("_")}
    return tuple(sorted(public or names))


def provided_names(paths: Iterable[str]) -> frozenset[str]:
    """Every top-level name a distribution installs (packages, modules, namespaces)."""
    names = set()
    for path in paths:
        head = _DATA_LIBRARY.sub("", path).split("/", 1)[0]
        if head.endswith((".dist-info", ".data")):
            continue
        module = _module_name(head) if "/" not in path else head
        if module is not None and _is_module_name(module):
            names.add(module)
    return frozenset(names)


def module_files(module: str) -> tuple[str, str]:
    """Where a dotted module's source lives below a site-packages root."""
    path = module.replace(".", "/")
    return f"{path}/__init__.py", f"{path}.py"


@dataclass(frozen=True, slots=True)
class ModuleImports:
    """What a module imports unconditionally when it is imported."""

    external: frozenset[str]
    internal: frozenset[str]


def module_imports(
    source: bytes, module: str, *, is_package: bool, own: Collection[str]
) -> ModuleImports | None:
    """Top-level names a module imports at module level, outside ``try``, ``if`` and
    function bodies, split into other distributions' names and modules of its own
    (``own`` top-level names; relative imports resolved). ``None`` when the source
    does not parse (it is then not judged)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    package = module if is_package else module.rpartition(".")[0]
    external: set[str] = set()
    internal: set[str] = set()
    for statement in tree.body:
        for name in _imported_names(statement, package):
            (internal if name.split(".")[0] in own else external).add(name)
    return ModuleImports(
        external=frozenset(name.split(".")[0] for name in external), internal=frozenset(internal)
    )


def _imported_names(statement: ast.stmt, package: str) -> list[str]:
    if isinstance(statement, ast.Import):
        return [alias.name for alias in statement.names]
    if not isinstance(statement, ast.ImportFrom):
        return []
    if statement.level == 0:
        return [statement.module] if statement.module else []
    base = package.split(".")
    if statement.level > 1:
        base = base[: -(statement.level - 1)] if statement.level - 1 < len(base) else []
    if not base:
        return []
    prefix = ".".join(base)
    if statement.module:
        return [f"{prefix}.{statement.module}"]
    return [f"{prefix}.{alias.name}" for alias in statement.names]
