"""A project's own ``pyproject.toml`` as input: the project itself (built from its
folder, with the extras asked for) and the PEP 735 dependency groups asked for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pypi2nix.errors import InputError, InputFileError, Origin, UsageError
from pypi2nix.inputs.direct import looks_direct, parse_direct
from pypi2nix.local_files import LocalFileError, read_local_file
from pypi2nix.models import DirectSource, InputRequirement
from pypi2nix.project_files import (
    MetadataParseError,
    dependency_groups,
    load_toml,
    poetry_metadata,
    project_table_metadata,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

MAX_PYPROJECT_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class PyprojectInput:
    """``--pyproject PATH`` with ``--extra``, ``--all-extras`` and ``--group``."""

    path: Path
    extras: tuple[str, ...] = ()
    all_extras: bool = False
    groups: tuple[str, ...] = ()


def read_pyproject(
    request: PyprojectInput, project_name: Callable[[Path], str]
) -> list[InputRequirement]:
    """The project itself, as a requirement on its own folder with the extras asked
    for, then the requirements of each dependency group asked for.

    :raises UsageError: when the file cannot be read or has no such extra or group.
    :raises InputError: for a bad requirement in a group.
    """
    path = request.path
    try:
        data = read_local_file(path, MAX_PYPROJECT_BYTES)
    except LocalFileError as error:
        raise InputFileError(f"cannot read {path}: {error.reason}") from error
    try:
        document = load_toml(data)
        project = project_table_metadata(data, source=str(path)) or poetry_metadata(data)
    except MetadataParseError as error:
        raise InputFileError(f"cannot read {path}: {error}") from error
    if project is None:
        raise InputFileError(
            f"{path} has no [project] table (nor a [tool.poetry] one): pypi2nix needs its name"
        )
    extras = _chosen_extras(request, project.provides_extra)
    root = Requirement(f"{project.name}[{','.join(extras)}]" if extras else project.name)
    folder = path.parent.resolve()
    entries = [
        InputRequirement(
            requirement=root,
            origin=Origin(path=str(path), line_number=None, line=_table_name(document)),
            direct=DirectSource(kind="path", url=str(folder)),
        )
    ]
    groups = _groups(path, document)
    for group in request.groups:
        normalized = canonicalize_name(group)
        if normalized not in groups:
            known = ", ".join(groups) or "none"
            raise UsageError(f"{path} has no dependency group {group!r} (it has: {known})")
        origin = Origin(path=str(path), line_number=None, line=f"[dependency-groups] {group}")
        entries.extend(
            _group_entry(origin, str(line), folder, project_name) for line in groups[normalized]
        )
    return entries


def _table_name(document: dict[str, object]) -> str:
    return "[project]" if "project" in document else "[tool.poetry]"


def _chosen_extras(request: PyprojectInput, declared: tuple[str, ...]) -> list[str]:
    available = {canonicalize_name(extra): extra for extra in declared}
    if request.all_extras:
        return sorted(available)
    for extra in request.extras:
        if canonicalize_name(extra) not in available:
            known = ", ".join(sorted(available)) or "none"
            raise UsageError(f"{request.path} has no extra {extra!r} (it has: {known})")
    return sorted({canonicalize_name(extra) for extra in request.extras})


def _groups(path: Path, document: dict[str, object]) -> dict[str, tuple[Requirement, ...]]:
    if "dependency-groups" not in document:
        return {}
    try:
        return dict(dependency_groups(document["dependency-groups"], source=str(path)))
    except MetadataParseError as error:
        raise InputFileError(f"{path}: {error}") from error


def _group_entry(
    origin: Origin, text: str, folder: Path, project_name: Callable[[Path], str]
) -> InputRequirement:
    if looks_direct(text):
        requirement, direct = parse_direct(origin, text, base=folder, project_name=project_name)
        return InputRequirement(requirement=requirement, origin=origin, direct=direct)
    try:
        return InputRequirement(requirement=Requirement(text), origin=origin)
    except InvalidRequirement as error:
        raise InputError(origin, f"invalid requirement ({error})") from error


def project_requires_python(path: Path) -> str | None:
    """The ``[project] requires-python`` of a pyproject.toml (``None``: none, or the
    file does not give one that can be read; reading it for the inputs reports that)."""
    try:
        data = read_local_file(path, MAX_PYPROJECT_BYTES)
        project = project_table_metadata(data, source=str(path))
    except (LocalFileError, MetadataParseError):
        return None
    return None if project is None else project.requires_python
