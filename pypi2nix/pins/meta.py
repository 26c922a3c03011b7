"""``meta`` of a pin from its core metadata: description, home page, changelog and
license facts (mapped to ``lib.licenses`` by the renderer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.dists.license_texts import recognize_license_text
from pypi2nix.models import PackageMeta

if TYPE_CHECKING:
    from pypi2nix.models import CoreMetadata

_HOMEPAGE_LABELS = ("homepage", "home", "source", "sourcecode", "repository", "code", "github")
_CHANGELOG_LABELS = ("changelog", "changes", "releasenotes", "history", "whatsnew", "news")


def package_meta(metadata: CoreMetadata, *, license_file: str | None = None) -> PackageMeta:
    """``meta`` facts from core metadata: summary, home page, changelog, license (and
    the text of the license file, when it was read)."""
    urls = {_label(label): url for label, url in metadata.project_urls if _is_web_url(url)}
    homepage = _clean(metadata.home_page)
    if homepage is None or not _is_web_url(homepage):
        homepage = next((urls[label] for label in _HOMEPAGE_LABELS if label in urls), None)
    return PackageMeta(
        description=_clean(metadata.summary),
        homepage=homepage,
        changelog=next((urls[label] for label in _CHANGELOG_LABELS if label in urls), None),
        license_expression=_clean(metadata.license_expression),
        license_text=_clean(metadata.license),
        license_classifiers=tuple(c for c in metadata.classifiers if c.startswith("License ::")),
        license_from_text=_license_from_texts(license_file, metadata.license),
    )


def _license_from_texts(*texts: str | None) -> str | None:
    """The license the full texts name, when they are recognized and agree."""
    found = {recognize_license_text(text) for text in texts if text and "\n" in text.strip()}
    return found.pop() if len(found) == 1 else None


def _label(text: str) -> str:
    return "".join(character for character in text.lower() if character.isalnum())


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return None if not value or value.upper() == "UNKNOWN" else value


def _is_web_url(value: str) -> bool:
    return value.startswith(("https://", "http://"))
