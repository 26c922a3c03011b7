"""What building an sdist needs, as declared in its files, for one target."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.dists.sdist import build_requirements
from pypi2nix.errors import MetadataError
from pypi2nix.models import BuildRequirement
from pypi2nix.project_files import MOVED_BACKENDS, MetadataParseError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypi2nix.dists.sdist import SdistContents
    from pypi2nix.models import DistFile
    from pypi2nix.target import Target

# What a build frontend installs for an sdist that declares no build system (PEP 517).
DEFAULT_BUILD_REQUIREMENT = "setuptools>=40.8.0"


def sdist_build_requirements(
    contents: SdistContents, source: DistFile, name: NormalizedName, target: Target
) -> tuple[BuildRequirement, ...]:
    """The sdist's ``[build-system] requires`` for the target (setuptools when none),
    one per project, sorted."""
    try:
        requirements = build_requirements(contents)
    except MetadataParseError as error:
        raise MetadataError(name, str(source.version), f"{source.filename}: {error}") from error
    if requirements is None:
        requirements = (Requirement(DEFAULT_BUILD_REQUIREMENT),)
    backend = contents.pyproject.build_backend if contents.pyproject is not None else None
    if backend in MOVED_BACKENDS:  # built with the package that has the backend now
        requirements = (Requirement(MOVED_BACKENDS[backend][1]),)
    merged: dict[NormalizedName, tuple[list[str], set[str]]] = {}
    for requirement in requirements:
        if target.evaluates(requirement.marker):
            specifiers, extras = merged.setdefault(canonicalize_name(requirement.name), ([], set()))
            specifiers.extend(str(spec) for spec in requirement.specifier)
            extras.update(requirement.extras)
    return tuple(
        BuildRequirement(
            name=tool, specifier=",".join(sorted(set(specifiers))), extras=tuple(sorted(extras))
        )
        for tool, (specifiers, extras) in sorted(merged.items())
    )


def group_names(
    groups: Sequence[tuple[str, Sequence[Requirement]]], target: Target
) -> tuple[tuple[str, tuple[NormalizedName, ...]], ...]:
    """Each PEP 735 group's requirement names that apply to the target."""
    return tuple(
        (group, build_system_names(requirements, target)) for group, requirements in groups
    )


def build_system_names(
    requirements: Sequence[Requirement], target: Target
) -> tuple[NormalizedName, ...]:
    """Normalized names of the requirements that apply to the target."""
    names = {
        canonicalize_name(requirement.name)
        for requirement in requirements
        if target.evaluates(requirement.marker)
    }
    return tuple(sorted(names))
