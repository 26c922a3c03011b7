"""The package index as the rest of pypi2nix sees it: projects, metadata, file facts.

:class:`PackageIndex` composes the HTTP client, the on-disk cache and the pure
parsers, and computes every answer once (in whichever thread asks first). For a
release with wheels, one read of the best wheel's tail gives its METADATA, its file
list and small sources; the PEP 658 ``.metadata`` file (tried even when the page
does not advertise it; a 404 is a normal answer) is the fallback when the tail does
not hold METADATA. A release without wheels is read from its sdist, streamed and
left as soon as what is needed has been read; when no static file gives its
dependencies, the answer is :class:`~pypi2nix.dists.sdist.NeedsBuild` (running the
build backend is the resolver's decision, never the index's).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from pypi2nix.credentials import redact_url
from pypi2nix.dists.archive import ArchiveError, HashingReader, RemoteFile, open_zip
from pypi2nix.dists.metadata import check_project_name, metadata_fields, release_metadata
from pypi2nix.dists.sdist import (
    BuildRequest,
    NeedsBuild,
    NoStaticMetadata,
    SdistContents,
    read_tar_sdist,
    read_zip_sdist,
    sdist_metadata,
)
from pypi2nix.dists.wheel import (
    NativeFacts,
    WheelFacts,
    read_dist_info_metadata,
    read_wheel_facts,
)
from pypi2nix.errors import (
    HashMismatch,
    MetadataError,
    OfflineError,
)
from pypi2nix.index.cache import Cache, read_facts_key
from pypi2nix.index.entries import valid_sdist_contents, valid_wheel_facts
from pypi2nix.index.pages import ProjectPages
from pypi2nix.index.sdist_reads import SdistReads
from pypi2nix.index.whole_files import WholeFiles
from pypi2nix.project_files import MetadataParseError
from pypi2nix.threads import Memo

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable, Iterable, Sequence

    from packaging.utils import NormalizedName

    from pypi2nix.dists.streams import Readable
    from pypi2nix.index.client import HttpClient
    from pypi2nix.index.simple import ProjectPage
    from pypi2nix.models import CoreMetadata, DistFile

logger = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F", WheelFacts, SdistContents)

WHEELS_TRIED_FOR_METADATA = 3


class PackageIndex:
    """Project pages, metadata and archive facts from one or more indexes.

    Safe to use from several threads; every answer is computed once.

    :param progress: called with a short description of each fetch (for the UI).
    """

    def __init__(
        self,
        client: HttpClient,
        index_urls: Sequence[str],
        *,
        cache: Cache | None = None,
        offline: bool = False,
        refresh: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        # Credentials stay in the client: no page, file URL or cache entry holds them.
        self.index_urls = tuple(
            client.keep_credentials(url.rstrip("/") + "/") for url in index_urls
        )
        self.cache = cache or Cache.at(None)
        self.offline = offline
        self.refresh = refresh
        self._progress = progress or (lambda _description: None)
        self.pages = ProjectPages(
            client,
            self.index_urls,
            cache=self.cache,
            offline=offline,
            refresh=refresh,
            progress=self._progress,
        )
        self._metadata: Memo[tuple[NormalizedName, str], CoreMetadata] = Memo()
        self.files = WholeFiles(
            client,
            self.cache,
            offline=offline,
            progress=self._progress,
            file_list_known=self.has_cached_facts,
        )
        self._wheels: Memo[str, WheelFacts] = Memo()
        self._sdists: Memo[tuple[str, bool], SdistContents] = Memo()
        self._facts: dict[str, WheelFacts | SdistContents] = {}
        self.sdist_reads = SdistReads()

    # Project pages

    def project_page(self, name: str) -> ProjectPage:
        """Every file of a project, merged over the indexes.

        :raises ProjectNotFound: when no index knows the project.
        """
        return self.pages.project_page(name)

    def page_is_cached(self, name: NormalizedName) -> bool:
        """Whether the project's page will come from memory or the cache (no network)."""
        return self.pages.page_is_cached(name)

    def consulted_pages(self) -> dict[str, float]:
        """Every page read this run, with when it was fetched (for the lock cache)."""
        return self.pages.consulted_pages()

    def pages_unchanged(self, pages: dict[str, float]) -> bool:
        """Whether a lock made from these pages still holds (see :class:`ProjectPages`)."""
        return self.pages.pages_unchanged(pages)

    def recording_pages(self) -> contextlib.AbstractContextManager[set[NormalizedName]]:
        """The projects whose pages this thread asks for within the block."""
        return self.pages.recording()

    def pages_of(self, names: Iterable[NormalizedName]) -> dict[str, float] | None:
        """The projects' pages read this run (``None``: one was not read)."""
        return self.pages.pages_of(names)

    # Metadata

    def core_metadata(
        self, name: NormalizedName, version: str, files: Sequence[DistFile]
    ) -> CoreMetadata:
        """Dependency metadata of one release.

        :param files: the release's files, best first; wheels answer before sdists.
        :raises MetadataError: when no file of the release gives usable metadata.
        """
        return self._metadata.get(
            (name, version), lambda: self._fetch_core_metadata(name, version, files)
        )

    def _fetch_core_metadata(
        self, name: NormalizedName, version: str, files: Sequence[DistFile]
    ) -> CoreMetadata:
        wheels = [file for file in files if file.kind == "wheel"]
        for wheel in wheels[:WHEELS_TRIED_FOR_METADATA]:
            fields = self._wheel_metadata(wheel)
            if fields is not None:
                return release_metadata(
                    fields, project=name, version=version, filename=wheel.filename
                )
        sdists = [file for file in files if file.kind == "sdist"]
        if not sdists:
            raise MetadataError(name, version, "no file of this release has readable metadata")
        contents = self.sdist_contents(sdists[0], until_pyproject=False)
        try:
            metadata = sdist_metadata(contents, project=name, version=version)
        except NoStaticMetadata as error:
            sdist = self.with_sha256(sdists[0])
            request = BuildRequest(name=name, version=version, sdist=sdist, contents=contents)
            reason = f"{sdist.filename}: {error}, and no build backend may run here"
            raise NeedsBuild(request, reason) from error
        except MetadataParseError as error:
            raise MetadataError(name, version, f"{sdists[0].filename}: {error}") from error
        check_project_name(metadata, project=name, version=version, filename=sdists[0].filename)
        return metadata

    def _wheel_metadata(self, wheel: DistFile) -> dict[str, Any] | None:
        try:
            return self.wheel_facts(wheel).metadata
        except MetadataError as error:
            logger.warning("%s", error)
            return None

    # Wheels

    def wheel_facts(self, wheel: DistFile) -> WheelFacts:
        """METADATA, file list and small sources of a wheel, from one read of its tail."""
        return self._wheels.get(wheel.url, lambda: self._fetch_wheel_facts(wheel))

    def _fetch_wheel_facts(self, wheel: DistFile) -> WheelFacts:
        cached = self._cached_facts(wheel, "wheel", valid_wheel_facts, WheelFacts.from_json)
        if cached is not None:
            return self._remember(wheel, cached)
        if self.offline:
            raise OfflineError(f"the file list of {wheel.filename}")
        self._progress(f"wheel {wheel.filename}")
        try:
            remote = RemoteFile(
                lambda start, end: self.client.get_range(wheel.url, start, end),
                wheel.size,
                first=self.files.first_range_of_file_list(wheel),
            )
            _verify_whole_file(wheel, remote.whole())
            archive = open_zip(remote)  # left open: the import check may read sources
            facts = read_wheel_facts(archive, remote)
            if facts.metadata is None:
                remote.offline = False
                data = self._pep_658_metadata(wheel) or read_dist_info_metadata(archive)
                remote.offline = True
                fields = None if data is None else metadata_fields(data)
                facts = replace(facts, metadata=fields)
        except ArchiveError as error:
            raise _unreadable(wheel, f"cannot read the wheel ({error})") from error
        key = _facts_key(wheel)
        if key is not None:
            self.cache.store_file_facts(key, facts.to_json())
        return self._remember(wheel, facts)

    def _pep_658_metadata(self, wheel: DistFile) -> bytes | None:
        """The PEP 658 file, tried even when the page does not advertise it, and checked
        against the sha256 the page gives for it.

        :raises HashMismatch: when it does not match that sha256.
        """
        if wheel.core_metadata is False:
            return None
        url = wheel.url + ".metadata"
        response = self.client.get(url, metadata=True)
        if response is None:
            return None
        expected = wheel.core_metadata_sha256
        if expected is not None:
            actual = hashlib.sha256(response.content).hexdigest()
            if actual != expected:
                raise HashMismatch(redact_url(url), expected, actual)
        return response.content

    def wheel_names(self, wheel: DistFile) -> tuple[str, ...]:
        """The member list of a wheel, read from its central directory."""
        return self.wheel_facts(wheel).names

    # Sdists

    def sdist_contents(self, sdist: DistFile, *, until_pyproject: bool) -> SdistContents:
        """The interesting files of an sdist.

        With ``until_pyproject`` a tar sdist is read only up to its ``pyproject.toml``;
        otherwise it is read to the end, which also checks its sha256.

        :raises MetadataError: for an unreadable archive.
        :raises HashMismatch: when a complete download does not match the index's hash.
        """
        if until_pyproject:
            complete = self._sdists.known((sdist.url, False))
            if complete is not None:
                return complete
        return self._sdists.get(
            (sdist.url, until_pyproject),
            lambda: self._fetch_sdist_contents(sdist, until_pyproject=until_pyproject),
        )

    def _fetch_sdist_contents(self, sdist: DistFile, *, until_pyproject: bool) -> SdistContents:
        cached = self._cached_facts(sdist, "sdist", valid_sdist_contents, SdistContents.from_json)
        if cached is not None and (cached.complete or until_pyproject):
            return self._remember(sdist, cached)
        if self.offline:
            raise OfflineError(f"the contents of {sdist.filename}")
        self._progress(f"sdist {sdist.filename}")
        try:
            if sdist.filename.endswith(".zip"):
                remote = RemoteFile(
                    lambda start, end: self.client.get_range(sdist.url, start, end), sdist.size
                )
                with open_zip(remote) as archive:
                    contents = read_zip_sdist(archive)
            else:
                contents = self._read_tar(sdist, until_pyproject=until_pyproject)
                self.sdist_reads.count(until_pyproject=until_pyproject, complete=contents.complete)
        except ArchiveError as error:
            raise _unreadable(sdist, f"cannot read the sdist ({error})") from error
        key = _facts_key(sdist)
        if key is not None and (
            contents.complete or not self.cache.has_file_facts(key)
        ):  # a partial read never replaces a complete one
            self.cache.store_file_facts(key, contents.to_json())
        return self._remember(sdist, contents)

    def _read_tar(self, sdist: DistFile, *, until_pyproject: bool) -> SdistContents:
        def read(raw: Readable) -> SdistContents:
            hashing = HashingReader(raw)
            try:
                contents = read_tar_sdist(hashing, sdist.filename, until_pyproject=until_pyproject)
            except ArchiveError as error:  # a corrupt download says more as a hash mismatch
                if sdist.sha256 is not None and (actual := hashing.drain()) != sdist.sha256:
                    raise HashMismatch(redact_url(sdist.url), sdist.sha256, actual) from error
                raise
            if contents.complete and sdist.sha256 is not None:
                actual = hashing.drain()
                if actual != sdist.sha256:
                    raise HashMismatch(redact_url(sdist.url), sdist.sha256, actual)
            return contents

        return self.client.read_stream(sdist.url, read)

    def _remember(self, file: DistFile, facts: F) -> F:
        key = _facts_key(file)
        if key is not None:
            self._facts[key] = facts
        return facts

    def has_cached_facts(self, file: DistFile) -> bool:
        """Whether what is read from a file is in memory or in the cache (a cheap hint)."""
        key = _facts_key(file)
        return key is not None and (key in self._facts or self.cache.has_file_facts(key))

    # Whole files: see WholeFiles

    def download(self, file: DistFile, limit: int) -> bytes:
        return self.files.download(file, limit)

    def with_sha256(self, file: DistFile) -> DistFile:
        return self.files.with_sha256(file)

    def native_facts(self, wheel: DistFile) -> NativeFacts | None:
        return self.files.native_facts(wheel)

    def has_cached_native_facts(self, wheel: DistFile) -> bool:
        return self.files.has_cached_native_facts(wheel)

    def save_parsed_imports(self) -> None:
        """Cache the import lists parsed this run, so the next run parses nothing."""
        for key, facts in sorted(self._facts.items()):
            if facts.imports.grew:
                self.cache.store_file_facts(key, facts.to_json())

    def _cached_facts(
        self,
        file: DistFile,
        kind: str,
        valid: Callable[[dict[str, Any]], bool],
        load: Callable[[dict[str, Any]], T],
    ) -> T | None:
        """What the cache knows about a file, or ``None``: an entry that fails the
        checks is dropped and read again."""
        key = _facts_key(file)
        if key is None:
            return None
        facts = self.cache.file_facts(key)
        if facts is None:
            return None
        try:
            if facts.get("kind") == kind and valid(facts):
                return load(facts)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
        logger.debug("discarding the cached facts of %s", file.filename)
        self.cache.discard_file_facts(key)
        return None


def _facts_key(file: DistFile) -> str | None:
    """Where what is read from a file is cached (see :func:`read_facts_key`)."""
    return None if file.sha256 is None else read_facts_key(file.url, file.sha256)


def _verify_whole_file(file: DistFile, data: bytes | None) -> None:
    """Check a file read whole against the index's sha256 (a partial read cannot be).

    :raises HashMismatch: naming the expected and the actual digest.
    """
    if data is not None and file.sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != file.sha256:
            raise HashMismatch(redact_url(file.url), file.sha256, actual)


def _unreadable(file: DistFile, reason: str) -> MetadataError:
    return MetadataError(file.filename, "", reason)
