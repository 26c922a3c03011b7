"""The one bounded reader for files on this machine: requirements and constraint
files, ``pyproject.toml``, local archives, a git checkout's ``.gitattributes``.

``st_size`` says nothing about devices, FIFOs or ``/proc`` files (it is 0), so a file
is read up to its limit and one byte more, never whole; anything but a regular file
is refused before a byte is read (a FIFO is opened without blocking for that).
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a pipe"),
    (stat.S_ISSOCK, "a socket"),
)


class LocalFileError(Exception):
    """A local file that cannot be read, or is not a regular file within its limit."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_local_file(path: Path | str, limit: int, *, follow_symlinks: bool = True) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    :raises LocalFileError: for a file that is missing, unreadable, not a regular file
        (a symbolic link too, without ``follow_symlinks``) or larger than ``limit``.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if not follow_symlinks and os.path.islink(path):
            raise LocalFileError("it is a symbolic link, not a regular file") from error
        raise LocalFileError(error.strerror or str(error)) from error
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise LocalFileError(f"it is {_kind(mode)}, not a regular file")
        data = _read_at_most(descriptor, limit + 1)
    except OSError as error:
        raise LocalFileError(error.strerror or str(error)) from error
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise LocalFileError(f"it holds more than the limit of {describe_size(limit)}")
    return data


def _read_at_most(descriptor: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size > 0 and (chunk := os.read(descriptor, min(size, 1024 * 1024))):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def describe_size(size: int) -> str:
    """``5 MiB``, ``512 KiB``, ``100 bytes``."""
    for unit, factor in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"
