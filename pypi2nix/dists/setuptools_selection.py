"""The packages and modules setuptools puts in a wheel, from what the project declares
without running code: ``[tool.setuptools]`` of ``pyproject.toml``, ``[options]`` of
``setup.cfg`` and the literal arguments of ``setup(...)`` (``packages=[...]``,
``find_packages(where=..., exclude=[...])``, ``package_dir={...}``), else setuptools'
automatic discovery (src layout, or a flat layout without its reserved names)."""

from __future__ import annotations

import ast
import configparser
import fnmatch
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pypi2nix.dists.python_source import parse_module

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pypi2nix.dists.source_tree import Placed, SourceTree

# setuptools' discovery.py: the names its flat-layout finders never take for a
# package or a top-level module (FlatLayoutPackageFinder._EXCLUDE, and
# FlatLayoutModuleFinder.DEFAULT_EXCLUDE).
FLAT_LAYOUT_EXCLUDED_PACKAGES = (
    "ci", "bin", "debian", "doc", "docs", "documentation", "manpages", "news",
    "newsfragments", "changelog", "test", "tests", "unit_test", "unit_tests", "example",
    "examples", "scripts", "tools", "util", "utils", "python", "build", "dist", "venv",
    "env", "requirements", "tasks", "fabfile", "site_scons", "benchmark", "benchmarks",
    "exercise", "exercises", "htmlcov", "[._]*",
)  # fmt: skip
FLAT_LAYOUT_EXCLUDED_MODULES = (
    "setup", "conftest", "test", "tests", "example", "examples", "build", "toxfile",
    "noxfile", "pavement", "dodo", "tasks", "fabfile", "[Ss][Cc]onstruct", "conanfile",
    "manage", "benchmark", "benchmarks", "exercise", "exercises", "[._]*",
)  # fmt: skip
_ALWAYS_EXCLUDED = ("ez_setup", "*__pycache__")


class Unknowable(Exception):
    """Only running the project's code could tell (a computed argument)."""


@dataclass(frozen=True, slots=True)
class Find:
    """``find_packages()`` / ``find:`` and their namespace forms."""

    where: str = ""
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    namespaces: bool = False
    # The flat layout's discovery: only folders named as Python identifiers.
    identifiers: bool = False


@dataclass(frozen=True, slots=True)
class Declared:
    """What one configuration file declares (``None``: it does not say)."""

    packages: tuple[str, ...] | Find | None = None
    py_modules: tuple[str, ...] | None = None
    package_dir: dict[str, str] = field(default_factory=dict)


def setuptools_selection(
    tree: SourceTree,
    pyproject: dict[str, Any],
    setup_cfg: bytes | None,
    setup_py: bytes | None,
) -> list[Placed] | None:
    """The files setuptools would put in the wheel (``None``: it cannot be told)."""
    try:
        declared = [
            _from_pyproject(pyproject),
            _from_setup_cfg(setup_cfg) if setup_cfg is not None else Declared(),
            _from_setup_py(setup_py) if setup_py is not None else Declared(),
        ]
    except Unknowable:
        return None
    packages: tuple[str, ...] | Find | None = None
    py_modules: tuple[str, ...] | None = None
    package_dir: dict[str, str] = {}
    for each in declared:  # setup.py's arguments win over setup.cfg over pyproject.toml
        packages = each.packages if each.packages is not None else packages
        py_modules = each.py_modules if each.py_modules is not None else py_modules
        package_dir = each.package_dir or package_dir
    if isinstance(packages, Find):
        where = _folder(packages.where)
        package_dir = {**package_dir, "": where} if where else package_dir
        packages = tuple(find_packages(tree, replace(packages, where=where)))
    if packages is None and py_modules is None:
        return _discovered(tree, package_dir)
    return _placed(tree, packages or (), py_modules or (), package_dir)


def _folder(*parts: str) -> str:
    return "/".join(part.strip("/") for part in parts if part.strip("/") not in ("", "."))


def find_packages(tree: SourceTree, find: Find) -> list[str]:
    """The packages setuptools' ``find_packages`` (or ``find_namespace_packages``)
    finds below ``find.where``."""
    exclude = find.exclude
    found: list[str] = []
    pending = [(find.where, "")]
    while pending:
        folder, package_prefix = pending.pop()
        for name in tree.subfolders(folder):
            path = _folder(folder, name)
            package = package_prefix + name
            if "." in name or not (find.namespaces or tree.is_file(f"{path}/__init__.py")):
                continue
            if find.identifiers and not (name.isidentifier() or name.endswith("-stubs")):
                continue
            if _matches(package, find.include) and not _matches(
                package, (*_ALWAYS_EXCLUDED, *exclude)
            ):
                found.append(package)
            if f"{package}*" in exclude or f"{package}.*" in exclude:
                continue
            pending.append((path, f"{package}."))
    return sorted(found)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _discovered(tree: SourceTree, package_dir: dict[str, str]) -> list[Placed] | None:
    """setuptools' automatic discovery: an explicit ``package_dir``, else the src
    layout, else a flat layout with one top-level package or module (it refuses
    several: then the build fails anyway, and nothing is told)."""
    explicit = {name: path for name, path in package_dir.items() if name}
    if explicit:
        packages = [
            f"{name}.{inner}" if inner else name
            for name, path in explicit.items()
            for inner in ["", *find_packages(tree, Find(where=path, namespaces=True))]
        ]
        return _placed(tree, packages, (), package_dir)
    source = _folder(package_dir.get("", "src"))
    if source and tree.is_dir(source):
        packages = find_packages(tree, Find(where=source, namespaces=True))
        return _placed(tree, packages, _modules_in(tree, source, ()), {"": source})
    excluded = tuple(
        f"{name}{suffix}" for name in FLAT_LAYOUT_EXCLUDED_PACKAGES for suffix in ("", ".*")
    )
    packages = find_packages(tree, Find(exclude=excluded, namespaces=True, identifiers=True))
    top_level = {package.split(".")[0] for package in packages if not package.endswith("-stubs")}
    if len(top_level) == 1:
        return _placed(tree, packages, (), {})
    if top_level:
        return None
    modules = _modules_in(tree, "", FLAT_LAYOUT_EXCLUDED_MODULES)
    return _placed(tree, (), modules, {}) if len(modules) == 1 else None


def _modules_in(tree: SourceTree, folder: str, excluded: tuple[str, ...]) -> list[str]:
    names = [name.removesuffix(".py") for name in tree.file_names(folder) if name.endswith(".py")]
    return [name for name in names if name.isidentifier() and not _matches(name, excluded)]


def _placed(
    tree: SourceTree, packages: Iterable[str], modules: Iterable[str], package_dir: dict[str, str]
) -> list[Placed]:
    """Each package's own files (not its subfolders'), and each module's file."""
    placed: list[Placed] = []
    for package in packages:
        folder = _package_folder(package, package_dir)
        target = package.replace(".", "/")
        placed.extend(
            (f"{target}/{name}", _folder(folder, name)) for name in tree.file_names(folder)
        )
    for module in modules:
        source = _folder(_package_folder(module, package_dir)) + ".py"
        if tree.is_file(source):
            placed.append((f"{module.replace('.', '/')}.py", source))
    return placed


def _package_folder(package: str, package_dir: dict[str, str]) -> str:
    """Where setuptools looks for a package, by the longest prefix in ``package_dir``."""
    parts = package.split(".")
    for cut in range(len(parts), -1, -1):
        prefix = ".".join(parts[:cut])
        if prefix in package_dir:
            return _folder(package_dir[prefix], *parts[cut:])
    return "/".join(parts)


def _from_pyproject(document: dict[str, Any]) -> Declared:
    tool = document.get("tool")
    table = tool.get("setuptools") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return Declared()
    packages: tuple[str, ...] | Find | None = None
    value = table.get("packages")
    if isinstance(value, dict) and isinstance(value.get("find"), dict):
        options = value["find"]
        where = _strings(options.get("where", ["."]))
        if len(where) != 1:
            raise Unknowable  # several roots: one package_dir cannot say it
        packages = Find(
            where=where[0],
            include=tuple(_strings(options.get("include", ["*"]))),
            exclude=tuple(_strings(options.get("exclude", []))),
            namespaces=options.get("namespaces", True) is not False,
        )
    elif value is not None:
        packages = tuple(_strings(value))
    modules = table.get("py-modules")
    directories = table.get("package-dir")
    return Declared(
        packages=packages,
        py_modules=None if modules is None else tuple(_strings(modules)),
        package_dir=_string_mapping(directories) if directories is not None else {},
    )


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unknowable
    return list(value)


def _string_mapping(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in value.values()):
        raise Unknowable
    return {str(key): str(item) for key, item in value.items()}


def _from_setup_cfg(data: bytes) -> Declared:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(data.decode("utf-8", errors="replace"))
    except configparser.Error:
        return Declared()
    if not parser.has_section("options"):
        return Declared()
    options = parser["options"]
    packages: tuple[str, ...] | Find | None = None
    value = options.get("packages")
    if value is not None and value.strip() in ("find:", "find_namespace:"):
        find = (
            parser["options.packages.find"] if parser.has_section("options.packages.find") else {}
        )
        packages = Find(
            where=(_cfg_list(find.get("where", "")) or [""])[0],
            include=tuple(_cfg_list(find.get("include", ""))) or ("*",),
            exclude=tuple(_cfg_list(find.get("exclude", ""))),
            namespaces=value.strip() == "find_namespace:",
        )
    elif value is not None:
        if value.strip().startswith(("attr:", "file:")):
            raise Unknowable
        packages = tuple(_cfg_list(value))
    modules = options.get("py_modules")
    directories = options.get("package_dir")
    return Declared(
        packages=packages,
        py_modules=None if modules is None else tuple(_cfg_list(modules)),
        package_dir={} if directories is None else _cfg_mapping(directories),
    )


def _cfg_list(value: str) -> list[str]:
    return [item.strip() for line in value.splitlines() for item in line.split(",") if item.strip()]


def _cfg_mapping(value: str) -> dict[str, str]:
    mapping = {}
    for line in value.splitlines():
        if "=" in line:
            key, _, folder = line.partition("=")
            mapping[key.strip()] = folder.strip()
    return mapping


def _from_setup_py(source: bytes) -> Declared:
    """The arguments of the one ``setup(...)`` call at module level (or in a
    module-level ``if``, as under ``if __name__ == "__main__":``)."""
    try:
        tree = parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        raise Unknowable from error
    calls = [node for node in _module_level_calls(tree.body) if _called_name(node.func) == "setup"]
    if len(calls) != 1:
        raise Unknowable
    arguments: dict[str, ast.expr] = {}
    for keyword in calls[0].keywords:
        if keyword.arg is None:  # setup(**options): the lists may be in there
            raise Unknowable
        arguments[keyword.arg] = keyword.value
    if "ext_modules" in arguments and "packages" not in arguments:
        raise Unknowable  # only its extensions are installed, built from code
    packages: tuple[str, ...] | Find | None = None
    if "packages" in arguments:
        packages = _packages_argument(arguments["packages"])
    return Declared(
        packages=packages,
        py_modules=tuple(_literal_strings(arguments["py_modules"]))
        if "py_modules" in arguments
        else None,
        package_dir=_literal_mapping(arguments["package_dir"])
        if "package_dir" in arguments
        else {},
    )


def setup_py_name(source: bytes) -> str | None:
    """The ``name=`` of setup.py's one ``setup(...)`` call, when it is a literal."""
    try:
        tree = parse_module(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    calls = [node for node in _module_level_calls(tree.body) if _called_name(node.func) == "setup"]
    names = [k.value for call in calls for k in call.keywords if k.arg == "name"]
    try:
        return _literal_string(names[0]) if len(names) == 1 else None
    except Unknowable:
        return None


def _module_level_calls(body: list[ast.stmt]) -> list[ast.Call]:
    calls = []
    for statement in body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            calls.append(statement.value)
        elif isinstance(statement, ast.If):
            calls.extend(_module_level_calls([*statement.body, *statement.orelse]))
    return calls


def _called_name(function: ast.expr) -> str | None:
    if isinstance(function, ast.Name):
        return function.id
    return function.attr if isinstance(function, ast.Attribute) else None


def _packages_argument(value: ast.expr) -> tuple[str, ...] | Find:
    if isinstance(value, ast.Call) and _called_name(value.func) in (
        "find_packages",
        "find_namespace_packages",
    ):
        named = dict(zip(("where", "exclude", "include"), value.args, strict=False))
        named.update((keyword.arg, keyword.value) for keyword in value.keywords if keyword.arg)
        if len(named) != len(value.args) + len(value.keywords):
            raise Unknowable
        return Find(
            where=_literal_string(named["where"]) if "where" in named else "",
            include=tuple(_literal_strings(named["include"])) if "include" in named else ("*",),
            exclude=tuple(_literal_strings(named["exclude"])) if "exclude" in named else (),
            namespaces=_called_name(value.func) == "find_namespace_packages",
        )
    return tuple(_literal_strings(value))


def _literal_string(value: ast.expr) -> str:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    raise Unknowable


def _literal_strings(value: ast.expr) -> list[str]:
    if not isinstance(value, ast.List | ast.Tuple):
        raise Unknowable
    return [_literal_string(item) for item in value.elts]


def _literal_mapping(value: ast.expr) -> dict[str, str]:
    if not isinstance(value, ast.Dict) or None in value.keys:
        raise Unknowable
    return {
        _literal_string(key): _literal_string(item)
        for key, item in zip(value.keys, value.values, strict=True)
        if key is not None
    }
