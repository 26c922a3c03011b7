"""The roots of a lock that does not hold them: read from the project file beside it
(``pyproject.toml``, ``Pipfile``), with the extras and groups asked for."""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pypi2nix.errors import UsageError
from pypi2nix.inputs.locks.common import BadLock, read_bytes
from pypi2nix.inputs.locks.model import LockedDependency

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from pathlib import Path


def project_file(path: Path) -> dict[str, Any] | None:
    """A TOML project file (``None`` when there is none)."""
    if not path.is_file():
        return None
    try:
        return tomllib.loads(read_bytes(path).decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise BadLock(f"{path} is not valid TOML ({error})") from error


def project_table(path: Path) -> dict[str, Any] | None:
    """The ``[project]`` table of a pyproject.toml (``None``: no file or no table)."""
    document = project_file(path)
    project = None if document is None else document.get("project")
    return project if isinstance(project, dict) else None


def chosen(
    path: Path, kind: str, available: Sequence[str], asked: Iterable[str], every: bool
) -> list[str]:
    """The extras or groups asked for (normalized), each one the project has.

    :raises UsageError: for one it does not have.
    """
    names = {canonicalize_name(name): name for name in available}
    if every:
        return sorted(names)
    picked = []
    for name in asked:
        normalized = canonicalize_name(name)
        if normalized not in names:
            known = ", ".join(sorted(names)) or "none"
            raise UsageError(f"{path} has no {kind} {name!r} (it has: {known})")
        picked.append(normalized)
    return sorted(set(picked))


def requirement_roots(path: Path, key: str, texts: Iterable[object]) -> list[LockedDependency]:
    """PEP 508 requirements as roots (a direct reference keeps only its name)."""
    roots = []
    for text in texts:
        if not isinstance(text, str):
            continue  # an include-group table: its group is chosen by name
        try:
            requirement = Requirement(text)
        except InvalidRequirement as error:
            raise BadLock(f"{path}: {key}: invalid requirement {text!r} ({error})") from error
        roots.append(
            LockedDependency(
                name=canonicalize_name(requirement.name),
                extras=tuple(sorted(requirement.extras)),
                marker=str(requirement.marker) if requirement.marker else None,
            )
        )
    return roots
