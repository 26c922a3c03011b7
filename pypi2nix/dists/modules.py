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
import threading
from typing import TYPE_CHECKING

from pypi2nix.models import IMPORT_GUARD

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

_NOT_MODULES = frozenset(
    {
        "__pycache__", "benchmark", "benchmarks", "bootstrap", "conftest", "distribute_setup",
        "doc", "docs", "example", "examples", "ez_setup", "fabfile", "manage", "noxfile",
        "runtests", "setup", "tasks", "test", "tests", "tox", "versioneer",
    }
)  # fmt: skip
_DATA_LIBRARY = re.compile(r"^[^/]+\.data/(?:purelib|platlib)/")
# Sources kept for the static import check: top-level modules and packages, their
# direct submodules, and the packages of a namespace.
_CHECKABLE_SOURCE = re.compile(
    r"^(?:[A-Za-z_][A-Za-z0-9_]*/)?[A-Za-z_][A-Za-z0-9_]*\.py$"
    r"|^[A-Za-z_][A-Za-z0-9_]*/[A-Za-z_][A-Za-z0-9_]*/__init__\.py$"
)
MAX_SOURCE_BYTES = 256 * 1024
# In CPython 3.11, ast.parse keeps its recursion count in state shared by all
# threads, so two parses at once can fail with "AST constructor recursion depth
# mismatch": parses take turns.
_PARSE_LOCK = threading.Lock()
_EXTENSION = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.(?:([^/]*)\.)?(?:so|pyd)$")
# The tags of CPython's and PyPy's extension module suffixes (``.cpython-312-...so``,
# ``.abi3.so``, ``.cp312-win_amd64.pyd``, ``.pypy310-pp73-...so``).
_EXTENSION_TAG = re.compile(r"^(?:cpython-|cp\d|abi3$|pypy)")


def import_names_from_wheel(paths: Iterable[str]) -> tuple[str, ...]:
    """Import names from the member list of a wheel."""
    module_paths = []
    for path in paths:
        path = _DATA_LIBRARY.sub("", path)  # noqa: PLW2901
        first = path.split("/", 1)[0]
        if not first.endswith((".dist-info", ".data")):
            module_paths.append(path)
    return _public(_top_level_names(module_paths))


def import_names_from_sdist(
    paths: Iterable[str], *, top_level_txt: bytes | None = None, setup_py: bytes | None = None
) -> tuple[str, ...]:
    """Import names from the member list of an sdist (paths relative to its root).

    setuptools' ``*.egg-info/top_level.txt`` wins when present, then the ``packages``
    and ``py_modules`` that ``setup.py`` gives as literal lists; otherwise packages
    under ``src/`` (or else at the root) and, failing those, root-level modules.
    """
    if top_level_txt is not None:
        listed = [line.strip() for line in top_level_txt.decode("utf-8", "replace").splitlines()]
        names = {name.replace("/", ".") for name in listed if _is_module_name(name)}
        if names:
            return _public(names)
    declared = declared_in_setup_py(setup_py) if setup_py is not None else None
    if declared:
        return _public(set(declared))
    all_paths = list(paths)
    src_paths = [path[4:] for path in all_paths if path.startswith("src/")]
    for candidate_paths in (src_paths, all_paths):
        packages = _top_level_names([path for path in candidate_paths if "/" in path])
        if packages:
            return _public(packages)
    modules = _top_level_names([path for path in all_paths if "/" not in path])
    return _public({name for name in modules if not _looks_like_test(name)})


def declared_in_setup_py(source: bytes) -> tuple[str, ...] | None:
    """The top-level names of the ``packages`` and ``py_modules`` a module-level
    ``setup(...)`` call gives as literal lists of strings (``None`` when there is no
    such call, or either is computed: then only running it could tell)."""
    try:
        with _PARSE_LOCK:
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and _called_name(node.value.func) == "setup"
    ]
    if len(calls) != 1:
        return None
    names: set[str] = set()
    for argument in calls[0].keywords:
        if argument.arg in ("packages", "py_modules"):
            listed = _literal_strings(argument.value)
            if listed is None:
                return None
            names.update(name.split(".")[0] for name in listed if _is_module_name(name))
        elif argument.arg is None:  # setup(**options): the lists may be in there
            return None
    return tuple(sorted(names)) or None


def _called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    return function.attr if isinstance(function, ast.Attribute) else None


def _literal_strings(value: ast.expr) -> list[str] | None:
    if not isinstance(value, ast.List | ast.Tuple):
        return None
    items = [item.value for item in value.elts if isinstance(item, ast.Constant)]
    if len(items) != len(value.elts) or not all(isinstance(item, str) for item in items):
        return None
    return [str(item) for item in items]


def _top_level_names(paths: Iterable[str], *, in_namespace: bool = False) -> set[str]:
    """:param in_namespace: the paths are inside a folder with no ``__init__.py``, where
    an untagged ``name.so`` is a shared library, not an extension module."""
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
        if "__init__.py" in contents:
            names.add(directory)
        else:
            inner = _top_level_names(contents, in_namespace=True)
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
        text = _top_level_imports(decoded)
        with _PARSE_LOCK:
            tree = ast.parse(text)
    except (SyntaxError, ValueError, UnicodeDecodeError):
        return None
    parts = path.removeprefix("src/").removesuffix(".py").split("/")
    is_package = parts[-1] == "__init__"
    module = ".".join(parts[:-1] if is_package else parts)
    package = module if is_package else module.rpartition(".")[0]
    statements = [*tree.body, *_imports_made_unconditional(decoded)]
    names = {name for statement in statements for name in _imported_names(statement, package)}
    if guards_its_import(decoded):
        names.add(IMPORT_GUARD)
    return tuple(sorted(names))


_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _imports_made_unconditional(text: str) -> list[ast.stmt]:
    """The imports of a module-level ``try`` whose ImportError handler raises again
    (``try: import aiohttp`` / ``except ImportError: raise ImportError("install [d]")``):
    those are needed as much as unindented ones. Only modules that say ``raise
    ImportError`` are parsed whole for them."""
    if not any(raise_ in text for raise_ in _RAISES):
        return []
    try:
        with _PARSE_LOCK:
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    return [
        statement
        for node in tree.body
        if isinstance(node, ast.Try) and any(_raises_again(handler) for handler in node.handlers)
        for statement in node.body
        if isinstance(statement, ast.Import | ast.ImportFrom)
    ]


def _raises_again(handler: ast.ExceptHandler) -> bool:
    caught = handler.type
    names = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    catches_import_error = caught is None or any(
        isinstance(name, ast.Name) and name.id in _IMPORT_ERRORS for name in names
    )
    return catches_import_error and any(isinstance(node, ast.Raise) for node in handler.body)


_RAISES = ("raise ImportError", "raise ModuleNotFoundError")


def guards_its_import(source: str | bytes) -> bool:
    """Whether an unindented ``if`` block raises ImportError; one pass over the lines,
    and only over text that mentions it (the scan reads every module)."""
    text = source.decode("utf-8", "replace") if isinstance(source, bytes) else source
    if not any(raise_ in text for raise_ in _RAISES):
        return False
    in_if = False
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[0].isspace():
            in_if = line.startswith("if ")
        elif in_if and line.lstrip().startswith(_RAISES):
            return True
    return False


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
