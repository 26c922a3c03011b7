"""Build candidates and their dependencies from the index, for one target.

The factory is the resolver's only way to the index. It filters releases with a
reason for each one it drops (requires-python, yanked, pre-release, no file for the
target, hashes), so that an impossible requirement can be explained. Candidates are
made lazily, newest first: a project with thousands of releases costs only the
versions the resolver looks at.

With a :class:`Prefetcher`, each requirement the resolver will meet is looked up in
the background as soon as it is known: the project page, the likely candidate's
metadata (and so its own dependencies, recursively), and its build facts. The
resolver then finds the answers ready; it computes the same answers either way.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix.errors import ProjectNotFound
from pypi2nix.index.prefetch import Memo, Prefetcher
from pypi2nix.resolve.base import Candidate, Requirement, split_identifier

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

    from packaging.requirements import Requirement as PackagingRequirement
    from packaging.version import Version

    from pypi2nix.index.repository import PackageIndex
    from pypi2nix.index.simple import ProjectPage
    from pypi2nix.models import CoreMetadata, DistFile
    from pypi2nix.sources.direct import DirectRelease
    from pypi2nix.target import Target

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Release:
    """The files of one version: usable for the target (best first), others, or why none."""

    files: tuple[DistFile, ...]
    other_wheels: tuple[DistFile, ...]
    reason: str | None


def choose_source(files: Sequence[DistFile], *, prefer_wheels: bool = False) -> DistFile:
    """The file a pin is built from: the sdist when there is one, else the best wheel
    (with ``prefer_wheels``, the best wheel when there is one; ``files`` are best first,
    wheels for the target before the sdist)."""
    if prefer_wheels and files[0].kind == "wheel":
        return files[0]
    return next((file for file in files if file.kind == "sdist"), files[0])


@dataclass
class Factory:
    """Candidates and dependencies for one target.

    :param constraints: per project, constraints that narrow without adding a root.
    :param hashes: per project, the sha256 digests the user allowed with ``--hash``.
    :param preferences: per project, a version to try first (the existing pin).
    :param prefetcher: runs lookups ahead of the resolver (``Prefetcher(1)``: none).
    """

    index: PackageIndex
    target: Target
    constraints: Mapping[NormalizedName, Sequence[Requirement]] = field(default_factory=dict)
    hashes: Mapping[NormalizedName, frozenset[str]] = field(default_factory=dict)
    pre: bool = False
    preferences: Mapping[NormalizedName, Version] = field(default_factory=dict)
    prefetcher: Prefetcher = field(default_factory=lambda: Prefetcher(1))
    # Projects named by a direct source (a URL, git or a path): their only release.
    direct: Mapping[NormalizedName, DirectRelease] = field(default_factory=dict)
    prefer_wheels: bool = False
    _releases: Memo[tuple[NormalizedName, Version], Release] = field(default_factory=Memo)
    _dependencies: Memo[Candidate, tuple[Requirement, ...]] = field(default_factory=Memo)
    _prefetched: set[tuple[str, str]] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # Releases

    def page(self, name: NormalizedName, requested_by: str = "") -> ProjectPage:
        try:
            return self.index.project_page(name)
        except ProjectNotFound as error:
            raise ProjectNotFound(error.name, error.index_urls, requested_by) from None

    def release(self, name: NormalizedName, version: Version) -> Release:
        """The files of one version usable for the target, best first."""
        direct = self.direct.get(name)
        if direct is not None:
            reason = None
            if not self.target.allows_python(direct.metadata.requires_python):
                reason = f"requires Python {direct.metadata.requires_python}"
            return Release(files=(direct.file,), other_wheels=(), reason=reason)
        return self._releases.get(
            (name, version), lambda: self._usable_files(self.page(name).files(version))
        )

    def releases(self, name: NormalizedName) -> dict[Version, Release]:
        """Every version of a project (this reads them all: for error messages)."""
        direct = self.direct.get(name)
        if direct is not None:
            return {direct.file.version: self.release(name, direct.file.version)}
        return {version: self.release(name, version) for version in self.page(name).versions}

    def _usable_files(self, files: Sequence[DistFile]) -> Release:
        ranks = self.target.wheel_tags()
        usable: list[tuple[int, DistFile]] = []
        other_wheels: list[DistFile] = []
        reasons: list[str] = []
        for file in files:
            if not self.target.allows_python(file.requires_python):
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

    # Candidates

    def iter_candidates(
        self, identifier: str, requirements: Sequence[Requirement], incompatible: Iterable[Version]
    ) -> Iterator[Candidate]:
        """Candidates for an identifier that satisfy every requirement, best first: the
        preferred version, then newest first."""
        name, extras = split_identifier(identifier)
        if name in self.direct:
            yield from self._direct_candidates(name, extras, requirements, incompatible)
            return
        requested_by = requirements[0].requested_by if requirements else ""
        page = self.page(name, requested_by)
        demands = [*requirements, *self.constraints.get(name, ())]
        excluded = set(incompatible)
        pinned = {version for demand in demands for version in demand.pinned_versions}
        hashes = self.hashes.get(name)
        allow_pre = self.pre or any(demand.specifier.prereleases for demand in demands)
        preferred = self.preferences.get(name)
        order = page.newest_first
        if preferred in page.versions:
            order = (preferred, *(version for version in order if version != preferred))
        for version in order:
            if version in excluded or (version.is_prerelease and not allow_pre):
                continue
            if not all(d.specifier.contains(version, prereleases=True) for d in demands):
                continue
            release = self.release(name, version)
            if release.reason is not None:
                continue
            files = _unyanked(release.files, allow_yanked=str(version) in pinned)
            if hashes is not None:
                files = tuple(file for file in files if file.sha256 in hashes)
            if files:
                yield Candidate(name=name, version=version, extras=extras, files=files)

    def _direct_candidates(
        self,
        name: NormalizedName,
        extras: frozenset[NormalizedName],
        requirements: Sequence[Requirement],
        incompatible: Iterable[Version],
    ) -> Iterator[Candidate]:
        """The direct source's release, when every requirement and constraint allows it."""
        direct = self.direct[name]
        version = direct.file.version
        demands = [*requirements, *self.constraints.get(name, ())]
        allowed = all(d.specifier.contains(version, prereleases=True) for d in demands)
        if allowed and version not in set(incompatible) and not self.release(name, version).reason:
            yield Candidate(
                name=name, version=version, extras=extras, files=(direct.file,), direct=direct
            )

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
        release = self.release(candidate.name, candidate.version)
        wheels = [file for file in candidate.files if file.kind == "wheel"]
        sdists = [file for file in candidate.files if file.kind == "sdist"]
        files = [*wheels, *release.other_wheels, *sdists]
        return self.index.core_metadata(candidate.name, str(candidate.version), files)

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
        return tuple(dependencies)

    def _applies(self, requirement: PackagingRequirement, extras: frozenset[str]) -> bool:
        if requirement.marker is None:
            return not extras
        if not extras:
            return self.target.evaluates(requirement.marker)
        if self.target.evaluates(requirement.marker):
            return False
        return any(self.target.evaluates(requirement.marker, extra=extra) for extra in extras)

    def optional_dependencies(
        self, name: NormalizedName, metadata: CoreMetadata
    ) -> tuple[tuple[str, tuple[NormalizedName, ...]], ...]:
        """Each extra the release declares, with the projects it adds for the target; an
        extra that asks for other extras of the project itself gets theirs too."""
        direct: dict[str, set[NormalizedName]] = {}
        own_extras: dict[str, set[str]] = {}
        for extra in {canonicalize_name(extra) for extra in metadata.provides_extra}:
            direct[extra], own_extras[extra] = set(), set()
            for requirement in metadata.requires_dist:
                if requirement.url or not self._applies(requirement, frozenset({extra})):
                    continue
                dependency = canonicalize_name(requirement.name)
                if dependency == name:
                    own_extras[extra].update(canonicalize_name(e) for e in requirement.extras)
                else:
                    direct[extra].add(dependency)

        def closure(extra: str, seen: frozenset[str]) -> set[NormalizedName]:
            names = set(direct.get(extra, ()))
            for other in own_extras.get(extra, ()):
                if other not in seen:
                    names |= closure(other, seen | {other})
            return names

        return tuple(
            (extra, tuple(sorted(closure(extra, frozenset({extra}))))) for extra in sorted(direct)
        )

    def _warn_unknown_extras(self, candidate: Candidate, metadata: CoreMetadata) -> None:
        provided = {canonicalize_name(extra) for extra in metadata.provides_extra}
        for extra in sorted(candidate.extras - provided):
            if provided or not metadata.requires_dist:
                logger.warning("%s %s has no extra %r", candidate.name, candidate.version, extra)

    # Looking ahead

    def prefetch(self, requirement: Requirement) -> None:
        """Look up, in the background, what the resolver will need for a requirement.

        Projects whose page is already cached are left to the resolver: their facts
        are most likely cached too, and threads would only compete for the CPU.
        """
        if self.prefetcher.workers <= 1 or self.index.page_is_cached(requirement.name):
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
        if not candidate.extras:
            self.prefetch_build_facts(candidate)
        self.dependencies(candidate)

    def source_of(self, candidate: Candidate) -> DistFile:
        """The file the candidate's pin is built from."""
        return choose_source(candidate.files, prefer_wheels=self.prefer_wheels)

    def wheels(self, candidate: Candidate) -> list[DistFile]:
        """Every wheel of the candidate's release: those for the target first."""
        other_wheels = self.release(candidate.name, candidate.version).other_wheels
        return [file for file in candidate.files if file.kind == "wheel"] + list(other_wheels)

    def prefetch_build_facts(self, candidate: Candidate) -> None:
        """Read what building the candidate's source needs, as :func:`make_pins` will:
        up to ``pyproject.toml`` when a wheel has the file list, else all of it."""
        source = self.source_of(candidate)
        if source.kind == "sdist" and candidate.direct is None:
            whole = not self.wheels(candidate)
            self.prefetcher.submit(
                lambda: self.index.sdist_contents(source, until_pyproject=not whole), bulk=True
            )


def _unyanked(files: tuple[DistFile, ...], *, allow_yanked: bool) -> tuple[DistFile, ...]:
    kept = tuple(file for file in files if not file.yanked)
    return kept if kept or not allow_yanked else files
