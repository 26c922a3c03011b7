"""Unpack archives into a temporary folder, safely: an sdist to run its build backend
in, a wheel to put on the backend's path. Names that leave the folder, links, devices
and oversized contents are refused."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path, PurePosixPath

from pypi2nix.dists.archive import (
    MAX_MEMBERS,
    MAX_UNPACKED_BYTES,
    ArchiveError,
    open_zip_member,
    scan_tar,
)
from pypi2nix.filenames import split_sdist_suffix


def unpack_sdist(data: bytes, filename: str, destination: Path) -> Path:
    """Unpack an sdist; the folder of its project (the one top-level folder).

    :raises ArchiveError: for an archive that is corrupt, unsafe or too large.
    """
    _, suffix = split_sdist_suffix(filename)
    destination.mkdir(parents=True, exist_ok=True)
    if suffix == ".zip":
        unpack_zip(data, destination)
    else:
        # First walked as the index reads an sdist: decompressed a step at a time, and
        # stopped at the same limits, with the same words.
        scan_tar(io.BytesIO(data), filename, lambda name, size, read: False)
        _unpack_tar(data, destination)
    folders = [path for path in destination.iterdir() if path.is_dir()]
    if len(folders) != 1:
        raise ArchiveError("it does not hold one top-level folder")
    return folders[0]


def unpack_zip(data: bytes, destination: Path) -> None:
    """Unpack a zip archive (an sdist or a wheel) whose every name stays inside."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            _check_sizes(len(members), sum(member.file_size for member in members))
            for member in members:
                target = _inside(destination, member.filename)
                if member.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with open_zip_member(archive, member) as source:
                    target.write_bytes(source.read(MAX_UNPACKED_BYTES + 1))
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise ArchiveError(f"cannot unpack the archive ({error})") from error


def _unpack_tar(data: bytes, destination: Path) -> None:
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            members = archive.getmembers()
            _check_sizes(len(members), sum(member.size for member in members))
            regular = [member for member in members if member.isfile() or member.isdir()]
            for member in regular:
                _inside(destination, member.name)
            archive.extractall(destination, members=regular, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ArchiveError(f"cannot unpack the archive ({error})") from error


def _check_sizes(members: int, unpacked: int) -> None:
    if members > MAX_MEMBERS:
        raise ArchiveError(f"the archive has more than {MAX_MEMBERS} members")
    if unpacked > MAX_UNPACKED_BYTES:
        raise ArchiveError(f"the archive unpacks to more than {MAX_UNPACKED_BYTES} bytes")


def _inside(destination: Path, name: str) -> Path:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ArchiveError(f"the member {name!r} would leave the folder")
    return destination.joinpath(*path.parts)
