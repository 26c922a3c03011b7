"""Build candidates and their dependencies from a release source, for one target.

The factory is the resolver's only way to the index. It decides, for each version,
whether it is a candidate, and otherwise records why not as a typed reason
(:mod:`pypi2nix.resolve.reasons`) that error messages read back. Candidates are made
lazily, newest first: a project with thousands of releases costs only the versions
the resolver looks at.

With a :class:`Prefetcher`, each requirement the resolver will meet is looked up in
the background as soon as it is known: the project page, the likely candidate's
metadata (and so its own dependencies, recursively), and whatever ``look_ahead``
does with the candidate. The resolver then finds the answers ready; it computes the
same answers either way.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet

from pypi2nix.dists.sdist import NeedsBuild
from pypi2nix.errors import PolicyLeavesNoFile, ProjectNotFound
from pypi2nix.resolve.base import Candidate, Requirement, split_identifier
from pypi2nix.resolve.extras import optional_dependencies, warn_unknown_extras
from pypi2nix.resolve.files import Release, usable_files
from pypi2nix.resolve.policy import ResolutionPolicy
from pypi2nix.resolve.reasons import (
    ExcludedByConstraint,
    NoAllowedHash,
    NoSdist,
    NoWheel,
    PreRelease,
    RequiresPython,
    Yanked,
)
from pypi2nix.threads import Memo, Prefetcher

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from packaging.requirements import Requirement as PackagingRequirement
    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.models import CoreMetadata
    from pypi2nix.resolve.reasons import Unavailable
    from pypi2nix.resolve.source import LookAhead, MetadataBuilder, ProjectReleases, ReleaseSource
    from pypi2nix.sources import DirectRelease
    from pypi2nix.target import Target

logger = logging.getLogger(__name__)


@dataclass
class Factory:
    """Candidates and dependencies for one target.

    :param direct: projects named by a direct source (a URL, git or a path): their
        only release.
    :param prefetcher: runs lookups ahead of the resolver (``Prefetcher(1)``: none).
    :param look_ahead: called in the background with each candidate likely to be
        pinned (to start reading what its pin will need).
    :param builder: runs the build backend of an sdist whose metadata no static file
        gives (``None``: such a release is an error).
    """

    source: ReleaseSource
    target: Target
    policy: ResolutionPolicy = field(default_factory=ResolutionPolicy)
    direct: Mapping[NormalizedName, DirectRelease] = field(default_factory=dict)
    prefetcher: Prefetcher = field(default_factory=lambda: Prefetcher(1))
    look_ahead: LookAhead | None = None
    builder: MetadataBuilder | None = None
    # The projects of the root requirements: only these are an error when missing.
    roots: frozenset[NormalizedName] = frozenset()
    # Projects a dependency names and no index has, with the error of each.
    missing: dict[NormalizedName, ProjectNotFound] = field(default_factory=dict)
    _releases: Memo[tuple[NormalizedName, Version], Release] = field(default_factory=Memo)
    _dependencies: Memo[Candidate, tuple[Requirement, ...]] = field(default_factory=Memo)
    _prefetched: set[tuple[str, str]] = field(default_factory=set)
    # Projects the source policy was checked to admit a release of (the error kept
    # for those it admits none of, whichever thread asked first).
    _admitted: Memo[NormalizedName, None] = field(default_factory=Memo)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # The policy's constraints whose marker holds for the target.
    constraints: Mapping[NormalizedName, tuple[Requirement, ...]] = field(init=False)

    def __post_init__(self) -> None:
        self.constraints = self.policy.constraints_for(self.target)

    # Releases

    def page(self, name: NormalizedName, requested_by: str = "") -> ProjectReleases:
        try:
            return self.source.project_page(name)
        except ProjectNotFound as error:
            raise ProjectNotFound(
                error.name, error.index_urls, requested_by, hint=error.hint
            ) from None

    def release(self, name: NormalizedName, version: Version) -> Release:
        """The files of one version usable for the target, best first."""
        direct = self.direct.get(name)
        if direct is not None:
            requires_python = direct.metadata.requires_python
            allowed = self.target.allows_python(requires_python)
            reason = None if allowed else RequiresPython(str(requires_python))
            return Release(files=(direct.file,), other_wheels=(), reason=reason)
        return self._releases.get(
            (name, version), lambda: usable_files(self.target, self.page(name).files(version))
        )

    def versions(self, name: NormalizedName) -> tuple[Version, ...]:
        """Every version of a project, newest first."""
        direct = self.direct.get(name)
        return (direct.file.version,) if direct is not None else self.page(name).newest_first

    # Candidates

    def iter_candidates(
        self, identifier: str, requirements: Sequence[Requirement], incompatible: Iterable[Version]
    ) -> Iterator[Candidate]:
        """Candidates for an identifier that satisfy every requirement, best first: the
        preferred version, then newest first. Pre-releases come only when the policy or
        a specifier allows them, or when no final release can be pinned (PEP 440, as
        packaging's ``SpecifierSet.filter``, pip and uv)."""
        name, extras = split_identifier(identifier)
        requested_by = requirements[0].requested_by if requirements else ""
        versions = self._versions_for(name, requested_by)
        excluded = set(incompatible)
        preferred = self.policy.preferences.get(name)
        if preferred in versions:
            versions = (preferred, *(version for version in versions if version != preferred))
        allow_pre = self._names_pre_releases(name, requirements)
        finals = False
        for version in _matching(versions, requirements):
            if version.is_prerelease and not allow_pre:
                continue
            candidate = self._candidate(
                name, version, requirements, extras, allow_pre, requested_by
            )
            finals = finals or candidate is not None
            if candidate is not None and version not in excluded:
                yield candidate
        if allow_pre or finals:
            return
        for version in _matching(versions, requirements):
            if version.is_prerelease and version not in excluded:
                candidate = self._candidate(name, version, requirements, extras, True, requested_by)
                if candidate is not None:
                    yield candidate

    def _candidate(
        self,
        name: NormalizedName,
        version: Version,
        requirements: Sequence[Requirement],
        extras: frozenset[NormalizedName],
        allow_pre: bool,
        requested_by: str,
    ) -> Candidate | None:
        candidate = self.evaluate(name, version, requirements, extras=extras, allow_pre=allow_pre)
        if isinstance(candidate, NoSdist | NoWheel):
            self._check_the_policy_admits_a_release(name, requested_by)
        return candidate if isinstance(candidate, Candidate) else None

    def _versions_for(self, name: NormalizedName, requested_by: str) -> tuple[Version, ...]:
        """Every version of a project, newest first. A dependency that no index has
        has none, so the resolver rules out the releases that need it and backtracks,
        as pip and uv do; only a root requirement naming it is an error.

        :raises ProjectNotFound: when a root requirement names a project no index has.
        """
        if name in self.direct:
            return self.versions(name)
        try:
            return self.page(name, requested_by).newest_first
        except ProjectNotFound as error:
            if name in self.roots:
                raise
            self.missing[name] = error
            return ()

    def _names_pre_releases(
        self, name: NormalizedName, requirements: Sequence[Requirement]
    ) -> bool:
        """Whether pre-releases are candidates from the start: ``--pre``, a specifier
        (or constraint) that names one, or a direct source."""
        demands = [*requirements, *self.constraints.get(name, ())]
        return (
            self.policy.pre
            or name in self.direct
            or any(demand.specifier.prereleases for demand in demands)
        )

    def allows_pre_releases(
        self, name: NormalizedName, requirements: Sequence[Requirement]
    ) -> bool:
        """Whether pre-releases of a project are candidates for these requirements:
        when named, or when no final release that they match can be pinned."""
        if self._names_pre_releases(name, requirements):
            return True
        return not any(
            isinstance(self.evaluate(name, version, requirements), Candidate)
            for version in _matching(self.versions(name), requirements)
            if not version.is_prerelease
        )

    def evaluate(
        self,
        name: NormalizedName,
        version: Version,
        requirements: Sequence[Requirement],
        *,
        extras: frozenset[NormalizedName] = frozenset(),
        allow_pre: bool | None = None,
    ) -> Candidate | Unavailable:
        """The candidate of one version for these requirements (whose specifiers it
        matches), or why the release, the constraints or the policy rule it out.

        :param allow_pre: whether a pre-release may be pinned (``None``: when the
            policy or a specifier names pre-releases).
        """
        constraints = self.constraints.get(name, ())
        demands = [*requirements, *constraints]
        release = self.release(name, version)
        if release.reason is not None:
            return release.reason
        if allow_pre is None:
            allow_pre = self._names_pre_releases(name, requirements)
        if version.is_prerelease and not allow_pre:
            return PreRelease()
        pinned = any(str(version) in demand.pinned_versions for demand in demands)
        files = release.files
        if name not in self.direct:
            files = tuple(file for file in files if pinned or not file.yanked)
            if not files:
                return Yanked()
        for constraint in constraints:
            if not constraint.is_satisfied_by_version(version):
                return ExcludedByConstraint(constraint.describe())
        if name not in self.direct:
            allowed = self.policy.hashes.get(name)
            if allowed is not None:
                files = tuple(file for file in files if file.sha256 in allowed)
                if not files:
                    return NoAllowedHash()
            refused = self.policy.sources.refuses(name, files, self.target)
            if refused is not None:
                return refused
        return Candidate(
            name=name,
            version=version,
            extras=extras,
            files=files,
            other_wheels=release.other_wheels,
            direct=self.direct.get(name),
        )

    def _check_the_policy_admits_a_release(self, name: NormalizedName, requested_by: str) -> None:
        """A project none of whose releases the source policy admits ends the run at
        once, naming the flag (rather than backtracking through every release).

        :raises PolicyLeavesNoFile: when no release has a file the policy admits.
        """
        self._admitted.get(name, lambda: self._policy_admits_a_release(name, requested_by))

    def _policy_admits_a_release(self, name: NormalizedName, requested_by: str) -> None:
        sources = self.policy.sources
        for version in self.versions(name):
            release = self.release(name, version)
            if release.files and sources.refuses(name, release.files, self.target) is None:
                return
        wheel = ""
        if sources.mode(name) == "binary":
            wheel = f"Python {self.target.python} on {self.target.system}"
        raise PolicyLeavesNoFile(name, sources.flag(name), wheel=wheel, required_by=requested_by)

    def has_candidate(self, requirement: Requirement) -> bool:
        return (
            next(self.iter_candidates(requirement.identifier, [requirement], ()), None) is not None
        )

    # Metadata and dependencies

    def metadata(self, candidate: Candidate) -> CoreMetadata:
        """The candidate's core metadata; any wheel of the release may answer for it,
        those for the target first, then the rest, and only then the sdist."""
        if candidate.direct is not None:
            return candidate.direct.metadata
        wheels = [file for file in candidate.files if file.kind == "wheel"]
        sdists = [file for file in candidate.files if file.kind == "sdist"]
        files = [*wheels, *candidate.other_wheels, *sdists]
        try:
            return self.source.core_metadata(candidate.name, str(candidate.version), files)
        except NeedsBuild as needed:
            if self.builder is None:
                raise
            return self.builder(needed.request)

    def dependencies(self, candidate: Candidate) -> tuple[Requirement, ...]:
        """The candidate's requirements for the target; an extras candidate also
        depends on the plain candidate of the same version."""
        dependencies = self._dependencies.get(candidate, lambda: self._dependencies_of(candidate))
        for dependency in dependencies:
            self.prefetch(dependency)
        return dependencies

    def _dependencies_of(self, candidate: Candidate) -> tuple[Requirement, ...]:
        metadata = self.metadata(candidate)
        requested_by = f"{candidate.name} {candidate.version}"
        dependencies: list[Requirement] = []
        if candidate.extras:
            warn_unknown_extras(candidate, metadata)
            dependencies.append(
                Requirement(
                    name=candidate.name,
                    specifier=SpecifierSet(f"=={candidate.version}"),
                    requested_by=f"{candidate.identifier} {candidate.version}",
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
        return tuple(dependencies)

    def _applies(self, requirement: PackagingRequirement, extras: frozenset[str]) -> bool:
        """Whether a ``Requires-Dist`` entry is a dependency of the plain release (no
        ``extras``), or one that those extras add."""
        if not extras:
            return self.target.evaluates(requirement.marker)
        return bool(self.target.extras_adding(requirement.marker, sorted(extras)))

    def optional_dependencies(
        self, name: NormalizedName, metadata: CoreMetadata
    ) -> tuple[tuple[str, tuple[NormalizedName, ...]], ...]:
        """Each extra the release declares, with the projects it adds for the target."""
        return optional_dependencies(self.target, name, metadata)

    # Looking ahead

    def prefetch(self, requirement: Requirement) -> None:
        """Look up, in the background, what the resolver will need for a requirement.

        Projects whose page is already cached are left to the resolver: their facts
        are most likely cached too, and threads would only compete for the CPU.
        """
        if self.prefetcher.workers <= 1 or self.source.page_is_cached(requirement.name):
            return
        key = (requirement.identifier, str(requirement.specifier))
        with self._lock:
            if key in self._prefetched:
                return
            self._prefetched.add(key)
        self.prefetcher.submit(lambda: self._look_ahead(requirement))

    def _look_ahead(self, requirement: Requirement) -> None:
        candidate = next(self.iter_candidates(requirement.identifier, [requirement], ()), None)
        if candidate is None:
            return
        if not candidate.extras and self.look_ahead is not None:
            self.look_ahead(candidate)
        self.dependencies(candidate)


def _matching(
    versions: Iterable[Version], requirements: Sequence[Requirement]
) -> Iterator[Version]:
    """The versions every requirement's specifier admits, lazily."""
    return (v for v in versions if all(r.is_satisfied_by_version(v) for r in requirements))
