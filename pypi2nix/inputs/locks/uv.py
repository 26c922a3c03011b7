"""``uv.lock`` in: every package with its sdist, wheels and edges; the roots are the
project (its extras asked for) and its dependency groups asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

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
from pypi2nix.inputs.locks.roots import chosen, project_file
from pypi2nix.project_files import MetadataParseError, dependency_groups

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.utils import NormalizedName

    from pypi2nix.inputs.locks.model import LockSelection

KNOWN_VERSIONS = (1,)


def read(path: Path, selection: LockSelection) -> LockFile:
    document = common.read_toml(path)
    version = document.get("version")
    if version not in KNOWN_VERSIONS:
        raise BadLock(f"{path}: unknown lock version {version!r} (pypi2nix reads version 1)")
    entries = common.tables(document.get("package"), path, "package")
    packages = tuple(_package(entry, path, f"package[{n}]") for n, entry in enumerate(entries))
    root = _root(path, entries)
    return LockFile(
        path=path,
        tool="uv",
        packages=packages,
        roots=_roots(path, root, selection),
        upgrade_command=upgrade_command(path),
    )


def _package(entry: dict[str, Any], path: Path, key: str) -> LockedPackage:
    name = common.project_name(entry, path, key)
    source = _source(common.table(entry.get("source", {}), path, f"{key}.source"), path, key)
    files = []
    if "sdist" in entry:
        files.append(
            _file(common.table(entry["sdist"], path, f"{key}.sdist"), path, f"{key}.sdist")
        )
    for number, wheel in enumerate(common.tables(entry.get("wheels"), path, f"{key}.wheels")):
        files.append(_file(wheel, path, f"{key}.wheels[{number}]"))
    optional = common.table(entry.get("optional-dependencies", {}), path, f"{key}.optional")
    return LockedPackage(
        name=name,
        version=common.optional_string(entry, "version", path, key) or "",
        key=key,
        source=source,
        files=tuple(files),
        marker=_resolution_marker(entry, path, key),
        dependencies=_edges(entry.get("dependencies"), path, f"{key}.dependencies"),
        optional=tuple(
            (canonicalize_name(extra), _edges(edges, path, f"{key}.optional-dependencies.{extra}"))
            for extra, edges in sorted(optional.items())
        ),
    )


def _resolution_marker(entry: dict[str, Any], path: Path, key: str) -> str | None:
    """Where an entry of a forked lock applies (any of its resolution markers)."""
    markers = common.strings(entry.get("resolution-markers"), path, f"{key}.resolution-markers")
    if not markers:
        return None
    return common.marker(" or ".join(f"({m})" for m in markers), path, key)


def _edges(value: object, path: Path, key: str) -> tuple[LockedDependency, ...]:
    edges = []
    for number, edge in enumerate(common.tables(value, path, key)):
        where = f"{key}[{number}]"
        edges.append(
            LockedDependency(
                name=common.project_name(edge, path, where),
                extras=common.strings(edge.get("extra"), path, f"{where}.extra"),
                marker=common.marker(
                    common.optional_string(edge, "marker", path, where), path, where
                ),
                version=common.optional_string(edge, "version", path, where),
            )
        )
    return tuple(edges)


def _source(source: dict[str, Any], path: Path, key: str) -> LockedSource:
    folder = path.parent
    if "registry" in source:
        registry = str(source["registry"])
        if "://" not in registry:  # a --find-links folder
            return LockedSource(kind="index", url=(folder / registry).resolve().as_uri())
        return LockedSource(kind="index", url=registry)
    if "git" in source:
        url, _, commit = str(source["git"]).partition("#")
        parts = urlsplit(url)
        if not commit:
            raise malformed(path, f"{key}.source.git", "no locked commit (after '#')")
        return LockedSource(kind="git", url=parts._replace(query="").geturl(), commit=commit)
    if "url" in source:
        return LockedSource(kind="url", url=str(source["url"]))
    for kind in ("editable", "directory", "virtual", "path"):
        if kind in source:
            local = (folder / str(source[kind])).resolve()
            return LockedSource(kind="path", url=str(local), editable=kind == "editable")
    raise malformed(path, f"{key}.source", "no registry, git, url or path")


def _file(data: dict[str, Any], path: Path, key: str) -> LockedFile:
    url = common.optional_string(data, "url", path, key)
    if url is None:
        local = common.string(data, "path", path, key)
        url = str((path.parent / local).resolve())
    size = data.get("size")
    return LockedFile(
        filename=common.filename_of(url),
        url=url,
        sha256=common.sha256_of(data.get("hash"), path, f"{key}.hash"),
        size=size if isinstance(size, int) else None,
    )


def _root(path: Path, entries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The lock's entry of the project beside it (``None`` when it has none)."""
    document = project_file(path.parent / "pyproject.toml") or {}
    project = document.get("project") if isinstance(document.get("project"), dict) else None
    name = None if project is None else project.get("name")
    for entry in entries:
        source = entry.get("source", {})
        if isinstance(source, dict) and (
            canonicalize_name(str(entry.get("name"))) == canonicalize_name(str(name))
            if name
            else source.get("editable") == "." or source.get("virtual") == "."
        ):
            _check_fresh(path, entry, project)
            _check_groups_fresh(path, entry, document)
            return entry
    return None


def _roots(
    path: Path, root: dict[str, Any] | None, selection: LockSelection
) -> tuple[LockedDependency, ...]:
    if root is None:
        raise BadLock(
            f"{path}: no package of the project beside it (source editable or virtual '.')"
        )
    name: NormalizedName = canonicalize_name(str(root["name"]))
    optional = common.table(root.get("optional-dependencies", {}), path, "optional-dependencies")
    extras = chosen(path, "extra", sorted(optional), selection.extras, selection.all_extras)
    groups_table = common.table(root.get("dev-dependencies", {}), path, "dev-dependencies")
    groups = chosen(path, "group", sorted(groups_table), selection.groups, selection.all_groups)
    roots: list[LockedDependency] = []
    if "virtual" in root.get("source", {}):  # not a package: its requirements are the roots
        roots.extend(_edges(root.get("dependencies"), path, "dependencies"))
        for extra in extras:
            roots.extend(_edges(optional[extra], path, f"optional-dependencies.{extra}"))
    else:
        roots.append(LockedDependency(name=name, extras=tuple(extras)))
    for group in groups:
        roots.extend(_edges(groups_table[group], path, f"dev-dependencies.{group}"))
    return tuple(roots)


def _check_fresh(path: Path, entry: dict[str, Any], project: dict[str, Any] | None) -> None:
    """uv records the requirements it locked (``[package.metadata] requires-dist``):
    the lock is older than pyproject.toml when they are not the project's."""
    metadata = entry.get("metadata")
    if project is None or not isinstance(metadata, dict) or "requires-dist" not in metadata:
        return
    locked = {_locked_requirement(item) for item in metadata.get("requires-dist") or ()}
    wanted = {_wanted_requirement(text) for text in project.get("dependencies") or ()}
    optional = project.get("optional-dependencies") or {}
    wanted |= {_wanted_requirement(text) for items in optional.values() for text in items}
    if locked != wanted:
        raise BadLock(
            f"{path} is older than {path.parent / 'pyproject.toml'}: it locked other "
            "requirements than the project has; run uv lock"
        )


def _check_groups_fresh(path: Path, entry: dict[str, Any], document: dict[str, Any]) -> None:
    """uv records each dependency group's requirements (``[package.metadata]
    requires-dev``): the lock is older than pyproject.toml when they are not the
    project's ``[dependency-groups]`` (with ``[tool.uv] dev-dependencies`` in ``dev``)."""
    metadata = entry.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("requires-dev"), dict):
        return
    locked = {
        canonicalize_name(str(group)): {_locked_requirement(item) for item in items or ()}
        for group, items in metadata["requires-dev"].items()
    }
    pyproject = path.parent / "pyproject.toml"
    try:
        groups = dependency_groups(document.get("dependency-groups", {}), source=str(pyproject))
    except MetadataParseError as error:
        raise BadLock(f"{pyproject}: {error}") from error
    wanted = {
        canonicalize_name(group): {_wanted_requirement(str(r)) for r in requirements}
        for group, requirements in groups
    }
    uv = document.get("tool", {}).get("uv", {}) if isinstance(document.get("tool"), dict) else {}
    legacy = uv.get("dev-dependencies") if isinstance(uv, dict) else None
    if isinstance(legacy, list):
        dev = wanted.setdefault(canonicalize_name("dev"), set())
        dev.update(_wanted_requirement(text) for text in legacy)
    if {k: v for k, v in locked.items() if v} != {k: v for k, v in wanted.items() if v}:
        raise BadLock(
            f"{path} is older than {pyproject}: it locked other dependency groups than "
            "the project has; run uv lock"
        )


def _locked_requirement(item: object) -> tuple[str, str]:
    if not isinstance(item, dict):
        return ("", "")
    return (canonicalize_name(str(item.get("name", ""))), _specifier(item.get("specifier")))


def _wanted_requirement(text: object) -> tuple[str, str]:
    try:
        requirement = Requirement(str(text))
    except InvalidRequirement:
        return (str(text), "")
    if requirement.url:
        return (canonicalize_name(requirement.name), "")
    return (canonicalize_name(requirement.name), _specifier(str(requirement.specifier)))


def _specifier(value: object) -> str:
    try:
        return str(SpecifierSet(str(value or "")))
    except InvalidSpecifier:
        return str(value)
