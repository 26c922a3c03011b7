"""Parse Simple Repository API project pages (PEP 691 JSON, PEP 503 HTML).

Pure functions: bytes in, :class:`ProjectPage` out. A page can list thousands of
files and parsing it is the hot path, so the parser only sorts the files by version
string; versions are parsed once each, and :class:`DistFile` objects are made only
for the versions that are looked at.
"""

from __future__ import annotations

import functools
import json
import posixpath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.models import DistFile, DistKind

if TYPE_CHECKING:
    from collections.abc import Iterator

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz")

# One file as the page lists it: filename, url, kind, sha256, requires-python, yanked,
# size, core-metadata (None: not said). Plain tuples, so a page is cheap to build and
# to store in the cache as JSON.
FileEntry = tuple[str, str, str, str | None, str | None, bool, int | None, bool | None]


class PageError(ValueError):
    """A project page that cannot be parsed."""


class ProjectPage:
    """The files an index lists for one project, grouped by version string."""

    __slots__ = ("_files", "_newest_first", "_sorted", "_versions", "entries", "name")

    def __init__(
        self, name: NormalizedName, entries: dict[str, list[FileEntry]], *, sorted_: bool = False
    ) -> None:
        """:param sorted_: whether ``entries`` already run from the newest version."""
        self.name = name
        self.entries = entries
        self._versions: dict[Version, tuple[str, ...]] | None = None
        self._newest_first: tuple[Version, ...] | None = None
        self._sorted = sorted_
        self._files: dict[Version, tuple[DistFile, ...]] = {}

    @property
    def versions(self) -> dict[Version, tuple[str, ...]]:
        """Every valid version, with the version strings that spell it in file names."""
        if self._versions is None:
            versions: dict[Version, list[str]] = {}
            for text in self.entries:
                version = _version(text)
                if version is not None:
                    versions.setdefault(version, []).append(text)
            self._versions = {version: tuple(texts) for version, texts in versions.items()}
        return self._versions

    @property
    def newest_first(self) -> tuple[Version, ...]:
        if self._newest_first is None:
            versions = self.versions
            self._newest_first = (
                tuple(versions) if self._sorted else tuple(sorted(versions, reverse=True))
            )
        return self._newest_first

    def files(self, version: Version) -> tuple[DistFile, ...]:
        """The files of one version."""
        files = self._files.get(version)
        if files is None:
            files = tuple(
                _dist_file(entry, version)
                for text in self.versions.get(version, ())
                for entry in self.entries[text]
            )
            self._files[version] = files
        return files

    def all_files(self) -> Iterator[DistFile]:
        for version in self.versions:
            yield from self.files(version)

    def merged(self, other: ProjectPage) -> ProjectPage:
        """This page with another index's files added."""
        entries = {text: list(files) for text, files in self.entries.items()}
        for text, files in other.entries.items():
            entries.setdefault(text, []).extend(files)
        return ProjectPage(self.name, entries)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "entries": self.entries}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProjectPage:
        entries = {
            text: [tuple(entry) for entry in files] for text, files in data["entries"].items()
        }
        return cls(NormalizedName(data["name"]), entries)


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
        raw = _json_entries(content, url)
    else:
        raw = _html_entries(content, url)
    entries: dict[str, list[FileEntry]] = {}
    for entry in raw:
        parsed = _kind_and_version(name, entry[0])
        if parsed is not None:
            kind, version_text = parsed
            entries.setdefault(version_text, []).append((entry[0], entry[1], kind, *entry[2:]))
    return ProjectPage(name, entries)


# A raw entry: filename, url, sha256, requires-python, yanked, size, core-metadata.
_RawEntry = tuple[str, str, str | None, str | None, bool, int | None, bool | None]


def _json_entries(content: bytes, url: str) -> list[_RawEntry]:
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PageError(f"the project page is not valid JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PageError("the project page has no 'files' list")
    entries: list[_RawEntry] = []
    for item in data["files"]:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        file_url = item["url"]
        if not file_url.startswith(("https://", "http://")):
            file_url = urljoin(url, file_url)
        filename = item.get("filename")
        if not isinstance(filename, str) or not filename:
            filename = _filename_from_url(file_url)
        hashes = item.get("hashes")
        metadata = item.get("core-metadata", item.get("dist-info-metadata"))
        yanked = item.get("yanked", False)
        entries.append(
            (
                filename,
                file_url,
                _sha256(hashes.get("sha256") if isinstance(hashes, dict) else None),
                _string(item.get("requires-python")),
                yanked is not False and yanked is not None,
                item.get("size") if isinstance(item.get("size"), int) else None,
                None if metadata is None else bool(metadata),
            )
        )
    return entries


def _html_entries(content: bytes, url: str) -> list[_RawEntry]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PageError(f"the project page is not UTF-8 ({error.reason})") from error
    parser = _anchor_parser()
    parser.feed(text)
    parser.close()
    base = parser.base_url or url
    entries: list[_RawEntry] = []
    for attributes in parser.anchors:
        href = attributes.get("href")
        if not href:
            continue
        file_url, fragment = urldefrag(urljoin(base, href))
        algorithm, _, digest = fragment.partition("=")
        metadata = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
        entries.append(
            (
                _filename_from_url(file_url),
                file_url,
                _sha256(digest if algorithm == "sha256" else None),
                attributes.get("data-requires-python"),
                "data-yanked" in attributes,
                None,
                None if metadata is None else metadata != "false",
            )
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


def _sha256(value: object) -> str | None:
    return value.lower() if isinstance(value, str) and len(value) == 64 else None


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _dist_file(entry: FileEntry | list[Any], version: Version) -> DistFile:
    filename, url, kind, sha256, requires_python, yanked, size, core_metadata = entry
    return DistFile(
        filename=filename,
        url=url,
        kind=kind,  # type: ignore[arg-type]
        version=version,
        sha256=sha256,
        requires_python=requires_python,
        yanked=yanked,
        size=size,
        core_metadata=core_metadata,
    )


def _kind_and_version(name: NormalizedName, filename: str) -> tuple[DistKind, str] | None:
    """Whether a file is a wheel or an sdist of the project, and its version string."""
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) in (5, 6) and _normalized(parts[0]) == name:
            return "wheel", parts[1]
        return None
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            version_text = _sdist_version(name, filename[: -len(suffix)])
            return None if version_text is None else ("sdist", version_text)
    return None


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
