"""Direct sources: what an archive URL, a git checkout or a local path holds.

Each is read whole, and only its static files are used: ``PKG-INFO`` or a wheel's
``METADATA``, else the ``[project]`` table of ``pyproject.toml``, else ``setup.cfg``.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from packaging.version import InvalidVersion, Version

from pypi2nix.credentials import redact_url
from pypi2nix.dists.archive import ArchiveError, open_zip, spool_hashed
from pypi2nix.dists.metadata import core_metadata
from pypi2nix.dists.sdist import (
    NoStaticMetadata,
    read_tar_sdist,
    read_tree,
    read_zip_sdist,
    tree_metadata,
)
from pypi2nix.dists.wheel import read_wheel_file
from pypi2nix.errors import HashMismatch, MetadataError
from pypi2nix.filenames import dist_kind
from pypi2nix.local_files import LocalFileError, read_local_file
from pypi2nix.models import DistFile
from pypi2nix.project_files import MetadataParseError
from pypi2nix.sources import git
from pypi2nix.sources.built import built_tree_metadata
from pypi2nix.sources.nar import nar_sha256

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

    from pypi2nix.dists.sdist import SdistContents
    from pypi2nix.dists.streams import Readable
    from pypi2nix.dists.wheel import WheelFacts
    from pypi2nix.index.client import HttpClient
    from pypi2nix.models import CoreMetadata, DirectSource
    from pypi2nix.sources.built import MetadataBuilder

# A wheel or sdist named by its URL or path, read whole (as an sdist downloaded to build).
MAX_DIRECT_ARCHIVE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectRelease:
    """A direct source, read: the source with its commit and hash, the artifact as a
    file (a source tree counts as an sdist), its metadata, and what was read of it."""

    source: DirectSource
    file: DistFile
    metadata: CoreMetadata
    contents: SdistContents | None = None
    wheel: WheelFacts | None = None


@dataclass(frozen=True, slots=True)
class TreeBuilds:
    """How a source tree whose static metadata is incomplete gets its metadata: from
    ``builder`` (its build backend), for the project ``name``; ``refused`` for
    ``--no-build``."""

    name: NormalizedName
    builder: MetadataBuilder | None
    refused: bool = False


def read_direct(
    source: DirectSource, client: HttpClient, builds: TreeBuilds | None = None
) -> DirectRelease:
    """Fetch (or read, for a path) a direct source and its metadata.

    :param builds: runs the build backend of a tree whose static files do not tell
        (none: such a tree is an error).
    :raises MetadataError: when it has no usable metadata, saying what to fix.
    :raises HashMismatch: when an archive differs from the sha256 the user gave.
    :raises NetworkError: when it cannot be fetched.
    """
    try:
        if source.kind == "git":
            return _read_git(source, builds)
        if source.kind == "path" and Path(source.url).is_dir():
            return _read_tree(source, Path(source.url), sha256=None, builds=builds)
        file, digest = _archive_file(source, client)
        with file:
            return _read_archive(source, file, digest)
    except NoStaticMetadata as error:
        reason = _unbuilt(str(error), builds)
        raise MetadataError(redact_url(source.describe()), "", reason) from error
    except (MetadataParseError, ArchiveError, InvalidVersion) as error:
        raise MetadataError(redact_url(source.describe()), "", str(error)) from error


def _archive_file(source: DirectSource, client: HttpClient) -> tuple[IO[bytes], str]:
    """The archive, on disk for a download (an endless answer stops at the limit), and
    its sha256."""
    if source.kind == "path":
        try:
            data = read_local_file(source.url, MAX_DIRECT_ARCHIVE_BYTES)
        except LocalFileError as error:
            raise ArchiveError(error.reason) from error
        return io.BytesIO(data), hashlib.sha256(data).hexdigest()
    return client.read_stream(source.url, _spooled)


def _spooled(raw: Readable) -> tuple[IO[bytes], str]:
    try:
        return spool_hashed(raw, MAX_DIRECT_ARCHIVE_BYTES, prefix="pypi2nix-direct-")
    except ArchiveError as error:
        raise ArchiveError(
            f"the download is {error}, the most pypi2nix reads of an archive URL"
        ) from error
    except OSError as error:
        where = tempfile.gettempdir()
        raise ArchiveError(
            f"cannot write it to a temporary file in {where} ({error.strerror})"
        ) from error


def _read_archive(source: DirectSource, file: IO[bytes], digest: str) -> DirectRelease:
    filename = (
        unquote(urlsplit(source.url).path.rsplit("/", 1)[-1])
        if source.kind == "url"
        else Path(source.url).name
    )
    if source.sha256 is not None and digest != source.sha256:  # the one the user gave
        raise HashMismatch(redact_url(source.url), source.sha256, digest)
    if dist_kind(filename) == "wheel":
        wheel = read_wheel_file(file)
        if wheel.metadata is None:
            raise NoStaticMetadata("the wheel has no METADATA")
        metadata = core_metadata(wheel.metadata)
        return DirectRelease(
            source=replace(source, sha256=digest),
            file=_file(source, filename, "wheel", metadata, digest),
            metadata=metadata,
            wheel=wheel,
        )
    if filename.endswith(".zip"):
        contents = read_zip_sdist(open_zip(file))
    else:
        contents = read_tar_sdist(file, filename, until_pyproject=False)
    metadata = tree_metadata(contents, source=filename)
    return DirectRelease(
        source=replace(source, sha256=digest),
        file=_file(source, filename, "sdist", metadata, digest),
        metadata=metadata,
        contents=contents,
    )


def _unbuilt(reason: str, builds: TreeBuilds | None) -> str:
    """What to do about metadata only the build backend knows, when it may not run."""
    if builds is not None and builds.refused:
        return (
            f"{reason}, and --no-build forbids running its build backend to read it: run "
            "without --no-build, or declare it in the [project] table of its pyproject.toml"
        )
    return (
        f"{reason}, and pypi2nix runs no build backend for it here: declare it in the "
        "[project] table of its pyproject.toml"
    )


def _read_git(source: DirectSource, builds: TreeBuilds | None) -> DirectRelease:
    with tempfile.TemporaryDirectory(prefix="pypi2nix-git-") as temporary:
        tree = Path(temporary) / "source"
        commit = git.checkout(source.url, source.rev, tree)
        try:
            export_differs = git.uses_export_attributes(tree)
        except LocalFileError as error:
            raise git.GitError(redact_url(source.url), error.reason) from error
        fetched = replace(source, commit=commit, export_differs=export_differs)
        return _read_tree(fetched, tree, sha256=nar_sha256(tree).hex(), builds=builds)


def _read_tree(
    source: DirectSource, tree: Path, *, sha256: str | None, builds: TreeBuilds | None
) -> DirectRelease:
    contents = read_tree(tree)
    try:
        metadata = tree_metadata(contents, source=source.describe())
    except NoStaticMetadata:
        if builds is None or builds.builder is None or builds.refused:
            raise
        metadata = built_tree_metadata(tree, contents, builds.name, builds.builder)
    name = urlsplit(source.url).path.rstrip("/").rsplit("/", 1)[-1] or metadata.name
    return DirectRelease(
        source=replace(source, sha256=sha256, folder=source.kind == "path"),
        file=_file(source, name.removesuffix(".git"), "sdist", metadata, sha256),
        metadata=metadata,
        contents=contents,
    )


def _file(
    source: DirectSource, filename: str, kind: str, metadata: CoreMetadata, sha256: str | None
) -> DistFile:
    return DistFile(
        filename=filename,
        url=source.url if source.kind != "path" else Path(source.url).as_uri(),
        kind="wheel" if kind == "wheel" else "sdist",
        version=Version(metadata.version),
        sha256=sha256,
        requires_python=metadata.requires_python,
    )
