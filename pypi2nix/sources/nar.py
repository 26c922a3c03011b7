"""The NAR serialization of a file tree, and its sha256 (a "recursive" hash).

``fetchgit``, ``fetchFromGitHub`` and ``fetchzip`` check the sha256 of the NAR of the
tree they fetch: what ``nix-hash --type sha256 PATH`` prints.
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_READ_SIZE = 1024 * 1024


def nar_sha256(path: Path) -> bytes:
    """The sha256 of the NAR serialization of ``path`` (what ``nix-hash --type sha256``
    prints), computed without holding the archive in memory."""
    digest = hashlib.sha256()
    for chunk in nar_chunks(path):
        digest.update(chunk)
    return digest.digest()


def nar_chunks(path: Path) -> Iterator[bytes]:
    """The NAR serialization of a file, symlink or directory tree, in pieces.

    Only what Nix keeps is serialized: contents, the owner-executable bit, symlink
    targets and entry names (sorted by their bytes).

    :raises ValueError: for anything but regular files, directories and symlinks.
    """
    yield _string(b"nix-archive-1")
    yield from _node(os.fspath(path))


def _node(path: str) -> Iterator[bytes]:
    info = os.lstat(path)
    yield _string(b"(")
    if stat.S_ISLNK(info.st_mode):
        yield from map(_string, (b"type", b"symlink", b"target", os.fsencode(os.readlink(path))))
    elif stat.S_ISREG(info.st_mode):
        yield from map(_string, (b"type", b"regular"))
        if info.st_mode & stat.S_IXUSR:
            yield from map(_string, (b"executable", b""))
        yield _string(b"contents")
        yield from _contents(path, info.st_size)
    elif stat.S_ISDIR(info.st_mode):
        yield from map(_string, (b"type", b"directory"))
        for name in sorted(os.listdir(path), key=os.fsencode):
            yield from map(_string, (b"entry", b"(", b"name", os.fsencode(name), b"node"))
            yield from _node(os.path.join(path, name))
            yield _string(b")")
    else:
        raise ValueError(f"{path}: only files, directories and symlinks can be in a NAR")
    yield _string(b")")


def _contents(path: str, size: int) -> Iterator[bytes]:
    yield size.to_bytes(8, "little")
    read = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_READ_SIZE):
            read += len(chunk)
            yield chunk
    if read != size:
        raise ValueError(f"{path} changed while it was read")
    yield b"\0" * (-size % 8)


def _string(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data + b"\0" * (-len(data) % 8)
