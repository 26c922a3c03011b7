"""The package index as the rest of pypi2nix sees it: projects, metadata, file facts.

:class:`PackageIndex` composes the HTTP client, the on-disk cache and the pure
parsers, and computes every answer once (in whichever thread asks first). For a
release with wheels, one read of the best wheel's tail gives its METADATA, its file
list and small sources; the PEP 658 ``.metadata`` file (tried even when the page
does not advertise it; a 404 is a normal answer) is the fallback when the tail does
not hold METADATA. A release without wheels is read from its sdist, streamed and
left as soon as what is needed has been read.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.errors import (
    HashMismatch,
    MetadataError,
    NetworkError,
    OfflineError,
    ProjectNotFound,
)
from pypi2nix.index.archive import ArchiveError, HashingReader, RemoteFile, open_zip
from pypi2nix.index.cache import Cache, CachedPage, now
from pypi2nix.index.client import SIMPLE_API_ACCEPT, HttpClient, redact_url
from pypi2nix.index.metadata import (
    CoreMetadata,
    MetadataParseError,
    core_metadata,
    metadata_fields,
)
from pypi2nix.index.prefetch import Memo
from pypi2nix.index.sdist import (
    NoStaticMetadata,
    SdistContents,
    read_tar_sdist,
    read_zip_sdist,
    sdist_metadata,
)
from pypi2nix.index.simple import PageError, ProjectPage, parse_project_page
from pypi2nix.index.wheel import WheelFacts, read_dist_info_metadata, read_wheel_facts

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from pypi2nix.models import DistFile

logger = logging.getLogger(__name__)

T = TypeVar("T")
F = TypeVar("F", WheelFacts, SdistContents)

WHEELS_TRIED_FOR_METADATA = 3
_MAX_AGE = re.compile(r"max-age=(\d+)")


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
        self.index_urls = tuple(url.rstrip("/") + "/" for url in index_urls)
        self.cache = cache or Cache(None)
        self.offline = offline
        self.refresh = refresh
        self._progress = progress or (lambda _description: None)
        self._pages: Memo[NormalizedName, ProjectPage] = Memo()
        self._metadata: Memo[tuple[NormalizedName, str], CoreMetadata] = Memo()
        self._wheels: Memo[str, WheelFacts] = Memo()
        self._sdists: Memo[tuple[str, bool], SdistContents] = Memo()
        self._facts: dict[str, WheelFacts | SdistContents] = {}

    # Project pages

    def project_page(self, name: str) -> ProjectPage:
        """Every file of a project, merged over the indexes.

        :raises ProjectNotFound: when no index knows the project.
        """
        normalized = canonicalize_name(name)
        return self._pages.get(normalized, lambda: self._merged_page(normalized))

    def page_is_cached(self, name: NormalizedName) -> bool:
        """Whether the project's page will come from memory or the cache (no network)."""
        if self._pages.known(name) is not None or self.offline:
            return True
        return not self.refresh and all(
            self.cache.page_is_recent(f"{url}{name}/", now()) for url in self.index_urls
        )

    def _merged_page(self, name: NormalizedName) -> ProjectPage:
        pages = [page for url in self.index_urls if (page := self._page(url, name)) is not None]
        if not pages:
            raise ProjectNotFound(name, tuple(redact_url(url) for url in self.index_urls))
        merged = pages[0]
        for page in pages[1:]:
            merged = merged.merged(page)
        return merged

    def _page(self, index_url: str, name: NormalizedName) -> ProjectPage | None:
        url = f"{index_url}{name}/"
        cached = self.cache.page(url)
        if cached is not None and (self.offline or (not self.refresh and cached.is_fresh(now()))):
            return ProjectPage.from_json(cached.page)
        if self.offline:
            raise OfflineError(f"the project page of {name!r} ({redact_url(url)})")
        headers = {"Accept": SIMPLE_API_ACCEPT}
        if cached is not None and not self.refresh:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        self._progress(f"project {name}")
        response = self.client.get(url, headers=headers)
        if response is None:
            return None
        if response.status == 304 and cached is not None:
            page = ProjectPage.from_json(cached.page)
        else:
            content_type = response.headers.get("Content-Type", "text/html")
            try:
                page = parse_project_page(name, response.content, content_type, response.url)
            except PageError as error:
                raise NetworkError(
                    redact_url(url), f"the index sent an invalid page: {error}"
                ) from error
        self.cache.store_page(
            CachedPage(
                url=url,
                page=page.to_json(),
                fetched=now(),
                max_age=_max_age(response.headers.get("Cache-Control")),
                etag=response.headers.get("ETag") or (cached.etag if cached else None),
                last_modified=response.headers.get("Last-Modified"),
            )
        )
        return page

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
                metadata = self._parse_metadata(fields, name, version, wheel)
                if canonicalize_name(metadata.name) != name:
                    logger.warning("%s %s: its metadata names it %r", name, version, metadata.name)
                return metadata
        sdists = [file for file in files if file.kind == "sdist"]
        if not sdists:
            raise MetadataError(name, version, "no file of this release has readable metadata")
        contents = self.sdist_contents(sdists[0], until_pyproject=False)
        try:
            return sdist_metadata(contents, project=name, version=version)
        except (NoStaticMetadata, MetadataParseError) as error:
            raise MetadataError(name, version, f"{sdists[0].filename}: {error}") from error

    def _wheel_metadata(self, wheel: DistFile) -> dict[str, Any] | None:
        try:
            return self.wheel_facts(wheel).metadata
        except MetadataError as error:
            logger.warning("%s", error)
            return None

    def _parse_metadata(
        self, fields: dict[str, Any], name: NormalizedName, version: str, file: DistFile
    ) -> CoreMetadata:
        try:
            return core_metadata(fields)
        except MetadataParseError as error:
            raise MetadataError(name, version, f"{file.filename}: {error}") from error

    # Wheels

    def wheel_facts(self, wheel: DistFile) -> WheelFacts:
        """METADATA, file list and small sources of a wheel, from one read of its tail."""
        return self._wheels.get(wheel.url, lambda: self._fetch_wheel_facts(wheel))

    def _fetch_wheel_facts(self, wheel: DistFile) -> WheelFacts:
        cached = self._cached_facts(wheel, "wheel", WheelFacts.from_json)
        if cached is not None:
            return self._remember(wheel, cached)
        if self.offline:
            raise OfflineError(f"the file list of {wheel.filename}")
        self._progress(f"wheel {wheel.filename}")
        try:
            remote = RemoteFile(
                lambda start, end: self.client.get_range(wheel.url, start, end), wheel.size
            )
            with open_zip(remote) as archive:
                facts = read_wheel_facts(archive, remote)
                if facts.metadata is None:
                    remote.offline = False
                    data = self._pep_658_metadata(wheel) or read_dist_info_metadata(archive)
                    fields = None if data is None else metadata_fields(data)
                    facts = dataclasses.replace(facts, metadata=fields)
        except ArchiveError as error:
            raise _unreadable(wheel, f"cannot read the wheel ({error})") from error
        if wheel.sha256 is not None:
            self.cache.store_file_facts(wheel.sha256, facts.to_json())
        return self._remember(wheel, facts)

    def _pep_658_metadata(self, wheel: DistFile) -> bytes | None:
        """The PEP 658 file, tried even when the page does not advertise it."""
        if wheel.core_metadata is False:
            return None
        response = self.client.get(wheel.url + ".metadata")
        return None if response is None else response.content

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
        cached = self._cached_facts(sdist, "sdist", SdistContents.from_json)
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
        except ArchiveError as error:
            raise _unreadable(sdist, f"cannot read the sdist ({error})") from error
        if sdist.sha256 is not None:
            self.cache.store_file_facts(sdist.sha256, contents.to_json())
        return self._remember(sdist, contents)

    def _read_tar(self, sdist: DistFile, *, until_pyproject: bool) -> SdistContents:
        with self.client.stream(sdist.url) as raw:
            hashing = HashingReader(raw)
            contents = read_tar_sdist(hashing, sdist.filename, until_pyproject=until_pyproject)
            if contents.complete and sdist.sha256 is not None:
                actual = hashing.drain()
                if actual != sdist.sha256:
                    raise HashMismatch(redact_url(sdist.url), sdist.sha256, actual)
        return contents

    def _remember(self, file: DistFile, facts: F) -> F:
        if file.sha256 is not None:
            self._facts[file.sha256] = facts
        return facts

    def has_cached_facts(self, file: DistFile) -> bool:
        """Whether what is read from a file is in memory or in the cache (a cheap hint)."""
        return file.sha256 is not None and (
            file.sha256 in self._facts or self.cache.has_file_facts(file.sha256)
        )

    def save_parsed_imports(self) -> None:
        """Cache the import lists parsed this run, so the next run parses nothing."""
        for sha256, facts in sorted(self._facts.items()):
            if facts.imports.grew:
                self.cache.store_file_facts(sha256, facts.to_json())

    def _cached_facts(
        self, file: DistFile, kind: str, load: Callable[[dict[str, Any]], T]
    ) -> T | None:
        """What the cache knows about a file, or ``None`` (a bad entry is dropped)."""
        if file.sha256 is None:
            return None
        facts = self.cache.file_facts(file.sha256)
        if facts is None or facts.get("kind") != kind:
            return None
        try:
            return load(facts)
        except (KeyError, TypeError, ValueError, AttributeError):
            logger.debug("discarding the cached facts of %s", file.filename)
            self.cache.discard_file_facts(file.sha256)
            return None

    # Files without a hash on the page

    def with_sha256(self, file: DistFile) -> DistFile:
        """The file with its sha256 filled in, downloading it when the index gave none."""
        if file.sha256 is not None:
            return file
        if self.offline:
            raise OfflineError(f"the sha256 of {file.filename}")
        self._progress(f"hashing {file.filename}")
        with self.client.stream(file.url) as raw:
            digest = HashingReader(raw).drain()
        return dataclasses.replace(file, sha256=digest)


def _max_age(cache_control: str | None) -> float | None:
    if not cache_control:
        return None
    if "no-cache" in cache_control or "no-store" in cache_control:
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match[1]) if match else None


def _unreadable(file: DistFile, reason: str) -> MetadataError:
    return MetadataError(file.filename, "", reason)
