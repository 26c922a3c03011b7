"""Parse dependency metadata: core metadata files and the static files of an sdist.

Pure functions from bytes to :class:`CoreMetadata` / requirement lists. Nothing here
runs package code: a ``setup.py`` is never executed, so an sdist whose dependencies
exist only in code has no static answer (``None``).
"""

from __future__ import annotations

import configparser
import logging
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

if TYPE_CHECKING:
    from collections.abc import Mapping

logger = logging.getLogger(__name__)


class MetadataParseError(ValueError):
    """A metadata file that cannot be parsed at all."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreMetadata:
    """The fields of a distribution's core metadata that pypi2nix uses."""

    name: str
    version: str
    metadata_version: str = "1.0"
    summary: str | None = None
    home_page: str | None = None
    project_urls: tuple[tuple[str, str], ...] = ()
    license: str | None = None
    license_expression: str | None = None
    classifiers: tuple[str, ...] = ()
    requires_dist: tuple[Requirement, ...] = ()
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    dynamic: tuple[str, ...] = ()

    @property
    def has_static_dependencies(self) -> bool:
        """Whether ``Requires-Dist`` can be trusted (Metadata 2.2+, not declared dynamic)."""
        major, _, minor = self.metadata_version.partition(".")
        try:
            version = (int(major), int(minor or 0))
        except ValueError:
            return False
        dynamic = {field.lower() for field in self.dynamic}
        return version >= (2, 2) and "requires-dist" not in dynamic


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
        requires_dist=parse_requirement_lines(raw.get("requires_dist", ()), source=name),
        requires_python=raw.get("requires_python"),
        provides_extra=tuple(raw.get("provides_extra", ())),
        dynamic=tuple(raw.get("dynamic", ())),
    )


def parse_requirement_lines(lines: Any, *, source: str) -> tuple[Requirement, ...]:
    requirements = []
    for line in lines:
        try:
            requirements.append(Requirement(line))
        except InvalidRequirement as error:
            logger.warning("%s: ignoring invalid requirement %r (%s)", source, line, error)
    return tuple(requirements)


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
            lines.extend(_with_extra(line, extra) for line in _cfg_list(value))
    return parse_requirement_lines(lines, source=source)


def _cfg_list(value: str) -> list[str]:
    stripped = (line.split("#", 1)[0].strip() for line in value.splitlines())
    return [line for line in stripped if line]


def _with_extra(line: str, extra: str) -> str:
    requirement, _, marker = line.partition(";")
    condition = f'extra == "{extra}"'
    if marker.strip():
        condition = f"({marker.strip()}) and {condition}"
    return f"{requirement.strip()} ; {condition}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PyprojectFacts:
    """What pypi2nix reads from a ``pyproject.toml``."""

    build_requires: tuple[Requirement, ...] | None
    dependencies: tuple[Requirement, ...] | None
    # PEP 735 groups, includes resolved; empty when the table is missing or malformed.
    dependency_groups: tuple[tuple[str, tuple[Requirement, ...]], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "build_requires": _strings(self.build_requires),
            "dependencies": _strings(self.dependencies),
            "dependency_groups": [
                [group, _strings(requirements)] for group, requirements in self.dependency_groups
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PyprojectFacts:
        def requirements(lines: list[str] | None) -> tuple[Requirement, ...] | None:
            return None if lines is None else tuple(Requirement(line) for line in lines)

        return cls(
            build_requires=requirements(data["build_requires"]),
            dependencies=requirements(data["dependencies"]),
            dependency_groups=tuple(
                (group, requirements(lines) or ()) for group, lines in data["dependency_groups"]
            ),
        )


def _strings(requirements: tuple[Requirement, ...] | None) -> list[str] | None:
    return None if requirements is None else [str(requirement) for requirement in requirements]


def parse_pyproject(data: bytes, *, source: str) -> PyprojectFacts:
    """Read ``[build-system] requires`` and static ``[project]`` dependencies.

    ``build_requires`` is ``None`` when the file declares no ``[build-system]``
    requirements (the build then defaults to setuptools); ``dependencies`` is ``None``
    when they are dynamic or absent.

    :raises MetadataParseError: when the file is not valid TOML.
    """
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MetadataParseError(f"pyproject.toml is not valid TOML ({error})") from error
    build_system = document.get("build-system")
    build_requires = None
    if isinstance(build_system, dict) and isinstance(build_system.get("requires"), list):
        build_requires = parse_requirement_lines(
            [item for item in build_system["requires"] if isinstance(item, str)], source=source
        )
    try:
        groups = dependency_groups(document.get("dependency-groups", {}), source=source)
    except MetadataParseError as error:
        logger.debug("%s: ignoring [dependency-groups]: %s", source, error)
        groups = ()
    return PyprojectFacts(
        build_requires=build_requires,
        dependencies=_project_dependencies(document, source),
        dependency_groups=groups,
    )


def dependency_groups(
    table: object, *, source: str
) -> tuple[tuple[str, tuple[Requirement, ...]], ...]:
    """PEP 735 ``[dependency-groups]``: each group (normalized name, sorted) with its
    requirements, ``{include-group = "..."}`` entries expanded.

    :raises MetadataParseError: for a malformed table, an unknown or cyclic include.
    """
    if not isinstance(table, dict):
        raise MetadataParseError("[dependency-groups] is not a table")
    raw: dict[str, list[object]] = {}
    for name, entries in table.items():
        normalized = canonicalize_name(str(name))
        if normalized in raw or not isinstance(entries, list):
            raise MetadataParseError(f"dependency group {name!r} is duplicated or not a list")
        raw[normalized] = entries

    def expand(group: str, trail: tuple[str, ...]) -> list[str]:
        if group not in raw:
            raise MetadataParseError(f"dependency group {group!r} is not defined")
        if group in trail:
            raise MetadataParseError(f"dependency group {group!r} includes itself")
        lines: list[str] = []
        for entry in raw[group]:
            if isinstance(entry, str):
                lines.append(entry)
            elif isinstance(entry, dict) and set(entry) == {"include-group"}:
                included = canonicalize_name(str(entry["include-group"]))
                lines.extend(expand(included, (*trail, group)))
            else:
                raise MetadataParseError(f"dependency group {group!r} has an invalid entry")
        return lines

    return tuple(
        (group, parse_requirement_lines(expand(group, ()), source=f"{source} group {group}"))
        for group in sorted(raw)
    )


def _project_dependencies(document: dict[str, Any], source: str) -> tuple[Requirement, ...] | None:
    project = document.get("project")
    if not isinstance(project, dict):
        return None
    dynamic = project.get("dynamic", [])
    if not isinstance(dynamic, list) or "dependencies" in dynamic:
        return None
    lines = [item for item in project.get("dependencies", []) if isinstance(item, str)]
    optional = project.get("optional-dependencies", {})
    if "optional-dependencies" in dynamic or not isinstance(optional, dict):
        optional = {}
    for extra, items in sorted(optional.items()):
        if isinstance(items, list):
            lines.extend(_with_extra(item, extra) for item in items if isinstance(item, str))
    return parse_requirement_lines(lines, source=source)


def project_table_metadata(data: bytes, *, source: str) -> CoreMetadata | None:
    """Core metadata from the PEP 621 ``[project]`` table of a ``pyproject.toml``, or
    ``None`` without one. A dynamic version is ``""``; dynamic dependencies are marked
    so (``has_static_dependencies`` is then false).

    :raises MetadataParseError: when the file is not valid TOML or the table is malformed.
    """
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MetadataParseError(f"pyproject.toml is not valid TOML ({error})") from error
    project = document.get("project")
    if not isinstance(project, dict):
        return None
    name = project.get("name")
    dynamic = project.get("dynamic", [])
    if not isinstance(name, str) or not name or not isinstance(dynamic, list):
        raise MetadataParseError("[project] needs a name, and dynamic must be a list")
    version = project.get("version") if "version" not in dynamic else None
    dependencies = _project_dependencies(document, source)
    license_field = project.get("license")
    urls = project.get("urls", {})
    extras = project.get("optional-dependencies", {})
    return CoreMetadata(
        name=name,
        version=version if isinstance(version, str) else "",
        metadata_version="2.4",
        summary=_string_field(project.get("description")),
        project_urls=tuple((str(label), url) for label, url in urls.items() if isinstance(url, str))
        if isinstance(urls, dict)
        else (),
        license=license_field.get("text") if isinstance(license_field, dict) else None,
        license_expression=license_field if isinstance(license_field, str) else None,
        classifiers=tuple(item for item in project.get("classifiers", []) if isinstance(item, str)),
        requires_dist=dependencies or (),
        requires_python=_string_field(project.get("requires-python")),
        provides_extra=tuple(sorted(extras)) if isinstance(extras, dict) else (),
        dynamic=("Requires-Dist",) if dependencies is None else (),
    )


def setup_cfg_name_and_version(data: bytes) -> tuple[str | None, str | None]:
    """``[metadata] name`` and a static ``version`` of a ``setup.cfg``."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(data.decode("utf-8", errors="replace"))
    except configparser.Error:
        return None, None
    name = parser.get("metadata", "name", fallback=None)
    version = parser.get("metadata", "version", fallback=None)
    if version is not None and version.strip().startswith(("file:", "attr:")):
        version = None
    return (name.strip() or None) if name else None, (version.strip() or None) if version else None


def _string_field(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
