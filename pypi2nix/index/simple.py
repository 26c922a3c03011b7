"""Parse Simple Repository API project pages (PEP 691 JSON, PEP 503 HTML) into files.

Pure functions: bytes in, :class:`DistFile` objects out. Project pages can list
thousands of files, so the per-file work is kept small: wheel tags are parsed only
when asked for, and each distinct version string is parsed once.
"""

from __future__ import annotations

import functools
import json
import posixpath
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.models import DistFile, DistKind

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

JSON_CONTENT_TYPE = "application/vnd.pypi.simple.v1+json"
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz")


class PageError(ValueError):
    """A project page that cannot be parsed."""


@dataclass(frozen=True, slots=True)
class ProjectPage:
    """The files an index lists for one project."""

    name: NormalizedName
    files: tuple[DistFile, ...]


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
        entries = _json_entries(content, url)
    else:
        entries = _html_entries(content, url)
    files = tuple(f for f in (_dist_file(name, entry) for entry in entries) if f is not None)
    return ProjectPage(name=name, files=files)


def _json_entries(content: bytes, url: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PageError(f"the project page is not valid JSON ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise PageError("the project page has no 'files' list")
    entries = []
    for item in data["files"]:
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            continue
        hashes = item.get("hashes")
        metadata = item.get("core-metadata", item.get("dist-info-metadata"))
        entries.append(
            {
                "filename": item.get("filename"),
                "url": urljoin(url, item["url"]),
                "sha256": hashes.get("sha256") if isinstance(hashes, dict) else None,
                "requires_python": item.get("requires-python"),
                "yanked": item.get("yanked", False),
                "size": item.get("size"),
                "upload_time": item.get("upload-time"),
                "core_metadata": None if metadata is None else bool(metadata),
            }
        )
    return entries


def _html_entries(content: bytes, url: str) -> list[dict[str, Any]]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PageError(f"the project page is not UTF-8 ({error.reason})") from error
    parser = _AnchorParser()
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
        entries.append(
            {
                "filename": None,
                "url": file_url,
                "sha256": digest if algorithm == "sha256" else None,
                "requires_python": attributes.get("data-requires-python"),
                "yanked": "data-yanked" in attributes,
                "size": None,
                "upload_time": None,
                "core_metadata": None if metadata is None else metadata != "false",
            }
        )
    return entries


class _AnchorParser(HTMLParser):
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


def _dist_file(name: NormalizedName, entry: dict[str, Any]) -> DistFile | None:
    url: str = entry["url"]
    filename = entry["filename"]
    if not isinstance(filename, str) or not filename:
        filename = unquote(posixpath.basename(urlsplit(url).path))
    parsed = _kind_and_version(name, filename)
    if parsed is None:
        return None
    kind, version = parsed
    sha256 = entry["sha256"]
    requires_python = entry["requires_python"]
    size = entry["size"]
    upload_time = entry["upload_time"]
    return DistFile(
        filename=filename,
        url=url,
        kind=kind,
        version=version,
        sha256=sha256.lower() if isinstance(sha256, str) and len(sha256) == 64 else None,
        requires_python=requires_python if isinstance(requires_python, str) else None,
        yanked=entry["yanked"] is not False and entry["yanked"] is not None,
        size=size if isinstance(size, int) else None,
        upload_time=upload_time if isinstance(upload_time, str) else None,
        core_metadata=entry["core_metadata"],
    )


def _kind_and_version(name: NormalizedName, filename: str) -> tuple[DistKind, Version] | None:
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        if len(parts) not in (5, 6) or canonicalize_name(parts[0]) != name:
            return None
        version = _version(parts[1])
        return None if version is None else ("wheel", version)
    for suffix in SDIST_SUFFIXES:
        if filename.endswith(suffix):
            version_text = _sdist_version(name, filename[: -len(suffix)])
            if version_text is None:
                return None
            version = _version(version_text)
            return None if version is None else ("sdist", version)
    return None


def _sdist_version(name: NormalizedName, stem: str) -> str | None:
    """The version part of ``<name>-<version>``, where the name itself may hold dashes."""
    position = stem.find("-")
    while position != -1:
        if canonicalize_name(stem[:position]) == name:
            return stem[position + 1 :]
        position = stem.find("-", position + 1)
    return None


@functools.lru_cache(maxsize=65536)
def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None
