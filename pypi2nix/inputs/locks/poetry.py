"""``poetry.lock`` in: packages with their files (names and hashes: the URLs are the
index's) and edges; the roots are the main dependencies of the pyproject.toml beside
it and its groups asked for."""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.inputs.locks import common
from pypi2nix.inputs.locks.commands import upgrade_command
from pypi2nix.inputs.locks.common import BadLock, malformed
from pypi2nix.inputs.locks.model import (
    LockedDependency,
    LockedFile,
    LockedPackage,
    LockedSource,
    LockFile,
)
from pypi2nix.inputs.locks.roots import chosen, project_file, requirement_roots

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.inputs.locks.model import LockSelection

# Poetry's own bounds: it reads lock versions >=1,<3.
_FIRST, _AFTER_LAST = Version("1"), Version("3")
_LEGACY_KEYS = ("dependencies", "source", "extras", "dev-dependencies")
_RELEVANT_KEYS = (*_LEGACY_KEYS, "group")
_PROJECT_KEYS = ("requires-python", "dependencies", "optional-dependencies")
_EXTRA_ITEM = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?")


def read(path: Path, selection: LockSelection) -> LockFile:
    document = common.read_toml(path)
    metadata = common.table(document.get("metadata"), path, "metadata")
    version = metadata.get("lock-version")
    try:
        known = _FIRST <= Version(str(version)) < _AFTER_LAST
    except InvalidVersion:
        known = False
    if not known:
        raise BadLock(f"{path}: unknown lock-version {version!r} (pypi2nix reads 1.x and 2.x)")
    pyproject = project_file(path.parent / "pyproject.toml")
    if pyproject is None:
        raise BadLock(f"{path}: no pyproject.toml beside it (the roots are its dependencies)")
    _check_fresh(path, metadata, pyproject)
    entries = common.tables(document.get("package"), path, "package")
    return LockFile(
        path=path,
        tool="poetry",
        packages=tuple(_package(entry, path, f"package[{n}]") for n, entry in enumerate(entries)),
        roots=_roots(path, pyproject, selection),
        upgrade_command=upgrade_command(path),
    )


def content_hash(pyproject: dict[str, Any]) -> str:
    """The hash Poetry records of the parts of pyproject.toml its lock depends on."""
    project = pyproject.get("project", {})
    poetry = pyproject.get("tool", {}).get("poetry", {})
    relevant_project = {key: project[key] for key in _PROJECT_KEYS if project.get(key) is not None}
    relevant_poetry = {
        key: poetry.get(key)
        for key in _RELEVANT_KEYS
        if poetry.get(key) is not None or (key in _LEGACY_KEYS and not relevant_project)
    }
    relevant: dict[str, Any] = relevant_poetry
    if relevant_project:
        relevant = {"project": relevant_project, "tool": {"poetry": relevant_poetry}}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def _check_fresh(path: Path, metadata: dict[str, Any], pyproject: dict[str, Any]) -> None:
    recorded = metadata.get("content-hash")
    if isinstance(recorded, str) and recorded != content_hash(pyproject):
        raise BadLock(
            f"{path} is older than {path.parent / 'pyproject.toml'} (its content-hash "
            "differs); run poetry lock"
        )


def _package(entry: dict[str, Any], path: Path, key: str) -> LockedPackage:
    source = _source(common.table(entry.get("source", {}), path, f"{key}.source"), path, key)
    files = []
    for number, item in enumerate(common.tables(entry.get("files"), path, f"{key}.files")):
        where = f"{key}.files[{number}]"
        name = common.string(item, "file", path, where)
        sha256 = common.sha256_of(item.get("hash"), path, f"{where}.hash")
        url = source.url if source.kind == "url" else ""
        files.append(LockedFile(filename=name, url=url or "", sha256=sha256))
    dependencies = common.table(entry.get("dependencies", {}), path, f"{key}.dependencies")
    extras = common.table(entry.get("extras", {}), path, f"{key}.extras")
    marker = entry.get("markers")
    return LockedPackage(
        name=common.project_name(entry, path, key),
        version=common.string(entry, "version", path, key),
        key=key,
        source=source,
        files=tuple(files),
        marker=common.marker(marker, path, f"{key}.markers") if isinstance(marker, str) else None,
        dependencies=_required(dependencies, path, f"{key}.dependencies"),
        optional=tuple(
            (canonicalize_name(extra), _extra_edges(items, dependencies, path, f"{key}.extras"))
            for extra, items in sorted(extras.items())
        ),
    )


def _required(dependencies: dict[str, Any], path: Path, key: str) -> tuple[LockedDependency, ...]:
    return tuple(
        edge
        for name, spec in sorted(dependencies.items())
        for edge, optional in _edges(name, spec, path, f"{key}.{name}")
        if not optional
    )


def _edges(name: str, spec: object, path: Path, key: str) -> list[tuple[LockedDependency, bool]]:
    """Each constraint of a dependency as an edge, and whether it is optional."""
    specs = spec if isinstance(spec, list) else [spec]
    edges = []
    for item in specs:
        if isinstance(item, str):
            edges.append((LockedDependency(name=canonicalize_name(name)), False))
            continue
        data = common.table(item, path, key)
        marker = common.marker(common.optional_string(data, "markers", path, key), path, key)
        extras = common.strings(data.get("extras"), path, f"{key}.extras")
        edge = LockedDependency(name=canonicalize_name(name), extras=extras, marker=marker)
        edges.append((edge, bool(data.get("optional"))))
    return edges


def _extra_edges(
    items: object, dependencies: dict[str, Any], path: Path, key: str
) -> tuple[LockedDependency, ...]:
    """An extra's entries (``"name[x] (>=1)"``) as the edges of their dependency."""
    edges: list[LockedDependency] = []
    for text in common.strings(items, path, key):
        found = _EXTRA_ITEM.match(text)
        if found is None:
            raise malformed(path, key, f"cannot read {text!r}")
        name = found.group(1)
        spelled = next(
            (d for d in dependencies if canonicalize_name(d) == canonicalize_name(name)), name
        )
        edges.extend(edge for edge, _ in _edges(spelled, dependencies.get(spelled, "*"), path, key))
    return tuple(edges)


def _source(source: dict[str, Any], path: Path, key: str) -> LockedSource:
    kind = source.get("type")
    url = common.optional_string(source, "url", path, f"{key}.source")
    if kind is None or kind in ("legacy", "pypi"):
        return LockedSource(kind="index", url=url)
    if kind == "git":
        commit = common.string(source, "resolved_reference", path, f"{key}.source")
        return LockedSource(kind="git", url=url, commit=commit)
    if kind in ("directory", "file"):
        local = (path.parent / (url or "")).resolve()
        return LockedSource(kind="path", url=str(local), editable=bool(source.get("develop")))
    if kind == "url":
        return LockedSource(kind="url", url=url)
    raise malformed(path, f"{key}.source.type", f"unknown source type {kind!r}")


def _roots(
    path: Path, pyproject: dict[str, Any], selection: LockSelection
) -> tuple[LockedDependency, ...]:
    project = pyproject.get("project") or {}
    poetry = pyproject.get("tool", {}).get("poetry", {})
    groups = dict(poetry.get("group") or {})
    if "dev-dependencies" in poetry:
        groups.setdefault("dev", {"dependencies": poetry["dev-dependencies"]})
    optional = project.get("optional-dependencies") or poetry.get("extras") or {}
    extras = chosen(path, "extra", sorted(optional), selection.extras, selection.all_extras)
    picked = chosen(path, "group", sorted(groups), selection.groups, selection.all_groups)
    roots: list[LockedDependency] = []
    if project.get("dependencies") is not None:
        roots += requirement_roots(path, "[project] dependencies", project["dependencies"])
    main = {k: v for k, v in (poetry.get("dependencies") or {}).items() if k != "python"}
    roots += _table_roots(path, main, "[tool.poetry.dependencies]")
    for extra in extras:
        items = optional[next(k for k in optional if canonicalize_name(k) == extra)]
        if project.get("optional-dependencies"):
            roots += requirement_roots(path, f"[project.optional-dependencies] {extra}", items)
        else:
            chosen_deps = {name: main.get(name, "*") for name in items if isinstance(name, str)}
            roots += _table_roots(path, chosen_deps, "extras", optional_too=True)
    for group in picked:
        table = groups[next(k for k in groups if canonicalize_name(k) == group)]
        roots += _table_roots(path, dict(table.get("dependencies") or {}), f"group {group}")
    return tuple(roots)


def _table_roots(
    path: Path, table: dict[str, Any], key: str, *, optional_too: bool = False
) -> list[LockedDependency]:
    return [
        edge
        for name, spec in sorted(table.items())
        for edge, optional in _edges(name, spec, path, f"{key}.{name}")
        if optional_too or not optional
    ]
