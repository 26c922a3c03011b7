"""Locks of other tools as input, recognised by their file name: PEP 751's
``pylock.toml`` (and ``pylock.NAME.toml``), ``uv.lock``, ``poetry.lock``,
``Pipfile.lock`` and ``pdm.lock``. Each reader gives a :class:`LockFile`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.filenames import is_lock_file
from pypi2nix.inputs.locks import pdm, pipfile, poetry, pylock, uv
from pypi2nix.inputs.locks.commands import upgrade_command
from pypi2nix.inputs.locks.common import BadLock
from pypi2nix.inputs.locks.model import (
    LockedDependency,
    LockedFile,
    LockedPackage,
    LockedSource,
    LockFile,
    LockSelection,
)

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "BadLock",
    "LockFile",
    "LockSelection",
    "LockedDependency",
    "LockedFile",
    "LockedPackage",
    "LockedSource",
    "is_lock_file",
    "read_lock",
    "upgrade_command",
]

_READERS = {
    "uv.lock": uv.read,
    "poetry.lock": poetry.read,
    "Pipfile.lock": pipfile.read,
    "pdm.lock": pdm.read,
}


def read_lock(path: Path, selection: LockSelection) -> LockFile:
    """:raises BadLock: for a lock that cannot be used (one line)."""
    reader = _READERS.get(path.name)
    if reader is not None:
        return reader(path, selection)
    return pylock.read(path, selection)
