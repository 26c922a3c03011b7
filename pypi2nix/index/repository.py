"""The package index as the rest of pypi2nix sees it: projects, metadata, file facts.

:class:`PackageIndex` composes the HTTP client with the pure parsers and remembers
every answer for the run. It asks for the cheapest source first: a wheel's PEP 658
``.metadata`` file (tried even when the page does not advertise it; a 404 is a normal
answer), then the wheel's ``METADATA`` member read with range requests, and only then
the sdist, streamed and left as soon as what is needed has been read.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.errors import HashMismatch, MetadataError, NetworkError, ProjectNotFound
from pypi2nix.index.archive import (
    ArchiveError,
    HashingReader,
    RemoteFile,
    open_zip,
    read_zip_member,
    zip_names,
)
from pypi2nix.index.client import SIMPLE_API_ACCEPT, HttpClient, redact_url
from pypi2nix.index.metadata import CoreMetadata, MetadataParseError, parse_core_metadata
from pypi2nix.index.sdist import (
    NoStaticMetadata,
    SdistContents,
    read_tar_sdist,
    read_zip_sdist,
    sdist_metadata,
)
from pypi2nix.index.simple import PageError, ProjectPage, parse_project_page

if TYPE_CHECKING:
    import zipfile
    from collections.abc import Callable, Sequence

    from pypi2nix.models import DistFile

logger = logging.getLogger(__name__)

WHEELS_TRIED_FOR_METADATA = 3


class PackageIndex:
    """Project pages, metadata and archive facts from one or more indexes.

    Every method remembers its answers, so asking twice costs nothing.

    :param client: the HTTP client (the only thing that touches the network).
    :param index_urls: Simple API roots; a project's files are merged across them.
    :param progress: called with a short description of each fetch (for the UI).
    """

    def __init__(
        self,
        client: HttpClient,
        index_urls: Sequence[str],
        *,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.index_urls = tuple(url.rstrip("/") + "/" for url in index_urls)
        self._progress = progress or (lambda _description: None)
        self._pages: dict[NormalizedName, ProjectPage] = {}
        self._metadata: dict[tuple[NormalizedName, str], CoreMetadata] = {}
        self._sdists: dict[str, SdistContents] = {}
        self._wheels: dict[str, zipfile.ZipFile] = {}
        self._lock = threading.Lock()

    def project_page(self, name: str) -> ProjectPage:
        """Every file of a project, merged over the indexes.

        :raises ProjectNotFound: when no index knows the project.
        """
        normalized = canonicalize_name(name)
        cached = self._pages.get(normalized)
        if cached is not None:
            return cached
        files: list[DistFile] = []
        found = False
        for index_url in self.index_urls:
            page = self._fetch_page(index_url, normalized)
            if page is not None:
                found = True
                files.extend(page.files)
        if not found:
            raise ProjectNotFound(normalized, tuple(redact_url(url) for url in self.index_urls))
        page = ProjectPage(name=normalized, files=tuple(files))
        with self._lock:
            self._pages[normalized] = page
        return page

    def _fetch_page(self, index_url: str, name: NormalizedName) -> ProjectPage | None:
        url = f"{index_url}{name}/"
        self._progress(f"project {name}")
        response = self.client.get(url, headers={"Accept": SIMPLE_API_ACCEPT})
        if response is None:
            return None
        content_type = response.headers.get("Content-Type", "text/html")
        try:
            return parse_project_page(name, response.content, content_type, response.url)
        except PageError as error:
            raise NetworkError(
                redact_url(url), f"the index sent an invalid page: {error}"
            ) from error

    def core_metadata(
        self, name: NormalizedName, version: str, files: Sequence[DistFile]
    ) -> CoreMetadata:
        """Dependency metadata of one release.

        :param files: the release's files, best first; wheels are asked before sdists.
        :raises MetadataError: when no file of the release gives usable metadata.
        """
        key = (name, version)
        cached = self._metadata.get(key)
        if cached is not None:
            return cached
        metadata = self._fetch_core_metadata(name, version, files)
        if canonicalize_name(metadata.name) != name:
            logger.warning("%s %s: its metadata names it %r", name, version, metadata.name)
        with self._lock:
            self._metadata[key] = metadata
        return metadata

    def _fetch_core_metadata(
        self, name: NormalizedName, version: str, files: Sequence[DistFile]
    ) -> CoreMetadata:
        self._progress(f"metadata {name} {version}")
        wheels = [file for file in files if file.kind == "wheel"]
        for wheel in wheels[:WHEELS_TRIED_FOR_METADATA]:
            data = self._wheel_metadata(wheel)
            if data is not None:
                return self._parse_metadata(data, name, version, wheel)
        sdists = [file for file in files if file.kind == "sdist"]
        if not sdists:
            raise MetadataError(name, version, "no file of this release has readable metadata")
        contents = self.sdist_contents(sdists[0], until_pyproject=False)
        try:
            return sdist_metadata(contents, project=name, version=version)
        except (NoStaticMetadata, MetadataParseError) as error:
            raise MetadataError(name, version, f"{sdists[0].filename}: {error}") from error

    def _wheel_metadata(self, wheel: DistFile) -> bytes | None:
        if wheel.core_metadata is not False:
            response = self.client.get(wheel.url + ".metadata")
            if response is not None:
                return response.content
        try:
            archive = self._wheel_archive(wheel)
            member = _dist_info_member(zip_names(archive), "METADATA")
            return None if member is None else read_zip_member(archive, member)
        except ArchiveError as error:
            logger.warning("%s: cannot read its METADATA (%s)", wheel.filename, error)
            return None

    def _parse_metadata(
        self, data: bytes, name: NormalizedName, version: str, file: DistFile
    ) -> CoreMetadata:
        try:
            return parse_core_metadata(data)
        except MetadataParseError as error:
            raise MetadataError(name, version, f"{file.filename}: {error}") from error

    def wheel_names(self, wheel: DistFile) -> tuple[str, ...]:
        """The member list of a wheel, read from its central directory."""
        try:
            return zip_names(self._wheel_archive(wheel))
        except ArchiveError as error:
            raise _unreadable(wheel, f"cannot list its files ({error})") from error

    def wheel_member(self, wheel: DistFile, name: str) -> bytes | None:
        """One member of a wheel (``None`` when absent), read with range requests."""
        try:
            return read_zip_member(self._wheel_archive(wheel), name)
        except KeyError:
            return None
        except ArchiveError as error:
            raise _unreadable(wheel, f"cannot read {name} ({error})") from error

    def _wheel_archive(self, wheel: DistFile) -> zipfile.ZipFile:
        """The wheel as a zip file over range requests, kept open with what it fetched."""
        archive = self._wheels.get(wheel.url)
        if archive is None:
            self._progress(f"file list {wheel.filename}")
            remote = RemoteFile(lambda start, end: self.client.get_range(wheel.url, start, end))
            archive = open_zip(remote)
            with self._lock:
                self._wheels[wheel.url] = archive
        return archive

    def sdist_contents(self, sdist: DistFile, *, until_pyproject: bool) -> SdistContents:
        """The interesting files of an sdist.

        With ``until_pyproject`` a tar sdist is read only up to its ``pyproject.toml``;
        otherwise it is read to the end, which also checks its sha256.

        :raises MetadataError: for an unreadable archive.
        :raises HashMismatch: when a complete download does not match the index's hash.
        """
        cached = self._sdists.get(sdist.url)
        if cached is not None and (cached.complete or until_pyproject):
            return cached
        self._progress(f"sdist {sdist.filename}")
        try:
            if sdist.filename.endswith(".zip"):
                remote = RemoteFile(lambda s, e: self.client.get_range(sdist.url, s, e))
                with open_zip(remote) as archive:
                    contents = read_zip_sdist(archive)
            else:
                contents = self._read_tar(sdist, until_pyproject=until_pyproject)
        except ArchiveError as error:
            raise _unreadable(sdist, f"cannot read the sdist ({error})") from error
        with self._lock:
            self._sdists[sdist.url] = contents
        return contents

    def with_sha256(self, file: DistFile) -> DistFile:
        """The file with its sha256 filled in, downloading it when the index gave none."""
        if file.sha256 is not None:
            return file
        self._progress(f"hashing {file.filename}")
        with self.client.stream(file.url) as raw:
            digest = HashingReader(raw).drain()
        return dataclasses.replace(file, sha256=digest)

    def _read_tar(self, sdist: DistFile, *, until_pyproject: bool) -> SdistContents:
        with self.client.stream(sdist.url) as raw:
            hashing = HashingReader(raw)
            contents = read_tar_sdist(hashing, sdist.filename, until_pyproject=until_pyproject)
            if contents.complete and sdist.sha256 is not None:
                actual = hashing.drain()
                if actual != sdist.sha256:
                    raise HashMismatch(redact_url(sdist.url), sdist.sha256, actual)
        return contents


def _unreadable(file: DistFile, reason: str) -> MetadataError:
    return MetadataError(file.filename, "", reason)


def _dist_info_member(names: Sequence[str], member: str) -> str | None:
    for name in names:
        head, _, tail = name.partition("/")
        if head.endswith(".dist-info") and tail == member:
            return name
    return None
