"""Write output files atomically: all of them or none.

Each file is written to a temporary file in the same directory and renamed into
place only once every file has been written. If anything fails while renaming, the
files already replaced are restored, so the directory holds either the old set or
the new one. A file marked ``keep_existing`` (the user's override file) is created
only when absent and never replaced.

A process killed while renaming cannot restore anything itself, so the renames are
bracketed by a journal file: while it exists, the old files are kept as hard-linked
backups. The next run finds the journal and puts the old files back
(:func:`recover_interrupted_write`) before it reads or writes anything. The journal
names the files relative to the output directory, so a run started anywhere can
recover them, and recovery only ever touches files this module names with its own
``.pypi2nix-`` prefix.

A write (and a recovery) holds an exclusive lock on the output directory, so two
runs never mix their files: the second one waits up to :data:`LOCK_WAIT_SECONDS`,
then fails with a one-line message.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pypi2nix.errors import OutputError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

logger = logging.getLogger(__name__)

JOURNAL_NAME = ".pypi2nix-writing"
TEMPORARY_PREFIX = ".pypi2nix-new-"
BACKUP_PREFIX = ".pypi2nix-backup-"
LOCK_WAIT_SECONDS = 5.0
_LOCK_POLL_SECONDS = 0.1


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

    :raises OutputError: when a file cannot be written (nothing is changed then), or
        another run holds the directory's lock.
    """
    directories = {file.path.parent for file in files}
    if len(directories) != 1:
        raise ValueError("the files of one write must share one directory")
    directory = directories.pop()
    _make_directory(directory, files[0].path)
    with output_lock(directory):
        _recover_locked(directory)
        return _write_locked(files)


def _write_locked(files: Sequence[OutputFile]) -> WriteReport:
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
            _discard(temporary)
    written = tuple(file.path for file in pending if file.path not in kept)
    all_kept = tuple(file.path for file in files if file.path not in written)
    return WriteReport(written=written, kept=all_kept)


def _make_directory(directory: Path, first_file: Path) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(str(first_file), error.strerror or str(error)) from error


@contextlib.contextmanager
def output_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory`` (an advisory ``flock`` on the folder
    itself, so no lock file is left behind).

    :raises OutputError: when another run still holds it after
        :data:`LOCK_WAIT_SECONDS`, or the folder cannot be opened.
    """
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise OutputError(str(directory), error.strerror or str(error)) from error
    try:
        _wait_for_lock(descriptor, directory)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock


def _wait_for_lock(descriptor: int, directory: Path) -> None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OutputError(
                    str(directory),
                    f"another pypi2nix run is writing there (waited {LOCK_WAIT_SECONDS:g} s); "
                    "try again when it has finished",
                ) from None
            time.sleep(_LOCK_POLL_SECONDS)


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _write_temporary(file: OutputFile) -> Path:
    directory = file.path.parent
    try:
        descriptor, name = tempfile.mkstemp(
            prefix=f"{TEMPORARY_PREFIX}{file.path.name}.", dir=directory
        )
    except OSError as error:
        raise OutputError(str(file.path), error.strerror or str(error)) from error
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(file.text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, 0o666 & ~_umask())
    except OSError as error:
        _discard(Path(name))
        raise OutputError(str(file.path), error.strerror or str(error)) from error
    return Path(name)


def _commit(pending: Sequence[OutputFile], temporaries: dict[Path, Path]) -> set[Path]:
    """Move the temporaries into place; on failure, put the old files back.

    Removing the journal is the commit point: until then a failure (or, through the
    next run, a kill) restores the old files.
    """
    backups: dict[Path, Path | None] = {}
    kept: set[Path] = set()
    journal = _write_journal([file.path for file in pending])
    path = journal
    try:
        for file in pending:
            path, temporary = file.path, temporaries[file.path]
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
        path = journal
        if journal is not None:
            journal.unlink()
    except BaseException as error:
        _restore(backups)  # if this fails too, the journal stays for the next run
        _discard(journal)
        if isinstance(error, OSError):
            raise OutputError(str(path), error.strerror or str(error)) from error
        raise
    for backup in backups.values():
        _discard(backup)  # a leftover is removed by the next run
    return kept


def recover_interrupted_write(directory: Path) -> None:
    """Undo a commit that a killed process left half done, holding the directory's
    lock (see :func:`output_lock`)."""
    with output_lock(directory):
        _recover_locked(directory)


def _recover_locked(directory: Path) -> None:
    """While a journal exists, the backups are the old files, and they are put back.
    Backups without a journal are left over from a finished commit, and temporaries
    from an unfinished one: both are removed. Only names with this module's prefixes
    are ever removed."""
    journal = directory / JOURNAL_NAME
    names = _read_journal(journal)
    if names is not None:
        try:
            for name in names:
                backup, path = directory / (BACKUP_PREFIX + name), directory / name
                if _exists(backup):
                    os.replace(backup, path)
                    logger.warning("put back %s: an earlier run was stopped while writing", path)
            journal.unlink()
        except OSError as error:
            raise OutputError(
                str(directory), f"cannot put back the files of an interrupted run ({error})"
            ) from error
    with contextlib.suppress(OSError):
        for pattern in (f"{BACKUP_PREFIX}*", f"{TEMPORARY_PREFIX}*", f"{JOURNAL_NAME}.tmp"):
            for leftover in directory.glob(pattern):
                _discard(leftover)


def _read_journal(journal: Path) -> list[str] | None:
    """The file names a journal lists (``None`` without a journal); an unreadable
    journal, or one naming anything but a file of its own folder, is removed."""
    try:
        names = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        names = None
    if isinstance(names, list) and all(_is_plain_name(name) for name in names):
        return names
    logger.warning("%s is unreadable; removing it", journal)
    _discard(journal)
    return None


def _is_plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


def _write_journal(paths: Sequence[Path]) -> Path | None:
    """A journal naming the files relative to their folder (where it is written)."""
    if not paths:
        return None
    journal = paths[0].parent / JOURNAL_NAME
    temporary = journal.with_name(journal.name + ".tmp")
    try:
        temporary.write_text(json.dumps([path.name for path in paths]), encoding="utf-8")
        os.replace(temporary, journal)
    except BaseException as error:
        _discard(temporary)
        if isinstance(error, OSError):
            raise OutputError(str(journal), error.strerror or str(error)) from error
        raise
    return journal


def _discard(path: Path | None) -> None:
    """Remove a file if it is there; a failure only leaves litter for the next run."""
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink()


def _backup_path(path: Path) -> Path:
    return path.with_name(BACKUP_PREFIX + path.name)


def _backup(path: Path) -> Path | None:
    if not _exists(path):
        return None
    backup = _backup_path(path)
    _discard(backup)
    os.link(path, backup)
    return backup


def _restore(backups: dict[Path, Path | None]) -> None:
    for path, backup in backups.items():
        if backup is None:
            _discard(path)
        elif os.path.samefile(backup, path):  # never replaced; rename() would be a no-op
            _discard(backup)
        else:
            os.replace(backup, path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
