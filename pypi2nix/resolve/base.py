"""The requirement and candidate objects the resolver works with.

Identity is a string: the normalized project name, with extras in brackets
(``celery[redis]``). A candidate with extras depends on the plain candidate of the
same version, so extras never change which version is pinned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

if TYPE_CHECKING:
    from packaging.requirements import Requirement as PackagingRequirement
    from packaging.version import Version

    from pypi2nix.models import DistFile
    from pypi2nix.sources import DirectRelease


def make_identifier(name: NormalizedName, extras: frozenset[NormalizedName]) -> str:
    return f"{name}[{','.join(sorted(extras))}]" if extras else name


def split_identifier(identifier: str) -> tuple[NormalizedName, frozenset[NormalizedName]]:
    name, _, rest = identifier.partition("[")
    extras = frozenset(NormalizedName(extra) for extra in rest.rstrip("]").split(",") if extra)
    return NormalizedName(name), extras


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    """One demand on a project: who asked, for what, with which extras and hashes."""

    name: NormalizedName
    extras: frozenset[NormalizedName] = frozenset()
    specifier: SpecifierSet = field(default_factory=SpecifierSet)
    requested_by: str
    # The name as the dependent's metadata spells it (for pythonRemoveDeps).
    spelled: str
    # The answers of is_satisfied_by_version: the resolver asks again and again.
    _admits: dict[Version, bool] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def from_packaging(
        cls,
        requirement: PackagingRequirement,
        *,
        requested_by: str,
    ) -> Requirement:
        return cls(
            name=canonicalize_name(requirement.name),
            extras=frozenset(canonicalize_name(extra) for extra in requirement.extras),
            specifier=requirement.specifier,
            requested_by=requested_by,
            spelled=requirement.name,
        )

    @property
    def identifier(self) -> str:
        return make_identifier(self.name, self.extras)

    @property
    def pinned_versions(self) -> frozenset[str]:
        """Versions named with ``==`` (no wildcard) or ``===``."""
        return frozenset(
            spec.version
            for spec in self.specifier
            if spec.operator == "===" or (spec.operator == "==" and not spec.version.endswith("*"))
        )

    def is_satisfied_by(self, candidate: Candidate) -> bool:
        return self.is_satisfied_by_version(candidate.version)

    def is_satisfied_by_version(self, version: Version) -> bool:
        """Whether the specifier admits the version (pre-releases are the policy's
        business, not the specifier's)."""
        admits = self._admits.get(version)
        if admits is None:
            admits = self._admits[version] = self.specifier.contains(version, prereleases=True)
        return admits

    def describe(self) -> str:
        constraint = str(self.specifier) or "any version"
        return f"{constraint} (from {self.requested_by})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """One release of a project (with extras), and its files usable for the target."""

    name: NormalizedName
    version: Version
    extras: frozenset[NormalizedName] = frozenset()
    files: tuple[DistFile, ...]
    # The release's wheels for other targets: they may answer for its metadata.
    other_wheels: tuple[DistFile, ...] = field(default=(), compare=False)
    # Set for a direct source (a URL, git or a path): then it is the only candidate.
    direct: DirectRelease | None = field(default=None, compare=False)

    @property
    def identifier(self) -> str:
        return make_identifier(self.name, self.extras)

    def __str__(self) -> str:
        return f"{self.identifier} {self.version}"
