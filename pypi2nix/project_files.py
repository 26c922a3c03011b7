"""A project's own declarations, parsed: ``pyproject.toml`` (``[build-system]``,
the PEP 621 ``[project]`` table, PEP 735 ``[dependency-groups]``), ``setup.cfg``'s
name and version, and requirement lines.

Pure functions from bytes to plain data, shared by the inputs (a project the user
locks) and the distribution readers (an sdist's files). Nothing here runs package
code.
"""

from __future__ import annotations

import configparser
import functools
import logging
import tomllib
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidName, canonicalize_name

from pypi2nix.models import CoreMetadata

logger = logging.getLogger(__name__)

# Build backends that moved to another package: old backend -> (new backend, its
# package). Such an sdist is built with the new one, its pyproject.toml patched as
# nixpkgs does.
MOVED_BACKENDS = {"poetry.masonry.api": ("poetry.core.masonry.api", "poetry-core")}
# Build backends that download at build time (sphinx-theme-builder fetches Node.js):
# they cannot build in the Nix sandbox.
NETWORK_BACKENDS = frozenset({"sphinx_theme_builder"})


class MetadataParseError(ValueError):
    """A metadata file that cannot be parsed at all."""


# A log record's attribute naming the release (name, version) a warning is about.
RELEASE_ATTRIBUTE = "pypi2nix_release"


def parse_requirement_lines(
    lines: Any, *, source: str, release: tuple[str, str] | None = None
) -> tuple[Requirement, ...]:
    """The requirements of the lines; an invalid one is left out with a warning (about
    ``release``, when the lines are a release's metadata)."""
    requirements = []
    extra = None if release is None else {RELEASE_ATTRIBUTE: release}
    for line in lines:
        try:
            requirements.append(parsed_requirement(line))
        except InvalidRequirement as error:
            logger.warning(
                "%s: ignoring invalid requirement %r (%s)",
                source,
                line,
                str(error).splitlines()[0],
                extra=extra,
            )
    return tuple(requirements)


@functools.lru_cache(maxsize=65536)
def parsed_requirement(line: str) -> Requirement:
    """A requirement string parsed, once per run (a lock meets the same strings in many
    releases' metadata; the objects are shared, and never changed).

    :raises InvalidRequirement: when it does not parse.
    """
    return Requirement(line)


def with_extra(line: str, extra: str) -> str:
    requirement, _, marker = line.partition(";")
    condition = f'extra == "{extra}"'
    if marker.strip():
        condition = f"({marker.strip()}) and {condition}"
    return f"{requirement.strip()} ; {condition}"


def load_toml(data: bytes) -> dict[str, Any]:
    """A ``pyproject.toml`` document.

    :raises MetadataParseError: when it is not UTF-8 TOML, or nests too deeply for
        the parser (thousands of ``[``).
    """
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MetadataParseError(f"pyproject.toml is not valid TOML ({error})") from error
    except RecursionError as error:
        raise MetadataParseError("pyproject.toml nests its arrays or tables too deeply") from error


def _string_items(value: object) -> list[str]:
    """The strings of a TOML array; nothing for any other value (``classifiers = 5``)."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


@dataclass(frozen=True, slots=True, kw_only=True)
class PyprojectFacts:
    """What pypi2nix reads from a ``pyproject.toml``."""

    build_requires: tuple[Requirement, ...] | None
    dependencies: tuple[Requirement, ...] | None
    build_backend: str | None = None
    backend_path: tuple[str, ...] | None = None
    # PEP 735 groups, includes resolved; empty when the table is missing or malformed.
    dependency_groups: tuple[tuple[str, tuple[Requirement, ...]], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "build_requires": _strings(self.build_requires),
            "dependencies": _strings(self.dependencies),
            "build_backend": self.build_backend,
            "backend_path": None if self.backend_path is None else list(self.backend_path),
            "dependency_groups": [
                [group, _strings(requirements)] for group, requirements in self.dependency_groups
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PyprojectFacts:
        def requirements(lines: list[str] | None) -> tuple[Requirement, ...] | None:
            return None if lines is None else tuple(map(parsed_requirement, lines))

        return cls(
            build_requires=requirements(data["build_requires"]),
            dependencies=requirements(data["dependencies"]),
            build_backend=data["build_backend"],
            backend_path=None if data["backend_path"] is None else tuple(data["backend_path"]),
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
    document = load_toml(data)
    build_system = document.get("build-system")
    build_requires = None
    if isinstance(build_system, dict) and isinstance(build_system.get("requires"), list):
        lines = [item for item in build_system["requires"] if isinstance(item, str)]
        lines += _hatch_hook_dependencies(document)
        build_requires = parse_requirement_lines(lines, source=source)
    try:
        groups = dependency_groups(document.get("dependency-groups", {}), source=source)
    except MetadataParseError as error:
        logger.debug("%s: ignoring [dependency-groups]: %s", source, error)
        groups = ()
    backend = build_system.get("build-backend") if isinstance(build_system, dict) else None
    path = build_system.get("backend-path") if isinstance(build_system, dict) else None
    return PyprojectFacts(
        build_requires=build_requires,
        build_backend=backend if isinstance(backend, str) else None,
        backend_path=tuple(str(item) for item in path) if isinstance(path, list) else None,
        dependencies=_project_dependencies(document, source),
        dependency_groups=groups,
    )


def _hatch_hook_dependencies(document: dict[str, Any]) -> list[str]:
    """What hatchling's build hooks that run by default declare they need to build a
    wheel (the backend asks for them through get_requires_for_build_wheel)."""
    hatch = _table(_table(document, "tool"), "hatch")
    build = _table(hatch, "build")
    hooks = [_table(build, "hooks"), _table(_table(_table(build, "targets"), "wheel"), "hooks")]
    return [
        item
        for table in hooks
        for hook in table.values()
        if isinstance(hook, dict)
        and hook.get("enable-by-default", True) is not False
        and isinstance(hook.get("dependencies"), list)
        for item in hook["dependencies"]
        if isinstance(item, str)
    ]


def _table(document: object, key: str) -> dict[str, Any]:
    value = document.get(key) if isinstance(document, dict) else None
    return value if isinstance(value, dict) else {}


# All dependency groups of one pyproject.toml together, includes expanded; and the
# number of groups (which bounds how deep includes can go).
MAX_GROUP_REQUIREMENTS = 10_000
MAX_DEPENDENCY_GROUPS = 200


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
    if len(raw) > MAX_DEPENDENCY_GROUPS:
        raise MetadataParseError(f"more than {MAX_DEPENDENCY_GROUPS} dependency groups")
    expanded: dict[str, list[str]] = {}
    total = 0

    def expand(group: str, trail: tuple[str, ...]) -> list[str]:
        """The group's lines, without repeats; each group is expanded once, so an
        include diamond costs no more than a chain."""
        if group not in raw:
            raise MetadataParseError(f"dependency group {group!r} is not defined")
        if group in trail:
            raise MetadataParseError(f"dependency group {group!r} includes itself")
        if group in expanded:
            return expanded[group]
        lines: dict[str, None] = {}
        for entry in raw[group]:
            if isinstance(entry, str):
                lines[entry] = None
            elif isinstance(entry, dict) and set(entry) == {"include-group"}:
                included = canonicalize_name(str(entry["include-group"]))
                lines.update(dict.fromkeys(expand(included, (*trail, group))))
            else:
                raise MetadataParseError(f"dependency group {group!r} has an invalid entry")
        nonlocal total
        total += len(lines)
        if total > MAX_GROUP_REQUIREMENTS:
            raise MetadataParseError(
                f"the dependency groups hold more than {MAX_GROUP_REQUIREMENTS} requirements"
            )
        expanded[group] = list(lines)
        return expanded[group]

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
    lines = _string_items(project.get("dependencies"))
    optional = project.get("optional-dependencies", {})
    if "optional-dependencies" in dynamic or not isinstance(optional, dict):
        optional = {}
    for extra, items in sorted(optional.items()):
        if isinstance(items, list):
            lines.extend(with_extra(item, extra) for item in items if isinstance(item, str))
    return parse_requirement_lines(lines, source=source)


def _check_project_table(project: dict[str, Any]) -> None:
    """Every name and requirement string of a project the user named (not a release
    to skip, as an index's are).

    :raises MetadataParseError: naming the key of the first one that is not valid.
    """
    _checked_name(project["name"], "[project] name")
    _check_requirement_strings(project.get("dependencies", []), "[project] dependencies")
    optional = project.get("optional-dependencies", {})
    for extra, items in sorted(optional.items()) if isinstance(optional, dict) else ():
        key = f"[project.optional-dependencies] {extra}"
        _checked_name(extra, key, "extra")
        _check_requirement_strings(items, key)


def _check_requirement_strings(value: object, key: str) -> None:
    if not isinstance(value, list):
        raise MetadataParseError(f"{key} must be a list of requirement strings")
    for position, line in enumerate(value):
        if not isinstance(line, str):
            raise MetadataParseError(f"{key}[{position}] is not a string: {line!r}")
        try:
            parsed_requirement(line)
        except InvalidRequirement as error:
            reason = str(error).splitlines()[0]
            raise MetadataParseError(
                f"{key}[{position}]: invalid requirement {line!r} ({reason})"
            ) from None


def _checked_name(value: str, key: str, what: str = "project name") -> None:
    try:
        canonicalize_name(value, validate=True)
    except InvalidName:
        raise MetadataParseError(
            f"{key}: {value!r} is not a valid {what} (letters, digits, '.', '-' and '_', "
            "beginning and ending with a letter or digit)"
        ) from None


def project_table_metadata(data: bytes, *, source: str) -> CoreMetadata | None:
    """Core metadata from the PEP 621 ``[project]`` table of a ``pyproject.toml``, or
    ``None`` without one. A dynamic version is ``""``; dynamic dependencies are marked
    so (``has_static_dependencies`` is then false).

    :raises MetadataParseError: when the file is not valid TOML or the table is
        malformed (an invalid name, extra or requirement is named by its key).
    """
    document = load_toml(data)
    project = document.get("project")
    if not isinstance(project, dict):
        return None
    name = project.get("name")
    dynamic = project.get("dynamic", [])
    if not isinstance(name, str) or not name or not isinstance(dynamic, list):
        raise MetadataParseError("[project] needs a name, and dynamic must be a list")
    _check_project_table(project)
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
        license=_string_field(license_field.get("text"))
        if isinstance(license_field, dict)
        else None,
        license_expression=license_field if isinstance(license_field, str) else None,
        classifiers=tuple(_string_items(project.get("classifiers"))),
        requires_dist=dependencies or (),
        requires_python=_string_field(project.get("requires-python")),
        provides_extra=tuple(sorted(map(str, extras))) if isinstance(extras, dict) else (),
        dynamic=("Requires-Dist",) if dependencies is None else (),
    )


def poetry_metadata(data: bytes) -> CoreMetadata | None:
    """The name, version and extras a Poetry 1.x ``[tool.poetry]`` table declares, when
    the file has no ``[project]`` table; its dependencies (Poetry's own constraint
    language) are left to its build backend, poetry-core, to read.

    :raises MetadataParseError: when the file is not valid TOML.
    """
    document = load_toml(data)
    if "project" in document:
        return None
    poetry = _table(_table(document, "tool"), "poetry")
    name = poetry.get("name")
    if not isinstance(name, str) or not name:
        return None
    _checked_name(name, "[tool.poetry] name")
    version = poetry.get("version")
    extras = poetry.get("extras", {})
    return CoreMetadata(
        name=name,
        version=version if isinstance(version, str) else "",
        provides_extra=tuple(str(extra) for extra in extras) if isinstance(extras, dict) else (),
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
