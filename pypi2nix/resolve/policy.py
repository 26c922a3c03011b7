"""The resolution policy: one value for everything the user decides about which
versions and files may be pinned."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.resolve.base import Requirement

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pypi2nix.models import InputRequirement, Pin, RequirementSet
    from pypi2nix.target import Target

logger = logging.getLogger(__name__)

ALL = ":all:"
# source: the sdist, and releases without one are not candidates (--no-binary);
# binary: a wheel for the target, likewise (--only-binary); auto: the binary wheel of a
# release with compiled code, else the sdist; wheel-first: a wheel for the target when
# there is one (--prefer-wheels); sdist-first: the sdist when there is one (nixpkgs'
# own way, for `package`). A release with one kind of file only gets that one.
SourceMode = Literal["auto", "source", "binary", "wheel-first", "sdist-first"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcePolicy:
    """Which file each pin is built from, with pip's and uv's spellings.

    :param no_binary: normalized names (or ``:all:``) built from their sdist.
    :param only_binary: normalized names (or ``:all:``) installed from a wheel.
    :param default: the mode of every other pin.
    """

    no_binary: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()
    default: SourceMode = "auto"

    def mode(self, name: NormalizedName) -> SourceMode:
        """A name given on its own beats ``:all:``."""
        if name in self.no_binary:
            return "source"
        if name in self.only_binary:
            return "binary"
        if ALL in self.no_binary:
            return "source"
        if ALL in self.only_binary:
            return "binary"
        return self.default

    def merged(self, no_binary: Iterable[str], only_binary: Iterable[str]) -> SourcePolicy:
        """This policy with more names (from a requirements file)."""
        return SourcePolicy(
            no_binary=self.no_binary | frozenset(no_binary),
            only_binary=self.only_binary | frozenset(only_binary),
            default=self.default,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolutionPolicy:
    """Which versions may be pinned, which is tried first, and which file a pin uses.

    :param pre: allow pre-releases everywhere (else only where a specifier names one).
    :param sources: which file each pin is built from.
    :param preferences: per project, a version to try first (the existing pin).
    :param hashes: per project, the sha256 digests the user allowed with ``--hash``.
    :param constraints: per project, constraints that narrow without adding a root.
    :param builds: whether an sdist's build backend may run for metadata no static
        file gives (``--no-build``: no).
    """

    pre: bool = False
    sources: SourcePolicy = SourcePolicy()
    preferences: Mapping[NormalizedName, Version] = field(default_factory=dict)
    hashes: Mapping[NormalizedName, frozenset[str]] = field(default_factory=dict)
    constraints: Mapping[NormalizedName, tuple[Requirement, ...]] = field(default_factory=dict)
    builds: bool = True

    @classmethod
    def for_inputs(
        cls,
        inputs: RequirementSet,
        target: Target,
        *,
        pre: bool = False,
        sources: SourcePolicy | None = None,
        preferences: Mapping[NormalizedName, Version] | None = None,
        builds: bool = True,
    ) -> ResolutionPolicy:
        """The policy of a lock: the options, plus what the inputs themselves say
        (``--pre``, ``--no-binary`` and ``--only-binary`` lines, ``--hash`` options,
        constraint files)."""
        return cls(
            pre=pre or inputs.pre,
            sources=(sources or SourcePolicy()).merged(inputs.no_binary, inputs.only_binary),
            preferences=dict(preferences or {}),
            hashes=_user_hashes([*inputs.requirements, *inputs.constraints]),
            constraints=_constraints(applicable(inputs.constraints, target)),
            builds=builds,
        )

    def preferring(self, pins: Iterable[Pin]) -> ResolutionPolicy:
        """This policy, preferring exactly the versions of ``pins`` (as the next run
        does, which reads them back from the frozen file)."""
        preferences = {}
        for pin in pins:
            with contextlib.suppress(InvalidVersion):
                preferences[pin.name] = Version(pin.version)
        return replace(self, preferences=preferences)


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
