"""``Pipfile.lock`` in (JSON): each entry's version, hashes (the files are the
index's that have them) and marker; no edges. The roots are the ``[packages]`` of the
Pipfile beside it (``[dev-packages]`` too with ``--group dev``), else every entry."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.inputs.locks.model import LockSelection

KNOWN_SPECS = (6,)
SECTIONS = {"default": "packages", "develop": "dev-packages"}


def read(path: Path, selection: LockSelection) -> LockFile:
    try:
        document = json.loads(common.read_bytes(path))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise BadLock(f"{path} is not valid JSON ({error})") from error
    document = common.table(document, path, "(top)")
    meta = common.table(document.get("_meta"), path, "_meta")
    spec = meta.get("pipfile-spec")
    if spec not in KNOWN_SPECS:
        raise BadLock(f"{path}: unknown pipfile-spec {spec!r} (pypi2nix reads pipfile-spec 6)")
    indexes = {
        str(source.get("name")): str(source.get("url"))
        for source in common.tables(meta.get("sources"), path, "_meta.sources")
    }
    groups = chosen(path, "group", ["dev"], selection.groups, selection.all_groups)
    sections = ["default", *(["develop"] if "dev" in groups else [])]
    packages: dict[str, LockedPackage] = {}
    for section in sections:
        entries = common.table(document.get(section, {}), path, section)
        for name, entry in sorted(entries.items()):
            key = f"{section}.{name}"
            packages.setdefault(
                canonicalize_name(name),
                _package(name, common.table(entry, path, key), indexes, path, key),
            )
    return LockFile(
        path=path,
        tool="pipenv",
        packages=tuple(packages.values()),
        roots=_roots(path, sections, packages),
        upgrade_command=upgrade_command(path),
    )


def _package(
    name: str, entry: dict[str, Any], indexes: dict[str, str], path: Path, key: str
) -> LockedPackage:
    version = common.optional_string(entry, "version", path, key) or ""
    if version and not version.startswith("=="):
        raise malformed(path, f"{key}.version", f"not a pin: {version!r}")
    hashes = [
        common.sha256_of(item, path, f"{key}.hashes")
        for item in common.strings(entry.get("hashes"), path, f"{key}.hashes")
    ]
    source = _source(entry, indexes, path, key)
    url = source.url if source.kind == "url" else ""
    return LockedPackage(
        name=canonicalize_name(name),
        version=version.removeprefix("=="),
        key=key,
        source=source,
        files=tuple(LockedFile(filename="", url=url or "", sha256=h) for h in hashes if h),
        marker=common.marker(common.optional_string(entry, "markers", path, key), path, key),
    )


def _source(entry: dict[str, Any], indexes: dict[str, str], path: Path, key: str) -> LockedSource:
    if "git" in entry:
        commit = common.string(entry, "ref", path, key)
        return LockedSource(kind="git", url=str(entry["git"]), commit=commit)
    if "path" in entry:
        local = (path.parent / str(entry["path"])).resolve()
        return LockedSource(kind="path", url=str(local), editable=bool(entry.get("editable")))
    if "file" in entry:
        return LockedSource(kind="url", url=str(entry["file"]))
    index = entry.get("index")
    return LockedSource(kind="index", url=indexes.get(str(index)) if index else None)


def _roots(
    path: Path, sections: list[str], packages: dict[str, LockedPackage]
) -> tuple[LockedDependency, ...]:
    pipfile = project_file(path.parent / "Pipfile")
    if pipfile is None:
        return tuple(LockedDependency(name=package.name) for package in packages.values())
    roots = []
    for section in sections:
        table = common.table(pipfile.get(SECTIONS[section], {}), path, SECTIONS[section])
        for name, spec in sorted(table.items()):
            extras = spec.get("extras", []) if isinstance(spec, dict) else []
            roots.append(LockedDependency(name=canonicalize_name(name), extras=tuple(extras)))
    return tuple(roots)
