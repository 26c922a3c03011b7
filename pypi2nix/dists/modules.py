"""Top-level import names of a distribution, from the real list of its files.

The names are what ``pythonImportsCheck`` imports, so they must be importable:
only packages (directories with ``__init__.py``), modules and extension modules
count, never tests, docs, build scripts or shared libraries (``libcupti.so`` in a
folder that is no package). Every public one is listed (``attrs`` ships ``attr`` and
``attrs``); those that need a distribution the pin lacks (``black`` ships ``blackd``,
which needs an optional dependency) are left out later, by what they import.
"""

from __future__ import annotations

import ast
import keyword
import re
from typing import TYPE_CHECKING

from pypi2nix.dists.guards import (
    conditional_reraised_imports,
    may_hold_anywhere,
    parsed_if_it_raises,
    raising_conditions,
    reraised_imports,
)
from pypi2nix.dists.python_source import parse_module
from pypi2nix.dists.selection import declared_import_names, packaged_files
from pypi2nix.models import IMPORT_GUARD, NAMESPACE_MARK, conditional_import_mark, guard_mark

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    # What the module file at a path imports (None: unknown).
    ImportsOf = Callable[[str], tuple[str, ...] | None]

_NOT_MODULES = frozenset(
    {
        "__pycache__", "benchmark", "benchmarks", "bootstrap", "conftest", "distribute_setup",
        "doc", "docs", "example", "examples", "ez_setup", "fabfile", "manage", "noxfile",
        "runtests", "setup", "tasks", "test", "tests", "tox", "versioneer",
    }
)  # fmt: skip
_DATA_LIBRARY = re.compile(r"^[^/]+\.data/(?:purelib|platlib)/")
# Sources kept for the static import check: modules up to three levels deep (a
# package's submodules, and those of a package in a namespace).
_CHECKABLE_SOURCE = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*/){0,2}[A-Za-z_][A-Za-z0-9_]*\.py$")
MAX_SOURCE_BYTES = 256 * 1024
# A declared namespace holding more names than this is the distribution's own tree
# (Paste ships all of paste/), checked by the namespace's name as nixpkgs does.
MAX_DECLARED_NAMESPACE_NAMES = 3
# pkgutil's ``__path__ = extend_path(__path__, __name__)`` and pkg_resources'
# ``declare_namespace(__name__)``.
_NAMESPACE_DECLARATION = re.compile(
    r"extend_path\(\s*__path__\s*,\s*__name__\s*\)|declare_namespace\(\s*__name__\s*\)"
)
# An unindented ``__import__("pkg_resources").declare_namespace(__name__)`` imports
# pkg_resources (setuptools) whenever the package is imported (sphinx-tabs 3.2.0).
_DUNDER_IMPORT = re.compile(r"""^__import__\(\s*['"]([A-Za-z_][\w.]*)['"]\s*\)""", re.MULTILINE)
_EXTENSION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.(?:([^/]*)\.)?(?:so|pyd)$")
# The tags of CPython's and PyPy's extension module suffixes (``.cpython-312-...so``,
# ``.abi3.so``, ``.cp312-win_amd64.pyd``, ``.pypy310-pp73-...so``).
_EXTENSION_TAG = re.compile(r"^(?:cpython-|cp\d|abi3$|pypy)")


def import_names_from_wheel(
    paths: Iterable[str], *, imports_of: ImportsOf | None = None
) -> tuple[str, ...]:
    """Import names from the member list of a wheel.

    :param imports_of: what a member imports, when known: an ``__init__.py`` that
        declares a pkgutil or pkg_resources namespace (``backports``) stands for the
        packages below it (``backports.shutil_get_terminal_size``).
    """
    module_paths = []
    for path in paths:
        path = _DATA_LIBRARY.sub("", path)  # noqa: PLW2901
        first = path.split("/", 1)[0]
        if not first.endswith((".dist-info", ".data")):
            module_paths.append(path)
    return _public(_top_level_names(module_paths, namespace=_namespace_test(imports_of)))


def import_names_from_sdist(
    paths: Iterable[str],
    *,
    top_level_txt: bytes | None = None,
    files: Mapping[str, bytes] | None = None,
    project: str | None = None,
    imports_of: ImportsOf | None = None,
) -> tuple[str, ...]:
    """Import names from the member list of an sdist or a source tree (paths relative
    to its root), from what its build will install, before guessing.

    In order: setuptools' ``*.egg-info/top_level.txt``; ``[project] import-names``;
    the files its build backend packages (:func:`pypi2nix.dists.selection.packaged_files`,
    from ``files``: its ``pyproject.toml``, ``setup.cfg`` and ``setup.py``);
    otherwise packages under ``src/`` (or else at the root) and, failing those,
    root-level modules. A namespace package (a folder without ``__init__.py``, or one
    whose ``__init__.py`` declares the namespace) stands for the packages below it.
    """
    all_paths = list(paths)
    namespace = _namespace_test(imports_of)
    if top_level_txt is not None:
        listed = [line.strip() for line in top_level_txt.decode("utf-8", "replace").splitlines()]
        names = {name.replace("/", ".") for name in listed if _is_module_name(name)}
        if names:
            return _public(_below_namespaces(names, all_paths, namespace))
    files = files or {}
    declared = declared_import_names(files)
    if declared:
        return _public(set(declared))
    placed = packaged_files(all_paths, files, project)
    if placed:
        sources = dict(placed)
        names = _top_level_names(sources, namespace=lambda path: namespace(sources.get(path, path)))
        if names:
            return _public(names)
    src_paths = [path[4:] for path in all_paths if path.startswith("src/")]
    for candidate_paths in (src_paths, all_paths):
        packages = _top_level_names(
            [path for path in candidate_paths if "/" in path], namespace=namespace
        )
        if packages:
            return _public(packages)
    modules = _top_level_names([path for path in all_paths if "/" not in path])
    return _public({name for name in modules if not _looks_like_test(name)})


def _below_namespaces(
    names: set[str], paths: list[str], namespace: Callable[[str], bool]
) -> set[str]:
    """Listed top-level names, each namespace package among them replaced by the
    packages below it (top_level.txt names ``backports``)."""
    relative = [path.removeprefix("src/") for path in paths]
    found = set()
    for name in names:
        below = [path for path in relative if path.startswith(f"{name}/")]
        inner = _top_level_names(below, namespace=namespace) if below else set()
        found.update(inner or {name})
    return found


def built_from_sdist(names: Iterable[str], paths: Iterable[str]) -> tuple[str, ...]:
    """Of a wheel's import names, those whose package or module an sdist (its complete
    member list) holds, anywhere in it: a wheel built from another tree may ship a
    folder the sdist no longer has. An extension module counts by its source file."""
    entries: set[str] = set()
    for path in paths:
        parts = path.split("/")
        entries.update("/".join(parts[:end]) for end in range(1, len(parts)))
        entries.add(path.rsplit(".", 1)[0])
    return tuple(
        name
        for name in names
        if any(
            entry == path or entry.endswith(f"/{path}")
            for path in [name.replace(".", "/")]
            for entry in entries
        )
    )


def _namespace_test(imports_of: ImportsOf | None) -> Callable[[str], bool]:
    """Whether the ``__init__.py`` at a path declares a namespace (unknown: it does not)."""
    if imports_of is None:
        return lambda path: False
    return lambda path: NAMESPACE_MARK in (imports_of(path) or ())


def _top_level_names(
    paths: Iterable[str],
    *,
    in_namespace: bool = False,
    namespace: Callable[[str], bool] = lambda path: False,
    prefix: str = "",
) -> set[str]:
    """:param in_namespace: the paths are inside a folder with no ``__init__.py``, where
        an untagged ``name.so`` is a shared library, not an extension module.
    :param namespace: whether the ``__init__.py`` at a path declares a namespace.
    :param prefix: the folder the paths are in (for ``namespace``)."""
    names: set[str] = set()
    directories: dict[str, set[str]] = {}
    for path in paths:
        head, _, rest = path.partition("/")
        if not rest:
            module = _module_name(head, untagged_extensions=not in_namespace)
            if module is not None:
                names.add(module)
        else:
            directories.setdefault(head, set()).add(rest)
    for directory, contents in directories.items():
        if not _is_module_name(directory):
            continue
        initialized = "__init__.py" in contents
        if initialized and not namespace(f"{prefix}{directory}/__init__.py"):
            names.add(directory)
            continue
        inner = _top_level_names(
            contents - {"__init__.py"},
            in_namespace=True,
            namespace=namespace,
            prefix=f"{prefix}{directory}/",
        )
        if initialized and not 0 < len(inner) <= MAX_DECLARED_NAMESPACE_NAMES:
            names.add(directory)  # nothing below, or a tree of its own (Paste's paste/)
        else:
            names.update(f"{directory}.{name}" for name in inner)
    return {name for name in names if name.split(".")[0] not in _NOT_MODULES}


def _module_name(filename: str, *, untagged_extensions: bool = True) -> str | None:
    if filename.endswith(".py"):
        stem = filename[:-3]
        return stem if _is_module_name(stem) else None
    match = _EXTENSION.match(filename)
    if match is None:
        return None
    tag = match[2]
    if tag is None:
        return match[1] if untagged_extensions else None
    return match[1] if _EXTENSION_TAG.match(tag) else None


def _is_module_name(name: str) -> bool:
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split("."))


def _looks_like_test(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test")


def _public(names: set[str]) -> tuple[str, ...]:
    """Every public name; when there is none, the private ones (``_cffi_backend``)."""
    public = {name for name in names if not name.split(".")[-1].startswith("_")}
    return tuple(sorted(public or names))


def is_checkable_source(path: str, size: int) -> bool:
    """Whether a file (``src/`` layouts too) is a module source worth keeping."""
    return (
        size <= MAX_SOURCE_BYTES and _CHECKABLE_SOURCE.match(path.removeprefix("src/")) is not None
    )


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


class ModuleImports:
    """What a distribution's modules import, parsed lazily from the sources read.

    Parse results are remembered (and cached on disk by their owner); the sources
    themselves live only for the run.
    """

    def __init__(
        self,
        parsed: dict[str, tuple[str, ...] | None] | None = None,
        sources: Mapping[str, bytes] | Callable[[str], bytes | None] | None = None,
    ) -> None:
        """:param sources: module sources by path, or a function that reads one."""
        self.parsed = dict(parsed or {})
        if sources is None or callable(sources):
            self._read = sources or (lambda path: None)
        else:
            self._read = dict(sources).get
        self._loaded = len(self.parsed)

    def of(self, path: str) -> tuple[str, ...] | None:
        """What the module at ``path`` (below site-packages; ``src/`` too) imports, or
        ``None`` when its source was not read or does not parse."""
        for candidate in (path, f"src/{path}"):
            if candidate in self.parsed:
                return self.parsed[candidate]
            source = self._read(candidate)
            if source is not None:
                self.parsed[candidate] = source_imports(candidate, source)
                return self.parsed[candidate]
        return None

    @property
    def grew(self) -> bool:
        """Whether modules were parsed since it was loaded."""
        return len(self.parsed) > self._loaded

    def to_json(self) -> dict[str, list[str] | None]:
        return {
            path: None if names is None else list(names)
            for path, names in sorted(self.parsed.items())
        }

    @classmethod
    def from_json(cls, data: dict[str, list[str] | None]) -> ModuleImports:
        return cls({path: None if names is None else tuple(names) for path, names in data.items()})


def source_imports(path: str, source: bytes) -> tuple[str, ...] | None:
    """Dotted names the module at ``path`` (below site-packages, or ``src/``) imports
    at module level, outside ``try``, ``if`` and function bodies; relative imports are
    resolved. ``None`` when they do not parse (the module is then not judged).

    Only the unindented ``import``/``from`` statements are parsed: those are exactly the
    unconditional module-level ones, and parsing whole modules was the costliest part
    of a cold run.
    """
    try:
        decoded = source.decode("utf-8")
        tree = parse_module(_top_level_imports(decoded))
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None
    parts = path.removeprefix("src/").removesuffix(".py").split("/")
    is_package = parts[-1] == "__init__"
    module = ".".join(parts[:-1] if is_package else parts)
    package = module if is_package else module.rpartition(".")[0]
    whole = parsed_if_it_raises(decoded)
    statements = [*tree.body, *(reraised_imports(whole) if whole is not None else [])]
    names = {name for statement in statements for name in _imported_names(statement, package)}
    names.update(_DUNDER_IMPORT.findall(decoded))
    if whole is not None:
        conditions = raising_conditions(whole)
        names.update(
            guard_mark(condition) if condition else IMPORT_GUARD for condition in conditions
        )
        names.update(
            conditional_import_mark(name, condition)
            for condition, statement in conditional_reraised_imports(whole)
            for name in _imported_names(statement, package)
        )
    if is_package and declares_namespace(decoded):
        names.add(NAMESPACE_MARK)
    return tuple(sorted(names))


def guards_its_import(source: str | bytes) -> bool:
    """Whether a module-level ``if`` raises ImportError on a condition that may hold
    for some target (bs4's ``if sys.version_info.major < 3:`` holds for none)."""
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    tree = parsed_if_it_raises(text)
    return tree is not None and may_hold_anywhere(raising_conditions(tree))


def declares_namespace(text: str) -> bool:
    """Whether a package's ``__init__.py`` declares a pkgutil or pkg_resources namespace."""
    return _NAMESPACE_DECLARATION.search(text) is not None


def _top_level_imports(text: str) -> str:
    """The unindented import statements of a module, continuation lines included."""
    statements: list[str] = []
    lines = iter(text.splitlines())
    for line in lines:
        if not line.startswith(("import ", "from ")):
            continue
        statement = [line]
        open_parentheses = line.count("(") - line.count(")")
        while statement[-1].rstrip().endswith("\\") or open_parentheses > 0:
            following = next(lines, None)
            if following is None:
                break
            statement.append(following)
            open_parentheses += following.count("(") - following.count(")")
        statements.append("\n".join(statement))
    return "\n".join(statements)


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
