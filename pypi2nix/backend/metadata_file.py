"""The one thing read back from a build backend hook's folder: the METADATA file of
the ``.dist-info`` folder it names. Everything there was written by the hook, so the
name must be one folder of the metadata folder, and METADATA a regular file of it
(never a link, a FIFO or a device), read to a bound; it is then parsed as any index
metadata is."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# As a PEP 658 .metadata file from the index.
MAX_METADATA_BYTES = 16 * 1024 * 1024


class MetadataFileError(Exception):
    """The hook's answer does not name a METADATA file that may be read."""


def read_metadata_file(folder: Path, answer: object) -> bytes:
    """The bytes of ``folder/answer/METADATA``.

    :raises MetadataFileError: when ``answer`` is not the name of a ``.dist-info``
        folder of ``folder``, or METADATA is not a regular file within the bound.
    """
    if (
        not isinstance(answer, str)
        or not answer.endswith(".dist-info")
        or "/" in answer
        or "\0" in answer
        or answer in (".", "..")
    ):
        raise MetadataFileError(f"it named {str(answer)[:200]!r}, not a .dist-info folder")
    dist_info = folder / answer
    if not stat.S_ISDIR(_lstat(dist_info).st_mode):
        raise MetadataFileError(f"{answer} is not a folder")
    path = dist_info / "METADATA"
    if not stat.S_ISREG(_lstat(path).st_mode):
        raise MetadataFileError(f"{answer}/METADATA is not a regular file")
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            raise MetadataFileError(f"{answer}/METADATA is not a regular file")
        data = file.read(MAX_METADATA_BYTES + 1)
    if len(data) > MAX_METADATA_BYTES:
        raise MetadataFileError(f"{answer}/METADATA is larger than {MAX_METADATA_BYTES} bytes")
    return data


def _lstat(path: Path) -> os.stat_result:
    try:
        return path.lstat()
    except OSError as error:
        raise MetadataFileError(f"{path.name} cannot be read ({error.strerror})") from error
