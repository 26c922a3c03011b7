"""Metadata of a source tree that only its build backend knows (a dynamic version or
dependencies, a project with only ``setup.py``): the tree is packed as an sdist would
be and handed to the same metadata builder as an index's sdist, so its hook runs in
the same isolation, once per content (the archive's sha256 keys the answer).

The ``.git`` folder is packed too: version plugins (setuptools-scm, hatch-vcs) read
the version from it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from packaging.version import Version

from pypi2nix.dists.archive import MAX_MEMBERS, MAX_UNPACKED_BYTES, ArchiveError
from pypi2nix.dists.sdist import SKIPPED_FOLDERS, BuildRequest
from pypi2nix.errors import MetadataError
from pypi2nix.models import DistFile

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pypi2nix.dists.sdist import SdistContents
    from pypi2nix.models import CoreMetadata


class MetadataBuilder(Protocol):
    """Runs an sdist's build backend for its metadata (as :mod:`pypi2nix.backend`)."""

    def __call__(self, request: BuildRequest) -> CoreMetadata: ...


# Kept in the archive although read_tree skips it: version plugins read it.
_KEPT_FOLDERS = frozenset({".git"})


def built_tree_metadata(
    tree: Path,
    contents: SdistContents,
    name: NormalizedName,
    builder: MetadataBuilder,
) -> CoreMetadata:
    """The metadata the tree's build backend gives.

    :raises MetadataError: when the tree cannot be packed or the backend fails.
    """
    with tempfile.TemporaryDirectory(prefix="pypi2nix-tree-") as temporary:
        archive = Path(temporary) / f"{name}-tree.tar.gz"
        try:
            digest = pack_tree(tree, archive, top=f"{name}-tree")
        except (OSError, ArchiveError) as error:
            raise MetadataError(str(tree), "", f"cannot pack it to build it: {error}") from error
        sdist = DistFile(
            filename=archive.name,
            url=archive.as_uri(),
            kind="sdist",
            version=Version("0"),
            sha256=digest,
        )
        return builder(BuildRequest(name=name, version="", sdist=sdist, contents=contents))


def pack_tree(tree: Path, archive: Path, *, top: str) -> str:
    """Write the tree's regular files (no links, no virtual environments or build
    folders) as a reproducible ``.tar.gz`` under the folder ``top``; its sha256.

    :raises ArchiveError: when the tree is larger than an sdist may be.
    """
    buffer = io.BytesIO()
    count, size = 0, 0
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in _files(tree):
            count, size = count + 1, size + path.stat().st_size
            if count > MAX_MEMBERS or size > MAX_UNPACKED_BYTES:
                raise ArchiveError("the tree is larger than an sdist may be")
            info = tarfile.TarInfo(f"{top}/{path.relative_to(tree).as_posix()}")
            info.size, info.mtime = path.stat().st_size, 315532800
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    data = gzip.compress(buffer.getvalue(), mtime=0)
    archive.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _files(tree: Path) -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(tree):
        subdirectories[:] = sorted(
            d for d in subdirectories if d in _KEPT_FOLDERS or d not in SKIPPED_FOLDERS
        )
        for name in sorted(files):
            path = Path(directory, name)
            if path.is_file() and not path.is_symlink():
                found.append(path)
    return found
