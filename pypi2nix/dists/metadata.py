"""Parse dependency metadata: core metadata files and the static files of an sdist.

Pure functions from bytes to :class:`CoreMetadata` / requirement lists. Nothing here
runs package code: an sdist whose dependencies exist only in code has no static
answer here (:mod:`pypi2nix.backend` runs its build backend for them).
"""

from __future__ import annotations

import configparser
import logging
from typing import TYPE_CHECKING, Any

from packaging.utils import canonicalize_name

from pypi2nix.errors import MetadataError
from pypi2nix.models import CoreMetadata
from pypi2nix.project_files import (
    MetadataParseError,
    parse_requirement_lines,
    with_extra,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.requirements import Requirement

logger = logging.getLogger(__name__)


_USED_FIELDS = frozenset(
    {
        "name", "version", "metadata_version", "summary", "home_page", "project_urls",
        "license", "license_expression", "classifiers", "requires_dist", "requires_python",
        "provides_extra", "dynamic",
    }
)  # fmt: skip


def parse_core_metadata(data: bytes) -> CoreMetadata:
    """Parse a METADATA or PKG-INFO file.

    Unparseable ``Requires-Dist`` entries are logged and skipped, as pip does.

    :raises MetadataParseError: when the file has no name or version.
    """
    return core_metadata(metadata_fields(data))


def metadata_fields(data: bytes) -> dict[str, Any]:
    """The fields pypi2nix uses of a METADATA or PKG-INFO file, as plain JSON data."""
    from packaging.metadata import parse_email

    raw, _unparsed = parse_email(data)
    return {key: value for key, value in raw.items() if key in _USED_FIELDS}


def core_metadata(raw: Mapping[str, Any]) -> CoreMetadata:
    """:class:`CoreMetadata` from :func:`metadata_fields`.

    :raises MetadataParseError: when the fields have no name or version.
    """
    name = raw.get("name")
    version = raw.get("version")
    if not name or not version:
        raise MetadataParseError("the metadata has no Name or Version")
    return CoreMetadata(
        name=name,
        version=version,
        metadata_version=raw.get("metadata_version", "1.0"),
        summary=raw.get("summary"),
        home_page=raw.get("home_page"),
        project_urls=tuple(raw.get("project_urls", {}).items()),
        license=raw.get("license"),
        license_expression=raw.get("license_expression"),
        classifiers=tuple(raw.get("classifiers", ())),
        requires_dist=parse_requirement_lines(
            raw.get("requires_dist", ()), source=f"{name} {version}", release=(name, version)
        ),
        requires_python=raw.get("requires_python"),
        provides_extra=tuple(raw.get("provides_extra", ())),
        dynamic=tuple(raw.get("dynamic", ())),
    )


def release_metadata(
    raw: Mapping[str, Any], *, project: str, version: str, filename: str
) -> CoreMetadata:
    """:func:`core_metadata` of one file of a release.

    :raises MetadataError: naming the release and the file, for unusable fields or
        metadata that names another project.
    """
    try:
        metadata = core_metadata(raw)
    except MetadataParseError as error:
        raise MetadataError(project, version, f"{filename}: {error}") from error
    check_project_name(metadata, project=project, version=version, filename=filename)
    return metadata


def check_project_name(
    metadata: CoreMetadata, *, project: str, version: str, filename: str
) -> None:
    """A file whose metadata names another project does not tell about this one.

    :raises MetadataError: when the metadata's ``Name`` is not the project's.
    """
    if canonicalize_name(metadata.name) != canonicalize_name(project):
        reason = f"{filename}: its metadata names another project, {metadata.name!r}"
        raise MetadataError(project, version, reason)


def parse_egg_info_requires(data: bytes, *, source: str) -> tuple[Requirement, ...]:
    """Parse setuptools' ``*.egg-info/requires.txt`` (sections are ``[extra:marker]``)."""
    lines: list[str] = []
    marker = ""
    for raw_line in data.decode("utf-8", errors="replace").splitlines():
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            extra, _, condition = line[1:-1].partition(":")
            parts = [f'extra == "{extra.strip()}"'] if extra.strip() else []
            if condition.strip():
                parts.append(f"({condition.strip()})")
            marker = " and ".join(parts)
            continue
        lines.append(f"{line} ; {marker}" if marker else line)
    return parse_requirement_lines(lines, source=source)


def parse_setup_cfg_requires(data: bytes, *, source: str) -> tuple[Requirement, ...] | None:
    """Static ``install_requires``/``extras_require`` of a ``setup.cfg``; ``None`` when the
    file does not declare them statically."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(data.decode("utf-8", errors="replace"))
    except configparser.Error:
        return None
    if not parser.has_option("options", "install_requires"):
        return None
    base = parser.get("options", "install_requires")
    if base.strip().startswith(("file:", "attr:")):
        return None
    lines = _cfg_list(base)
    if parser.has_section("options.extras_require"):
        for extra, value in parser.items("options.extras_require"):
            if value.strip().startswith(("file:", "attr:")):
                return None
            lines.extend(with_extra(line, extra) for line in _cfg_list(value))
    return parse_requirement_lines(lines, source=source)


def _cfg_list(value: str) -> list[str]:
    stripped = (line.split("#", 1)[0].strip() for line in value.splitlines())
    return [line for line in stripped if line]
