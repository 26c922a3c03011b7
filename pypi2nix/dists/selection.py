"""What a source tree's build backend puts in the wheel, read from its static
configuration, else found by the backend's own default rules; never by running it.

yt-dlp's tree holds ``bundle/``, ``devscripts/`` and ``yt_dlp/``, and its
``[tool.hatch.build.targets.wheel] packages = ["yt_dlp"]`` says which one the wheel
gets. Each backend has its say: setuptools (:mod:`pypi2nix.dists.setuptools_selection`),
hatchling (``packages``, ``only-include``, ``include``, ``sources``), flit
(``[tool.flit.module] name``), pdm-backend (``includes``, ``package-dir``),
poetry-core (``packages``), maturin (``python-source``, ``module-name``) and
scikit-build-core (``wheel.packages``); a ``[project] import-names`` list (PEP 794)
says it outright.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from pypi2nix.dists.setuptools_selection import setuptools_selection
from pypi2nix.dists.source_tree import SourceTree, has_glob, placed_below
from pypi2nix.project_files import MetadataParseError, load_toml

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from pypi2nix.dists.source_tree import Placed

PYPROJECT = "pyproject.toml"
SETUP_CFG = "setup.cfg"
SETUP_PY = "setup.py"
# The files of a tree that say what its build backend packages.
BUILD_FILES = frozenset({PYPROJECT, SETUP_CFG, SETUP_PY})


def declared_import_names(files: Mapping[str, bytes]) -> tuple[str, ...] | None:
    """``[project] import-names`` (PEP 794), private ones last resort; ``None`` when
    the project does not declare them."""
    project = _table(_pyproject(files), "project")
    names = project.get("import-names")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return None
    entries = [name.partition(";") for name in names]
    public = [name.strip() for name, _, note in entries if note.strip() != "private"]
    return tuple(sorted(public or [name.strip() for name, _, _ in entries])) or None


def packaged_files(
    paths: Iterable[str], files: Mapping[str, bytes], project: str | None
) -> list[Placed] | None:
    """The files of a source tree that its build backend puts in the wheel, each as
    ``(path in the wheel, path in the tree)``; ``None`` when that cannot be told
    without running code (then the caller guesses from the folders).

    :param files: the tree's ``pyproject.toml``, ``setup.cfg`` and ``setup.py``, those
        it has.
    :param project: the project's name (the default package of most backends).
    """
    tree = SourceTree(paths)
    document = _pyproject(files)
    backend = _table(document, "build-system").get("build-backend")
    name = project or _table(document, "project").get("name")
    name = name if isinstance(name, str) else None
    for prefix, select in _BACKENDS:
        if isinstance(backend, str) and backend.startswith(prefix):
            return select(tree, document, name)
    if backend is None or (isinstance(backend, str) and backend.startswith("setuptools")):
        return setuptools_selection(tree, document, files.get(SETUP_CFG), files.get(SETUP_PY))
    return None


def _pyproject(files: Mapping[str, bytes]) -> dict[str, Any]:
    data = files.get(PYPROJECT)
    if data is None:
        return {}
    try:
        return load_toml(data)
    except MetadataParseError:
        return {}


def _table(document: object, *keys: str) -> dict[str, Any]:
    for key in keys:
        document = document.get(key) if isinstance(document, dict) else None
    return document if isinstance(document, dict) else {}


def _strings(value: object) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    return None


def _hatch(tree: SourceTree, document: dict[str, Any], name: str | None) -> list[Placed] | None:
    """hatchling's wheel: ``packages`` (each placed by its last folder), ``only-include``
    and plain-path ``include`` entries (placed as they are, after ``sources``), else its
    default: the package, module or namespace named after the project."""
    build = _table(document, "tool", "hatch", "build")
    wheel = _table(build, "targets", "wheel")
    packages, only_include, include = (
        _strings(wheel.get(key, build.get(key, [])))
        for key in ("packages", "only-include", "include")
    )
    if packages is None or only_include is None or include is None:
        return None
    if not (packages or only_include or include):
        return _hatch_default(tree, name)
    folders = [entry.strip("/") for entry in include]
    if any(has_glob(folder) for folder in folders):
        folders = [folder.split("/**")[0].removesuffix("/*") for folder in folders]
        if any(has_glob(folder) or not folder for folder in folders):
            return None  # patterns: only hatch's matcher could say
    sources = _hatch_sources(wheel.get("sources", build.get("sources")))
    if sources is None:
        return None
    placed = [item for package in packages for item in _hatch_package(tree, package)]
    for entry in [*only_include, *folders]:
        placed.extend(
            (_rewritten(inner, sources), source) for inner, source in placed_below(tree, entry)
        )
    return placed


def _hatch_package(tree: SourceTree, package: str) -> list[Placed]:
    package = package.strip("/")
    return placed_below(tree, package, strip=package.rpartition("/")[0])


def _hatch_sources(value: object) -> dict[str, str] | None:
    if value is None:
        return {}
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return {item.strip("/"): "" for item in value}
    if isinstance(value, dict) and all(isinstance(item, str) for item in value.values()):
        return {str(key).strip("/"): str(item).strip("/") for key, item in value.items()}
    return None


def _rewritten(path: str, sources: dict[str, str]) -> str:
    for prefix in sorted(sources, key=len, reverse=True):
        if prefix and path.startswith(f"{prefix}/"):
            rest = path[len(prefix) + 1 :]
            return f"{sources[prefix]}/{rest}" if sources[prefix] else rest
    return path


def _hatch_default(tree: SourceTree, name: str | None) -> list[Placed] | None:
    if name is None:
        return None
    candidates = dict.fromkeys(
        [_file_name_component(name), _file_name_component(canonicalize_name(name))]
    )
    for module in candidates:
        if tree.is_file(f"{module}/__init__.py"):
            return placed_below(tree, module)
        if tree.is_file(f"src/{module}/__init__.py"):
            return placed_below(tree, f"src/{module}", strip="src")
        if tree.is_file(f"{module}.py"):
            return placed_below(tree, f"{module}.py")
        namespaces = [
            folder
            for folder in tree.subfolders("")
            if tree.is_file(f"{folder}/{module}/__init__.py")
        ]
        if len(namespaces) == 1:
            return placed_below(tree, namespaces[0])
    return None


def _file_name_component(name: str) -> str:
    """hatchling's (and the wheel file name's) spelling of a project name."""
    return re.sub(r"[^\w\d.]+", "_", name)


def _flit(tree: SourceTree, document: dict[str, Any], name: str | None) -> list[Placed] | None:
    """flit: the module ``[tool.flit.module] name`` or the project's name, as a
    folder or a file, at the root or under ``src/`` (dotted: inside a namespace)."""
    module = _table(document, "tool", "flit", "module").get("name")
    module = module if isinstance(module, str) else None
    if module is None and name is not None:
        module = name.replace("-", "_")
    return None if module is None else _module_at(tree, module.replace(".", "/"))


def _module_at(tree: SourceTree, path: str) -> list[Placed] | None:
    """A package folder or a module file at the root, else under ``src/``."""
    for root in ("", "src"):
        for candidate in (path, f"{path}.py"):
            full = f"{root}/{candidate}" if root else candidate
            if tree.is_dir(full) or tree.is_file(full):
                return placed_below(tree, full, strip=root)
    return None


def _poetry(tree: SourceTree, document: dict[str, Any], name: str | None) -> list[Placed] | None:
    """poetry-core: ``[tool.poetry] packages`` (``include``, ``from``, ``to``, and
    ``format`` that may leave the wheel out), else the project-named package."""
    poetry = _table(document, "tool", "poetry")
    packages = poetry.get("packages")
    if packages is None:
        own = poetry.get("name", name)
        if not isinstance(own, str):
            return None
        return _module_at(tree, canonicalize_name(own).replace("-", "_"))
    if not isinstance(packages, list) or not all(isinstance(item, dict) for item in packages):
        return None
    placed: list[Placed] = []
    for package in packages:
        include, origin, to = (package.get(key, "") for key in ("include", "from", "to"))
        formats = package.get("format", ["sdist", "wheel"])
        formats = [formats] if isinstance(formats, str) else formats
        if not all(isinstance(value, str) for value in (include, origin, to)) or not include:
            return None
        if isinstance(formats, list) and "wheel" not in formats:
            continue
        origin = origin.strip("/")
        entries = tree.glob(origin, include) if has_glob(include) else [_joined(origin, include)]
        for entry in entries:
            placed.extend(placed_below(tree, entry, strip=origin, to=to))
    return placed


def _joined(folder: str, path: str) -> str:
    return f"{folder}/{path.strip('/')}" if folder else path.strip("/")


def _pdm(tree: SourceTree, document: dict[str, Any], name: str | None) -> list[Placed] | None:
    """pdm-backend: ``includes`` below ``package-dir`` (``src`` when there is one),
    else every package there (its ``source-includes``, ``tests`` by default, stay in
    the sdist), else its modules."""
    build = _table(document, "tool", "pdm", "build")
    includes = _strings(build.get("includes", []))
    source_includes = _strings(build.get("source-includes", ["tests"]))
    package_dir = build.get("package-dir")
    if includes is None or source_includes is None or not isinstance(package_dir, str | None):
        return None
    if package_dir is None:
        below_src = any(entry.strip("/").split("/")[0] == "src" for entry in includes)
        package_dir = "src" if tree.is_dir("src") and (not includes or below_src) else ""
    package_dir = package_dir.strip("/")
    if any(has_glob(entry) for entry in includes):
        return None
    entries = includes or [
        _joined(package_dir, folder)
        for folder in tree.subfolders(package_dir)
        if tree.is_file(_joined(package_dir, f"{folder}/__init__.py"))
    ]
    left_out = {entry.strip("/") for entry in source_includes}
    entries = [entry for entry in entries if entry not in left_out]
    if not entries:
        entries = [
            _joined(package_dir, f) for f in tree.file_names(package_dir) if f.endswith(".py")
        ]
    return [item for entry in entries for item in placed_below(tree, entry, strip=package_dir)]


def _maturin(tree: SourceTree, document: dict[str, Any], name: str | None) -> list[Placed] | None:
    """maturin: the extension module ``module-name`` (the project's name by default),
    with the Python package of its first part from ``python-source``."""
    maturin = _table(document, "tool", "maturin")
    module = maturin.get("module-name", name.replace("-", "_") if name else None)
    source = maturin.get("python-source", "")
    if not isinstance(module, str) or not isinstance(source, str):
        return None
    top = module.split(".")[0]
    source = source.strip("/")
    placed = placed_below(tree, _joined(source, top), strip=source)
    extension = module.replace(".", "/") + ".abi3.so"  # built by cargo: not in the tree
    return [*placed, (extension, extension)]


def _scikit_build(
    tree: SourceTree, document: dict[str, Any], name: str | None
) -> list[Placed] | None:
    """scikit-build-core: ``wheel.packages``, else ``src/NAME``, ``python/NAME``, ``NAME``
    (what CMake installs besides is not known)."""
    wheel = _table(document, "tool", "scikit-build", "wheel")
    packages = _strings(wheel.get("packages"))
    if packages is None:
        if name is None:
            return None
        module = name.replace("-", "_").replace(".", "_")
        packages = [
            path for path in (f"src/{module}", f"python/{module}", module) if tree.is_dir(path)
        ]
    return [item for package in packages for item in _hatch_package(tree, package)]


_BACKENDS: tuple[
    tuple[str, Callable[[SourceTree, dict[str, Any], str | None], list[Placed] | None]], ...
] = (
    ("hatchling.", _hatch),
    ("flit_core.", _flit),
    ("flit.", _flit),
    ("poetry.core.", _poetry),
    ("poetry.masonry.", _poetry),
    ("pdm.backend", _pdm),
    ("pdm.pep517", _pdm),
    ("maturin", _maturin),
    ("scikit_build_core.", _scikit_build),
)
