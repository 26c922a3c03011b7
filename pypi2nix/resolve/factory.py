"""Build candidates and their dependencies from the index, for one target.

The factory is the resolver's only way to the index. It filters releases with a
reason for each one it drops (requires-python, yanked, pre-release, no file for
the target, hashes), so that an impossible requirement can be explained.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.errors import ProjectNotFound
from pypi2nix.resolve.base import Candidate, Requirement, split_identifier

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from packaging.requirements import Requirement as PackagingRequirement
    from packaging.version import Version

    from pypi2nix.index.metadata import CoreMetadata
    from pypi2nix.index.repository import PackageIndex
    from pypi2nix.models import DistFile
    from pypi2nix.options import Target

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Release:
    """The files of one version: usable for the target (best first), others, or why none."""

    files: tuple[DistFile, ...]
    other_wheels: tuple[DistFile, ...]
    reason: str | None


@dataclass
class Factory:
    """Candidates and dependencies for one target.

    :param constraints: per project, constraints that narrow without adding a root.
    :param hashes: per project, the sha256 digests the user allowed with ``--hash``.
    :param preferences: per project, a version to try first (the existing pin).
    """

    index: PackageIndex
    target: Target
    constraints: Mapping[NormalizedName, Sequence[Requirement]] = field(default_factory=dict)
    hashes: Mapping[NormalizedName, frozenset[str]] = field(default_factory=dict)
    pre: bool = False
    preferences: Mapping[NormalizedName, Version] = field(default_factory=dict)
    _releases: dict[NormalizedName, dict[Version, Release]] = field(default_factory=dict)
    _dependencies: dict[Candidate, tuple[Requirement, ...]] = field(default_factory=dict)

    def releases(self, name: NormalizedName, requested_by: str = "") -> dict[Version, Release]:
        """Every version of a project with its usable files (best first) or why none."""
        cached = self._releases.get(name)
        if cached is not None:
            return cached
        try:
            page = self.index.project_page(name)
        except ProjectNotFound as error:
            raise ProjectNotFound(error.name, error.index_urls, requested_by) from None
        by_version: dict[Version, list[DistFile]] = {}
        for file in page.files:
            by_version.setdefault(file.version, []).append(file)
        releases = {version: self._usable_files(files) for version, files in by_version.items()}
        self._releases[name] = releases
        return releases

    def _usable_files(self, files: Sequence[DistFile]) -> Release:
        ranks = self.target.wheel_tags()
        usable: list[tuple[int, DistFile]] = []
        other_wheels: list[DistFile] = []
        reasons: list[str] = []
        for file in files:
            if not _python_allows(file.requires_python, self.target):
                reasons.append(f"requires Python {file.requires_python}")
            elif file.kind == "sdist":
                usable.append((len(ranks), file))
            else:
                rank = min(ranks.get(tag, len(ranks)) for tag in file.wheel_tags)
                if rank < len(ranks):
                    usable.append((rank, file))
                else:
                    other_wheels.append(file)
                    reasons.append(
                        f"has no file for Python {self.target.python} on {self.target.system}"
                    )
        usable.sort(key=lambda item: (item[0], item[1].filename))
        reason = None if usable else (sorted(set(reasons)) or ["has no files"])[0]
        return Release(
            files=tuple(file for _, file in usable),
            other_wheels=tuple(sorted(other_wheels, key=lambda file: file.filename)),
            reason=reason,
        )

    def find_candidates(
        self, identifier: str, requirements: Sequence[Requirement], incompatible: Iterable[Version]
    ) -> list[Candidate]:
        """Candidates for an identifier, best first, that satisfy every requirement."""
        name, extras = split_identifier(identifier)
        requested_by = requirements[0].requested_by if requirements else ""
        releases = self.releases(name, requested_by)
        demands = [*requirements, *self.constraints.get(name, ())]
        excluded = set(incompatible)
        pinned = {version for demand in demands for version in demand.pinned_versions}
        hashes = self.hashes.get(name)
        allow_pre = self.pre or any(demand.specifier.prereleases for demand in demands)
        candidates = []
        for version in sorted(releases, reverse=True):
            release = releases[version]
            if version in excluded or release.reason is not None:
                continue
            if not all(d.specifier.contains(version, prereleases=True) for d in demands):
                continue
            if version.is_prerelease and not allow_pre:
                continue
            files = _unyanked(release.files, allow_yanked=str(version) in pinned)
            if hashes is not None:
                files = tuple(file for file in files if file.sha256 in hashes)
            if files:
                candidates.append(Candidate(name=name, version=version, extras=extras, files=files))
        preferred = self.preferences.get(name)
        candidates.sort(key=lambda candidate: candidate.version != preferred)
        return candidates

    def metadata(self, candidate: Candidate) -> CoreMetadata:
        """The candidate's core metadata; any wheel of the release may answer for it,
        those for the target first, then the rest, and only then the sdist."""
        release = self.releases(candidate.name)[candidate.version]
        wheels = [file for file in candidate.files if file.kind == "wheel"]
        sdists = [file for file in candidate.files if file.kind == "sdist"]
        files = [*wheels, *release.other_wheels, *sdists]
        return self.index.core_metadata(candidate.name, str(candidate.version), files)

    def dependencies(self, candidate: Candidate) -> tuple[Requirement, ...]:
        """The candidate's requirements for the target; an extras candidate also
        depends on the plain candidate of the same version."""
        cached = self._dependencies.get(candidate)
        if cached is not None:
            return cached
        metadata = self.metadata(candidate)
        requested_by = f"{candidate.name} {candidate.version}"
        dependencies: list[Requirement] = []
        if candidate.extras:
            self._warn_unknown_extras(candidate, metadata)
            dependencies.append(
                Requirement(
                    name=candidate.name,
                    specifier=SpecifierSet(f"=={candidate.version}"),
                    requested_by=f"{candidate.identifier} {candidate.version}",
                    text=f"{candidate.name}=={candidate.version}",
                    spelled=metadata.name,
                )
            )
        for requirement in metadata.requires_dist:
            if requirement.url:
                logger.warning("%s: ignoring direct reference %s", requested_by, requirement)
                continue
            if self._applies(requirement, candidate.extras):
                dependency = Requirement.from_packaging(requirement, requested_by=requested_by)
                if dependency.name != candidate.name or dependency.extras - candidate.extras:
                    dependencies.append(dependency)
        result = tuple(dependencies)
        self._dependencies[candidate] = result
        return result

    def _applies(self, requirement: PackagingRequirement, extras: frozenset[str]) -> bool:
        if requirement.marker is None:
            return not extras
        environment = self.target.marker_environment()
        if not extras:
            return requirement.marker.evaluate({**environment, "extra": ""})
        if requirement.marker.evaluate({**environment, "extra": ""}):
            return False
        return any(requirement.marker.evaluate({**environment, "extra": e}) for e in extras)

    def _warn_unknown_extras(self, candidate: Candidate, metadata: CoreMetadata) -> None:
        provided = {canonicalize_name(extra) for extra in metadata.provides_extra}
        for extra in sorted(candidate.extras - provided):
            if provided or not metadata.requires_dist:
                logger.warning("%s %s has no extra %r", candidate.name, candidate.version, extra)


def _unyanked(files: tuple[DistFile, ...], *, allow_yanked: bool) -> tuple[DistFile, ...]:
    kept = tuple(file for file in files if not file.yanked)
    return kept if kept or not allow_yanked else files


def _python_allows(requires_python: str | None, target: Target) -> bool:
    return requires_python is None or _specifier_allows(
        requires_python, str(target.python_full_version)
    )


@functools.lru_cache(maxsize=4096)
def _specifier_allows(specifier: str, version: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        logger.debug("ignoring invalid requires-python %r", specifier)
        return True
