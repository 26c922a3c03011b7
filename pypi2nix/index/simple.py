"""Parse Simple Repository API project pages (PEP 691 JSON, PEP 503 HTML).

Pure functions: bytes in, :class:`ProjectPage` out. A page can list 15,000 files
and parsing it is the hot path, so the parser only groups the files by the version
string in their names; each version string is parsed once, and a version's files
become :class:`DistFile` objects only when that version is looked at.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import msgspec
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.filenames import WHEEL_SUFFIX, sdist_stem
from pypi2nix.index.file_fields import (
    FileEntry,
    PageError,
    checked_requires_python,
    core_metadata_offer,
    file_entry,
    filename_from_url,
    page_digest,
    yanked_value,
)
from pypi2nix.index.html_page import html_entries
from pypi2nix.models import DistFile

if TYPE_CHECKING:
    from collections.abc import Iterator

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"

logger = logging.getLogger(__name__)

# Longer version strings are not versions (a number of 100,000 digits would take
# seconds to parse, and fail); such a file is skipped with a warning.
MAX_VERSION_CHARS = 256


class ProjectPage:
    """The files an index lists for one project, grouped by version string.

    :param entries: version string -> :data:`FileEntry` lists; or PEP 691 files
        (undecoded JSON, or decoded, or one undecoded JSON list of them) when
        ``raw_base`` (the page's URL) is given: those are converted when their
        version is looked at.
    """

    __slots__ = ("_entries", "_files", "_newest_first", "_raw_base", "_versions", "name")

    def __init__(
        self,
        name: NormalizedName,
        entries: dict[str, list[Any]] | dict[str, msgspec.Raw],
        *,
        raw_base: str | None = None,
    ) -> None:
        self.name = name
        self._entries: dict[str, Any] = entries
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
                elif len(text) > MAX_VERSION_CHARS:
                    logger.warning(
                        "%s: the index lists a version of %d characters; its files are skipped",
                        self.name,
                        len(text),
                    )
            self._versions = {version: tuple(texts) for version, texts in versions.items()}
        return self._versions

    @property
    def newest_first(self) -> tuple[Version, ...]:
        if self._newest_first is None:
            self._newest_first = tuple(sorted(self.versions, reverse=True))
        return self._newest_first

    def entries(self, text: str) -> list[FileEntry]:
        """The files of one version string, as :data:`FileEntry` lists (a file whose name
        does not give that version, as in a damaged cache entry, is left out)."""
        stored: Any = self._entries[text]
        if self._raw_base is not None and (
            type(stored) is msgspec.Raw or (stored and type(stored[0]) is not list)
        ):
            items = _group_files(stored) if type(stored) is msgspec.Raw else stored
            converted = (_file_entry(item, self._raw_base) for item in items)
            stored = self._entries[text] = [
                entry
                for entry in converted
                if entry is not None and _version_text(self.name, entry[0]) == text
            ]
        entries: list[FileEntry] = stored
        return entries

    def raw_groups(self) -> dict[str, list[Any]] | None:
        """The PEP 691 files by version string, not converted yet (``None`` for an
        HTML page, or one whose versions were looked at)."""
        if self._raw_base is None or self._versions is not None:
            return None
        return self._entries

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
    for entry in html_entries(content, url):
        version_text = _version_text(name, entry[0])
        if version_text is not None:
            entries.setdefault(version_text, []).append(entry)
    return ProjectPage(name, entries)


class _File(msgspec.Struct):
    """The fields of a PEP 691 file that are used: the decoder skips the others
    unread (typed ``Any``: their values are checked as the dicts' are)."""

    filename: Any = None
    url: Any = None
    hashes: Any = None
    requires_python: Any = msgspec.field(default=None, name="requires-python")
    yanked: Any = False
    size: Any = None
    core_metadata: Any = msgspec.field(default=msgspec.UNSET, name="core-metadata")
    dist_info_metadata: Any = msgspec.field(default=msgspec.UNSET, name="dist-info-metadata")


class _FileName(msgspec.Struct):
    filename: Any = None


class _Page(msgspec.Struct):
    name: Any = None
    files: list[msgspec.Raw] | None = None


_PAGE_DECODER = msgspec.json.Decoder(_Page)
_NAME_DECODER = msgspec.json.Decoder(_FileName)
_FILE_DECODER = msgspec.json.Decoder(_File)
_GROUP_DECODER = msgspec.json.Decoder(list[msgspec.Raw])


def _json_page(name: NormalizedName, content: bytes, url: str) -> ProjectPage:
    """Only the file names are decoded here (this loop runs for every file): a
    file's other fields stay undecoded JSON until its version is looked at. A page
    of unexpected shape is read by :func:`_lenient_json_page`."""
    try:
        page = _PAGE_DECODER.decode(content)
    except (msgspec.MsgspecError, RecursionError):
        return _lenient_json_page(name, content, url)
    if page.files is None:
        raise PageError("the project page has no 'files' list")
    _check_page_name(name, page.name)
    groups: dict[str, list[Any]] = {}
    version_texts = _VersionTexts(name)
    for raw in page.files:
        try:
            filename = _NAME_DECODER.decode(raw).filename
        except msgspec.MsgspecError:
            continue  # not an object
        if type(filename) is not str:
            file = _raw_file(raw)
            file_url = None if file is None else file.url
            filename = filename_from_url(file_url) if type(file_url) is str else ""
        version_text = version_texts.of(filename)
        if version_text is not None:
            groups.setdefault(version_text, []).append(raw)
    return ProjectPage(name, groups, raw_base=url)


class _VersionTexts:
    """:func:`_version_text` for the files of one page, in the order listed: a wheel
    that starts as the last one did (``<name>-<version>-``, as an index lists a
    release's wheels one after another) has its version without parsing."""

    def __init__(self, name: NormalizedName) -> None:
        self.name = name
        self._prefix = "\0"
        self._text = ""

    def of(self, filename: str) -> str | None:
        if (
            filename.startswith(self._prefix)
            and filename.endswith(WHEEL_SUFFIX)
            and 4 <= filename.count("-") <= 5
        ):
            return self._text
        text = _version_text(self.name, filename)
        if text is not None and filename.endswith(WHEEL_SUFFIX):
            self._prefix = filename[: filename.index("-", filename.index("-") + 1) + 1]
            self._text = text
        return text


def _raw_file(raw: msgspec.Raw) -> _File | None:
    """A file's JSON decoded (a value out of the decoder's range, such as a number
    of more than 64 bits, is read as :mod:`json` reads it); ``None`` for JSON that
    is not an object."""
    try:
        return _FILE_DECODER.decode(raw)
    except msgspec.MsgspecError:
        item = json.loads(bytes(raw))
        return _file_from_dict(item) if type(item) is dict else None


def _file_from_dict(item: dict[str, Any]) -> _File:
    return _File(
        filename=item.get("filename"),
        url=item.get("url"),
        hashes=item.get("hashes"),
        requires_python=item.get("requires-python"),
        yanked=item.get("yanked", False),
        size=item.get("size"),
        core_metadata=item.get("core-metadata", item.get("dist-info-metadata")),
    )


def _lenient_json_page(name: NormalizedName, content: bytes, url: str) -> ProjectPage:
    """A page read as plain JSON: files that are not objects are left out.

    :raises PageError: when it is not JSON, or has no list of files.
    """
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PageError(f"the project page is not valid JSON ({error})") from error
    except RecursionError as error:
        raise PageError("the project page nests JSON too deeply") from error
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PageError("the project page has no 'files' list")
    _check_page_name(name, data.get("name"))
    groups: dict[str, list[Any]] = {}
    for item in data["files"]:
        if type(item) is not dict:
            continue
        filename = item.get("filename")
        if type(filename) is not str:
            file_url = item.get("url")
            filename = filename_from_url(file_url) if type(file_url) is str else ""
        version_text = _version_text(name, filename)
        if version_text is not None:
            groups.setdefault(version_text, []).append(_file_from_dict(item))
    return ProjectPage(name, groups, raw_base=url)


def _check_page_name(name: NormalizedName, page_name: object) -> None:
    if isinstance(page_name, str) and canonicalize_name(page_name) != name:
        raise PageError(f"it is the page of another project, {page_name!r}")


def _group_files(group: msgspec.Raw) -> list[msgspec.Raw]:
    """The files of one version's undecoded JSON list (checked to be a list when the
    cached page was read)."""
    return _GROUP_DECODER.decode(group)


def _file_entry(file: msgspec.Raw | _File, base: str) -> FileEntry | None:
    """A PEP 691 file as a :data:`FileEntry` (``None`` when it has no URL)."""
    item = _raw_file(file) if type(file) is msgspec.Raw else file
    if not isinstance(item, _File):
        return None
    file_url = item.url
    if type(file_url) is not str:
        return None
    if not file_url.startswith(("https://", "http://")):
        file_url = urljoin(base, file_url)
    filename = item.filename
    if type(filename) is not str or not filename:
        filename = filename_from_url(file_url)
    hashes = item.hashes
    digest = page_digest(hashes, filename) if type(hashes) is dict else None
    requires_python = checked_requires_python(item.requires_python, filename)
    if digest is False or requires_python is False:
        return None
    metadata = item.core_metadata
    if metadata is msgspec.UNSET:
        metadata = None if item.dist_info_metadata is msgspec.UNSET else item.dist_info_metadata
    size = item.size
    return file_entry(
        filename,
        file_url,
        sha256=digest,
        requires_python=requires_python,
        yanked=yanked_value(item.yanked),
        size=size if type(size) is int and size >= 0 else None,
        core_metadata=core_metadata_offer(metadata),
    )


def _dist_file(entry: FileEntry, version: Version) -> DistFile:
    filename, url, kind, sha256, requires_python, yanked, size, core_metadata = entry[:8]
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
        core_metadata_sha256=entry[8],
    )


def _version_text(name: NormalizedName, filename: str) -> str | None:
    """The version string of a wheel or sdist of the project; ``None`` for other files.
    (This runs for every file of every page: a wheel's name is split here, as
    :func:`~pypi2nix.filenames.parse_wheel_name` does, without building a WheelName.)"""
    if filename.endswith(WHEEL_SUFFIX):
        parts = filename[: -len(WHEEL_SUFFIX)].split("-", 2)
        if len(parts) < 3 or not 2 <= parts[2].count("-") <= 3:
            return None  # not the 5 or 6 parts of a wheel's name
        return parts[1] if _normalized(parts[0]) == name else None
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
    if len(text) > MAX_VERSION_CHARS:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None
