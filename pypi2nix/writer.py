"""Write output files atomically: all of them or none.

Each file is written to a temporary file in the same directory and renamed into
place only once every file has been written. If anything fails while renaming, the
files already replaced are restored, so the directory holds either the old set or
the new one. A file marked ``keep_existing`` (the user's override file) is created
only when absent and never replaced.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pypi2nix.errors import OutputError

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass(frozen=True, slots=True)
class OutputFile:
    path: Path
    text: str
    keep_existing: bool = False


@dataclass(frozen=True, slots=True)
class WriteReport:
    written: tuple[Path, ...]
    kept: tuple[Path, ...]


def write_outputs(files: Sequence[OutputFile]) -> WriteReport:
    """Write every file, or leave the directory as it was.

    :raises OutputError: when a file cannot be written (nothing is changed then).
    """
    pending = [file for file in files if not (file.keep_existing and _exists(file.path))]
    for file in files:
        if file.path.is_dir():
            raise OutputError(str(file.path), "a directory is in the way")
    temporaries: dict[Path, Path] = {}
    try:
        for file in pending:
            temporaries[file.path] = _write_temporary(file)
        kept = _commit(pending, temporaries)
    finally:
        for temporary in temporaries.values():
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    written = tuple(file.path for file in pending if file.path not in kept)
    all_kept = tuple(file.path for file in files if file.path not in written)
    return WriteReport(written=written, kept=all_kept)


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _write_temporary(file: OutputFile) -> Path:
    directory = file.path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=f".{file.path.name}.", dir=directory)
    except OSError as error:
        raise OutputError(str(file.path), error.strerror or str(error)) from error
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(file.text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, 0o666 & ~_umask())
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise OutputError(str(file.path), error.strerror or str(error)) from error
    return Path(name)


def _commit(pending: Sequence[OutputFile], temporaries: dict[Path, Path]) -> set[Path]:
    """Move the temporaries into place; on failure, put the old files back."""
    backups: dict[Path, Path | None] = {}
    kept: set[Path] = set()
    try:
        for file in pending:
            temporary = temporaries[file.path]
            if file.keep_existing:
                try:
                    os.link(temporary, file.path)
                except FileExistsError:
                    kept.add(file.path)
                    continue
                backups[file.path] = None
            else:
                backups[file.path] = _backup(file.path)
                os.replace(temporary, file.path)
    except BaseException as error:
        _restore(backups)
        if isinstance(error, OSError):
            raise OutputError(str(file.path), error.strerror or str(error)) from error
        raise
    else:
        for backup in backups.values():
            if backup is not None:
                backup.unlink()
    return kept


def _backup(path: Path) -> Path | None:
    if not _exists(path):
        return None
    backup = path.with_name(f".{path.name}.backup")
    with contextlib.suppress(FileNotFoundError):
        backup.unlink()
    os.link(path, backup)
    return backup


def _restore(backups: dict[Path, Path | None]) -> None:
    for path, backup in backups.items():
        if backup is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        elif os.path.samefile(backup, path):  # never replaced; rename() would be a no-op
            backup.unlink()
        else:
            os.replace(backup, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
