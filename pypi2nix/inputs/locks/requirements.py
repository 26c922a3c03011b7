"""A lock as the inputs of a run: its roots as the requirements (for the summary and
the outputs), and the entries of direct sources to read before the pins are made."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.requirements import Requirement

from pypi2nix.errors import Origin, UsageError
from pypi2nix.inputs.locks import LockSelection, is_lock_file, read_lock
from pypi2nix.models import DirectSource, InputRequirement, RequirementSet

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from pypi2nix.inputs.locks import LockedPackage, LockFile


def lock_file_among(files: Sequence[Path]) -> Path | None:
    """The lock among the requirements files given (``None``: none is one).

    :raises UsageError: when a lock is given with other requirements files.
    """
    locks = [path for path in files if is_lock_file(path)]
    if not locks:
        return None
    if len(files) > 1:
        raise UsageError(f"{locks[0]} is a lock: give it alone, without other requirements files")
    return locks[0]


def read_lock_inputs(path: Path, selection: LockSelection) -> RequirementSet:
    """:raises BadLock: for a lock that cannot be used."""
    lock = read_lock(path, selection)
    indexes = [p.source.url for p in lock.packages if p.source.kind == "index" and p.source.url]
    unique = list(dict.fromkeys(indexes))
    origin = Origin(path=str(path), line_number=None, line="")
    roots = tuple(
        InputRequirement(
            requirement=Requirement(
                f"{root.name}[{','.join(root.extras)}]" if root.extras else root.name
            ),
            origin=origin,
        )
        for root in dict.fromkeys(lock.roots)
    )
    return RequirementSet(
        requirements=roots,
        index_url=unique[0] if unique else None,
        extra_index_urls=tuple(unique[1:]),
        sources=(str(path),),
        locked=lock,
    )


def direct_entries(lock: LockFile) -> list[InputRequirement]:
    """The entries of git, local and archive URL sources, as requirements on them."""
    origin = Origin(path=str(lock.path), line_number=None, line="")
    return [
        InputRequirement(requirement=Requirement(package.name), origin=origin, direct=source)
        for package in lock.packages
        if (source := _direct_source(package)) is not None
    ]


def _direct_source(package: LockedPackage) -> DirectSource | None:
    source = package.source
    if source.kind == "index" or source.url is None:
        return None
    if source.kind == "git":
        return DirectSource(kind="git", url=source.url, rev=source.commit)
    if source.kind == "url":
        sha256 = next((file.sha256 for file in package.files if file.sha256), None)
        return DirectSource(kind="url", url=source.url, sha256=sha256)
    return DirectSource(kind="path", url=source.url)
