"""PEP 751 ``pylock.toml`` and ``pylock.NAME.toml`` in: read with packaging's own
pylock module. The lock holds no roots: every package whose marker holds is one, with
the lock's ``default-groups`` and the extras and groups asked for (PEP 751's
``'x' in extras`` and ``'g' in dependency_groups``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.pylock import Pylock, PylockUnsupportedVersionError, PylockValidationError
from packaging.utils import canonicalize_name

from pypi2nix.inputs.locks.commands import upgrade_command
from pypi2nix.inputs.locks.common import BadLock, filename_of, read_toml
from pypi2nix.inputs.locks.model import (
    LockedDependency,
    LockedFile,
    LockedPackage,
    LockedSource,
    LockFile,
)
from pypi2nix.inputs.locks.roots import chosen

if TYPE_CHECKING:
    from packaging.pylock import Package, PackageArchive, PackageSdist, PackageWheel

    from pypi2nix.inputs.locks.model import LockSelection


def read(path: Path, selection: LockSelection) -> LockFile:
    document = read_toml(path)
    try:
        lock = Pylock.from_dict(document)
    except PylockUnsupportedVersionError as error:
        raise BadLock(f"{path}: unknown lock-version ({error})") from error
    except PylockValidationError as error:
        raise BadLock(f"{path}: {error}{_naming(document, str(error))}") from error
    packages = tuple(
        _package(package, path, f"packages[{number}]")
        for number, package in enumerate(lock.packages)
    )
    return LockFile(
        path=path,
        tool="pylock",
        packages=packages,
        roots=tuple(LockedDependency(name=package.name) for package in packages),
        upgrade_command=upgrade_command(path),
        extras=tuple(
            chosen(path, "extra", lock.extras or (), selection.extras, selection.all_extras)
        ),
        groups=_groups(lock, path, selection),
    )


def _groups(lock: Pylock, path: Path, selection: LockSelection) -> tuple[str, ...]:
    """The lock's default groups (what the project's own dependencies are, for PDM's
    locks), and those asked for; ``--all-groups``: every group the lock names."""
    declared = [*(lock.dependency_groups or ()), *(lock.default_groups or ())]
    asked = chosen(path, "group", declared, selection.groups, selection.all_groups)
    defaults = (canonicalize_name(group) for group in lock.default_groups or ())
    return tuple(sorted({*defaults, *asked}))


def _naming(document: dict[str, object], message: str) -> str:
    """`` (NAME)`` of the package an error's key path points at, when it has one."""
    found = re.search(r"'packages\[(\d+)\]", message)
    packages = document.get("packages")
    if found is None or not isinstance(packages, list) or int(found[1]) >= len(packages):
        return ""
    entry = packages[int(found[1])]
    name = entry.get("name") if isinstance(entry, dict) else None
    return f" ({name})" if isinstance(name, str) else ""


def _package(package: Package, path: Path, key: str) -> LockedPackage:
    if package.version is None and package.vcs is None and package.directory is None:
        raise BadLock(f"{path}: {key}: {package.name} has no version")
    version = str(package.version) if package.version is not None else ""
    return LockedPackage(
        name=package.name,
        version=version,
        key=key,
        source=_source(package, path),
        files=_files(package, path),
        marker=None if package.marker is None else str(package.marker),
    )


def _source(package: Package, path: Path) -> LockedSource:
    if package.vcs is not None:
        vcs = package.vcs
        url = vcs.url or str(_local(path, vcs.path or "."))
        return LockedSource(kind="git", url=url, commit=vcs.commit_id)
    if package.directory is not None:
        folder = _local(path, package.directory.path)
        return LockedSource(kind="path", url=str(folder), editable=bool(package.directory.editable))
    if package.archive is not None:
        archive = package.archive
        if archive.url is None:
            return LockedSource(kind="path", url=str(_local(path, archive.path or "")))
        return LockedSource(kind="url", url=archive.url)
    return LockedSource(kind="index", url=package.index)


def _files(package: Package, path: Path) -> tuple[LockedFile, ...]:
    files: list[PackageSdist | PackageWheel | PackageArchive] = []
    if package.archive is not None:
        files.append(package.archive)
    if package.sdist is not None:
        files.append(package.sdist)
    files.extend(package.wheels or ())
    return tuple(_file(file, path) for file in files)


def _file(file: PackageSdist | PackageWheel | PackageArchive, path: Path) -> LockedFile:
    url = file.url or (str(_local(path, file.path)) if file.path else "")
    name = getattr(file, "name", None) or filename_of(url)
    return LockedFile(filename=name, url=url, sha256=file.hashes.get("sha256"), size=file.size)


def _local(lock: Path, relative: str) -> Path:
    return (
        (lock.parent / relative).resolve() if not Path(relative).is_absolute() else Path(relative)
    )
