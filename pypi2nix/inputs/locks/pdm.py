"""``pdm.lock`` in: packages with their files (names and hashes: the URLs are the
index's) and PEP 508 edges; an entry with extras adds the edges of those extras. The
roots are the pyproject.toml's dependencies and the groups asked for."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
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

_FIRST, _AFTER_LAST = Version("4"), Version("5")


def read(path: Path, selection: LockSelection) -> LockFile:
    document = common.read_toml(path)
    metadata = common.table(document.get("metadata"), path, "metadata")
    version = metadata.get("lock_version")
    try:
        known = _FIRST <= Version(str(version)) < _AFTER_LAST
    except InvalidVersion:
        known = False
    if not known:
        raise BadLock(f"{path}: unknown lock_version {version!r} (pypi2nix reads 4.x)")
    merged: dict[tuple[str, str], LockedPackage] = {}
    entries = common.tables(document.get("package"), path, "package")
    for number, entry in enumerate(entries):
        package, extras = _package(entry, path, f"package[{number}]")
        identity = (package.name, package.version)
        plain = merged.get(identity)
        if not extras:
            if plain is not None:  # its extras entry came first
                package = _with_optional(package, plain.optional)
            merged[identity] = package
        else:
            own = tuple(d for d in package.dependencies or () if d.name != package.name)
            added = tuple((extra, own) for extra in extras)
            merged[identity] = _with_optional(plain or _bare(package), added)
    pyproject = project_file(path.parent / "pyproject.toml") or {}
    return LockFile(
        path=path,
        tool="pdm",
        packages=tuple(merged.values()),
        roots=_roots(path, pyproject, metadata, selection),
        upgrade_command=upgrade_command(path),
    )


def _with_optional(
    package: LockedPackage, added: tuple[tuple[str, tuple[LockedDependency, ...]], ...]
) -> LockedPackage:
    return replace(package, optional=tuple(sorted({*package.optional, *added})))


def _bare(package: LockedPackage) -> LockedPackage:
    return replace(package, dependencies=(), optional=())


def _package(entry: dict[str, Any], path: Path, key: str) -> tuple[LockedPackage, list[str]]:
    source = _source(entry, path, key)
    files = []
    for number, item in enumerate(common.tables(entry.get("files"), path, f"{key}.files")):
        where = f"{key}.files[{number}]"
        url = common.optional_string(item, "url", path, where) or ""
        name = common.optional_string(item, "file", path, where) or common.filename_of(url)
        sha256 = common.sha256_of(item.get("hash"), path, f"{where}.hash")
        files.append(LockedFile(filename=name, url=url, sha256=sha256))
    extras: list[str] = [
        canonicalize_name(e) for e in common.strings(entry.get("extras"), path, key)
    ]
    texts = common.strings(entry.get("dependencies"), path, f"{key}.dependencies")
    package = LockedPackage(
        name=common.project_name(entry, path, key),
        version=common.optional_string(entry, "version", path, key) or "",
        key=key,
        source=source,
        files=tuple(files),
        marker=common.marker(common.optional_string(entry, "marker", path, key), path, key),
        dependencies=tuple(_edge(text, path, f"{key}.dependencies") for text in texts),
    )
    return package, extras


def _edge(text: str, path: Path, key: str) -> LockedDependency:
    try:
        requirement = Requirement(text)
    except InvalidRequirement as error:
        raise malformed(path, key, f"invalid requirement {text!r} ({error})") from error
    pinned = [spec.version for spec in requirement.specifier if spec.operator in ("==", "===")]
    return LockedDependency(
        name=canonicalize_name(requirement.name),
        extras=tuple(sorted(requirement.extras)),
        marker=str(requirement.marker) if requirement.marker else None,
        version=pinned[0] if pinned else None,
    )


def _source(entry: dict[str, Any], path: Path, key: str) -> LockedSource:
    if "git" in entry:
        commit = common.string(entry, "revision", path, key)
        return LockedSource(kind="git", url=str(entry["git"]), commit=commit)
    if "path" in entry:
        local = (path.parent / str(entry["path"])).resolve()
        return LockedSource(kind="path", url=str(local), editable=bool(entry.get("editable")))
    if "url" in entry:
        return LockedSource(kind="url", url=str(entry["url"]))
    return LockedSource(kind="index", url=None)


def _roots(
    path: Path, pyproject: dict[str, Any], metadata: dict[str, Any], selection: LockSelection
) -> tuple[LockedDependency, ...]:
    project = pyproject.get("project") or {}
    optional = project.get("optional-dependencies") or {}
    groups = {
        **(pyproject.get("tool", {}).get("pdm", {}).get("dev-dependencies") or {}),
        **(pyproject.get("dependency-groups") or {}),
    }
    locked_groups = common.strings(metadata.get("groups"), path, "metadata.groups")
    extras = chosen(path, "extra", sorted(optional), selection.extras, selection.all_extras)
    picked = chosen(path, "group", sorted(groups), selection.groups, selection.all_groups)
    for name in [*extras, *picked]:
        if locked_groups and name not in {canonicalize_name(g) for g in locked_groups}:
            raise BadLock(f"{path} does not lock the group {name!r}; run pdm lock -G {name}")
    roots = requirement_roots(path, "[project] dependencies", project.get("dependencies") or ())
    for extra in extras:
        items = optional[next(k for k in optional if canonicalize_name(k) == extra)]
        roots += requirement_roots(path, f"[project.optional-dependencies] {extra}", items)
    for group in picked:
        items = groups[next(k for k in groups if canonicalize_name(k) == group)]
        roots += requirement_roots(path, f"group {group}", items)
    if not pyproject:
        raise malformed(path, "(roots)", "no pyproject.toml beside it")
    return tuple(roots)
