"""Parse Simple Repository API project pages (PEP 691 JSON, PEP 503 HTML).

Pure functions: bytes in, :class:`ProjectPage` out. A page can list 15,000 files
and parsing it is the hot path, so the parser only groups the files by the version
string in their names; each version string is parsed once, and a version's files
become :class:`DistFile` objects only when that version is looked at.
"""

from __future__ import annotations

import functools
import json
import posixpath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.filenames import dist_kind, parse_wheel_name, sdist_stem
from pypi2nix.models import DistFile

if TYPE_CHECKING:
    from collections.abc import Iterator

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"

# One file as the page lists it: filename, url, kind, sha256, requires-python, yanked
# (False, True, or the reason given as a string), size, core-metadata (None: not
# said). Plain lists, so that a page is cheap to store in the cache as JSON.
FileEntry = list[Any]


class PageError(ValueError):
    """A project page that cannot be parsed."""


class ProjectPage:
    """The files an index lists for one project, grouped by version string.

    :param entries: version string -> :data:`FileEntry` lists; or PEP 691 file dicts
        when ``raw_base`` (the page's URL) is given: those are converted when their
        version is looked at.
    """

    __slots__ = ("_entries", "_files", "_newest_first", "_raw_base", "_versions", "name")

    def __init__(
        self,
        name: NormalizedName,
        entries: dict[str, list[Any]],
        *,
        raw_base: str | None = None,
    ) -> None:
        self.name = name
        self._entries = entries
        self._raw_base = raw_base
        self._versions: dict[Version, tuple[str, ...]] | None = None
        self._newest_first: tuple[Version, ...] | None = None
        self._files: dict[Version, tuple[DistFile, ...]] = {}

    @property
    def versions(self) -> dict[Version, tuple[str, ...]]:
        """Every valid version, with the version strings that spell it in file names."""
        if self._versions is None:
            versions: dict[Version, list[str]] = {}
            for text in self._entries:
                version = _version(text)
                if version is not None:
                    versions.setdefault(version, []).append(text)
            self._versions = {version: tuple(texts) for version, texts in versions.items()}
        return self._versions

    @property
    def newest_first(self) -> tuple[Version, ...]:
        if self._newest_first is None:
            self._newest_first = tuple(sorted(self.versions, reverse=True))
        return self._newest_first

    def entries(self, text: str) -> list[FileEntry]:
        """The files of one version string, as :data:`FileEntry` lists."""
        entries = self._entries[text]
        if self._raw_base is not None and entries and type(entries[0]) is dict:
            converted = (_json_entry(item, self._raw_base) for item in entries)
            entries = self._entries[text] = [entry for entry in converted if entry is not None]
        return entries

    def files(self, version: Version) -> tuple[DistFile, ...]:
        """The files of one version."""
        files = self._files.get(version)
        if files is None:
            files = tuple(
                _dist_file(entry, version)
                for text in self.versions.get(version, ())
                for entry in self.entries(text)
            )
            self._files[version] = files
        return files

    def all_files(self) -> Iterator[DistFile]:
        for version in self.versions:
            yield from self.files(version)

    def merged(self, other: ProjectPage) -> ProjectPage:
        """This page with another index's files added."""
        entries = {text: list(self.entries(text)) for text in self._entries}
        for text in other._entries:
            entries.setdefault(text, []).extend(other.entries(text))
        return ProjectPage(self.name, entries)


def parse_project_page(
    name: NormalizedName, content: bytes, content_type: str, url: str
) -> ProjectPage:
    """Parse a project page served as PEP 691 JSON or as PEP 503 HTML.

    Files whose names do not belong to the project, or that are neither a wheel nor
    an sdist (eggs, installers), are left out.

    :raises PageError: when the page is not valid JSON or HTML.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == JSON_CONTENT_TYPE or media_type.endswith("+json"):
        return _json_page(name, content, url)
    entries: dict[str, list[FileEntry]] = {}
    for entry in _html_entries(content, url):
        version_text = _version_text(name, entry[0])
        if version_text is not None:
            entries.setdefault(version_text, []).append(entry)
    return ProjectPage(name, entries)


def _json_page(name: NormalizedName, content: bytes, url: str) -> ProjectPage:
    """Only the file names are looked at here (this loop runs for every file)."""
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PageError(f"the project page is not valid JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PageError("the project page has no 'files' list")
    page_name = data.get("name")
    if isinstance(page_name, str) and canonicalize_name(page_name) != name:
        raise PageError(f"it is the page of another project, {page_name!r}")
    groups: dict[str, list[Any]] = {}
    for item in data["files"]:
        if type(item) is not dict:
            continue
        filename = item.get("filename")
        if type(filename) is not str:
            file_url = item.get("url")
            filename = _filename_from_url(file_url) if type(file_url) is str else ""
        version_text = _version_text(name, filename)
        if version_text is not None:
            groups.setdefault(version_text, []).append(item)
    return ProjectPage(name, groups, raw_base=url)


def _json_entry(item: dict[str, Any], base: str) -> FileEntry | None:
    """A PEP 691 file dict as a :data:`FileEntry` (``None`` when it has no URL)."""
    file_url = item.get("url")
    if type(file_url) is not str:
        return None
    if not file_url.startswith(("https://", "http://")):
        file_url = urljoin(base, file_url)
    filename = item.get("filename")
    if type(filename) is not str or not filename:
        filename = _filename_from_url(file_url)
    hashes = item.get("hashes")
    digest = hashes.get("sha256") if type(hashes) is dict else None
    requires_python = item.get("requires-python")
    yanked = item.get("yanked", False)
    size = item.get("size")
    metadata = item.get("core-metadata", item.get("dist-info-metadata"))
    return [
        filename,
        file_url,
        dist_kind(filename),
        digest.lower() if type(digest) is str and len(digest) == 64 else None,
        requires_python if type(requires_python) is str else None,
        yanked if type(yanked) is str and yanked else yanked is not False and yanked is not None,
        size if type(size) is int else None,
        None if metadata is None else bool(metadata),
    ]


def _html_entries(content: bytes, url: str) -> list[FileEntry]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PageError(f"the project page is not UTF-8 ({error.reason})") from error
    parser = _anchor_parser()
    parser.feed(text)
    parser.close()
    base = parser.base_url or url
    entries = []
    for attributes in parser.anchors:
        href = attributes.get("href")
        if not href:
            continue
        file_url, fragment = urldefrag(urljoin(base, href))
        algorithm, _, digest = fragment.partition("=")
        metadata = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
        filename = _filename_from_url(file_url)
        entries.append(
            [
                filename,
                file_url,
                dist_kind(filename),
                digest.lower() if algorithm == "sha256" and len(digest) == 64 else None,
                attributes.get("data-requires-python"),
                attributes.get("data-yanked") or "data-yanked" in attributes,
                None,
                None if metadata is None else metadata != "false",
            ]
        )
    return entries


def _anchor_parser() -> Any:
    """An HTML parser that collects anchors (imported here: JSON pages are the rule)."""
    from html.parser import HTMLParser

    class AnchorParser(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.anchors: list[dict[str, str]] = []
            self.base_url: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes = {key: value or "" for key, value in attrs}
            if tag == "a":
                self.anchors.append(attributes)
            elif tag == "base" and self.base_url is None and attributes.get("href"):
                self.base_url = attributes["href"]

    return AnchorParser()


def _filename_from_url(url: str) -> str:
    return unquote(posixpath.basename(urlsplit(url).path))


def _dist_file(entry: FileEntry, version: Version) -> DistFile:
    filename, url, kind, sha256, requires_python, yanked, size, core_metadata = entry
    return DistFile(
        filename=filename,
        url=url,
        kind=kind,
        version=version,
        sha256=sha256,
        requires_python=requires_python,
        yanked=bool(yanked),
        yanked_reason=yanked if type(yanked) is str else None,
        size=size,
        core_metadata=core_metadata,
    )


def _version_text(name: NormalizedName, filename: str) -> str | None:
    """The version string of a wheel or sdist of the project; ``None`` for other files."""
    wheel = parse_wheel_name(filename)
    if wheel is not None:
        return wheel.version if _normalized(wheel.distribution) == name else None
    stem = sdist_stem(filename)
    return None if stem is None else _sdist_version(name, stem)


def _sdist_version(name: NormalizedName, stem: str) -> str | None:
    """The version part of ``<name>-<version>``, where the name itself may hold dashes."""
    head, _, tail = stem.rpartition("-")
    if head and _normalized(head) == name:
        return tail
    position = stem.find("-")
    while position != -1:
        if _normalized(stem[:position]) == name:
            return stem[position + 1 :]
        position = stem.find("-", position + 1)
    return None


@functools.lru_cache(maxsize=65536)
def _normalized(name: str) -> NormalizedName:
    return canonicalize_name(name)


@functools.lru_cache(maxsize=65536)
def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None
