"""PEP 503 HTML project pages: each anchor as a file entry."""

from __future__ import annotations

from typing import Any
from urllib.parse import urldefrag, urljoin

from pypi2nix.index.file_fields import (
    FileEntry,
    PageError,
    checked_requires_python,
    file_entry,
    filename_from_url,
    fragment_digest,
    yanked_value,
)
from pypi2nix.models import valid_sha256


def html_entries(content: bytes, url: str) -> list[FileEntry]:
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
        if href:
            entry = _html_entry(attributes, urljoin(base, href))
            if entry is not None:
                entries.append(entry)
    return entries


def _html_entry(attributes: dict[str, str], href: str) -> FileEntry | None:
    """A PEP 503 anchor as a :data:`FileEntry` (``None`` when a digest is not one)."""
    file_url, fragment = urldefrag(href)
    filename = filename_from_url(file_url)
    digest = fragment_digest(fragment, filename)
    requires_python = checked_requires_python(attributes.get("data-requires-python"), filename)
    if digest is False or requires_python is False:
        return None
    metadata = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
    return file_entry(
        filename,
        file_url,
        sha256=digest,
        requires_python=requires_python,
        yanked=yanked_value(attributes.get("data-yanked")),
        size=None,
        core_metadata=_core_metadata_attribute(metadata),
    )


def _core_metadata_attribute(value: str | None) -> tuple[bool | None, str | None]:
    """Whether a ``data-core-metadata`` attribute offers the ``.metadata`` file, and its
    sha256. A file offered with a digest that is not one is not used."""
    if value is None:
        return None, None
    if value.startswith("sha256="):
        digest = valid_sha256(value.removeprefix("sha256="))
        return digest is not None, digest
    return value != "false", None


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
