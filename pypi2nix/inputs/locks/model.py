"""What a lock of another tool holds, as plain data: its packages (each locked
version with its files and source) and the roots the project asks for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pathlib import Path

    from packaging.utils import NormalizedName

SourceKind = Literal["index", "git", "path", "url"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LockedFile:
    """One file of a locked package: an sdist, a wheel or a direct archive."""

    filename: str
    url: str
    sha256: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LockedSource:
    """Where a locked package comes from.

    index: ``url`` is the index's URL (``None``: the default one); git: the
    repository's URL and the locked ``commit``; path: the absolute folder or archive;
    url: the archive's URL.
    """

    kind: SourceKind
    url: str | None = None
    commit: str | None = None
    editable: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LockedDependency:
    """An edge of the lock: a package needs another one (with extras), where the
    marker holds; ``version`` names which entry when the lock holds several."""

    name: NormalizedName
    extras: tuple[str, ...] = ()
    marker: str | None = None
    version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class LockedPackage:
    """One entry of the lock; ``key`` is its key path in the file (for errors)."""

    name: NormalizedName
    version: str
    key: str
    source: LockedSource
    files: tuple[LockedFile, ...] = ()
    # Where the entry is installed (pylock.toml, Pipfile.lock; None: everywhere).
    marker: str | None = None
    # None: the lock holds no edges (they come from each release's metadata).
    dependencies: tuple[LockedDependency, ...] | None = None
    optional: tuple[tuple[str, tuple[LockedDependency, ...]], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LockFile:
    """A lock read: what it pins and which of its packages the project asks for (the
    roots; with no edges in the lock every package whose marker holds is one)."""

    path: Path
    tool: str
    packages: tuple[LockedPackage, ...]
    roots: tuple[LockedDependency, ...]
    # The command of the lock's own tool that moves its pins.
    upgrade_command: str
    # The extras and groups asked for, which PEP 751 markers test (``'x' in extras``).
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    @property
    def has_edges(self) -> bool:
        return all(package.dependencies is not None for package in self.packages)


@dataclass(frozen=True, slots=True, kw_only=True)
class LockSelection:
    """``--extra``, ``--all-extras``, ``--group`` and ``--all-groups`` for a lock."""

    extras: tuple[str, ...] = ()
    all_extras: bool = False
    groups: tuple[str, ...] = ()
    all_groups: bool = False
