"""The resolution policy: one value for everything the user decides about which
versions and files may be pinned."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.resolve.base import Requirement

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from packaging.version import Version

    from pypi2nix.models import InputRequirement, RequirementSet
    from pypi2nix.target import Target

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolutionPolicy:
    """Which versions may be pinned, which is tried first, and which file a pin uses.

    :param pre: allow pre-releases everywhere (else only where a specifier names one).
    :param prefer_wheels: build a pin from its best wheel for the target, not its sdist.
    :param preferences: per project, a version to try first (the existing pin).
    :param hashes: per project, the sha256 digests the user allowed with ``--hash``.
    :param constraints: per project, constraints that narrow without adding a root.
    """

    pre: bool = False
    prefer_wheels: bool = False
    preferences: Mapping[NormalizedName, Version] = field(default_factory=dict)
    hashes: Mapping[NormalizedName, frozenset[str]] = field(default_factory=dict)
    constraints: Mapping[NormalizedName, tuple[Requirement, ...]] = field(default_factory=dict)

    @classmethod
    def for_inputs(
        cls,
        inputs: RequirementSet,
        target: Target,
        *,
        pre: bool = False,
        prefer_wheels: bool = False,
        preferences: Mapping[NormalizedName, Version] | None = None,
    ) -> ResolutionPolicy:
        """The policy of a lock: the options, plus what the inputs themselves say
        (``--pre`` lines, ``--hash`` options, constraint files)."""
        return cls(
            pre=pre or inputs.pre,
            prefer_wheels=prefer_wheels,
            preferences=dict(preferences or {}),
            hashes=_user_hashes([*inputs.requirements, *inputs.constraints]),
            constraints=_constraints(applicable(inputs.constraints, target)),
        )


def applicable(entries: Iterable[InputRequirement], target: Target) -> list[InputRequirement]:
    """The entries whose marker holds for the target (the others are logged)."""
    kept = []
    for entry in entries:
        marker = entry.requirement.marker
        if target.evaluates(marker):
            kept.append(entry)
        else:
            logger.info("%s: skipping %s, its marker is false for the target", entry.origin, marker)
    return kept


def _constraints(
    entries: Iterable[InputRequirement],
) -> dict[NormalizedName, tuple[Requirement, ...]]:
    constraints: dict[NormalizedName, tuple[Requirement, ...]] = {}
    for entry in entries:
        requirement = Requirement.from_packaging(entry.requirement, requested_by=str(entry.origin))
        constraints[requirement.name] = (*constraints.get(requirement.name, ()), requirement)
    return constraints


def _user_hashes(entries: Iterable[InputRequirement]) -> dict[NormalizedName, frozenset[str]]:
    hashes: dict[NormalizedName, frozenset[str]] = {}
    for entry in entries:
        if entry.hashes:
            name = canonicalize_name(entry.requirement.name)
            hashes[name] = hashes[name] & entry.hashes if name in hashes else entry.hashes
    return hashes
