"""A lock of another tool instead of a resolution: its entries for one target, as a
:class:`Resolution` the pins are made from (the same versions, files and hashes).

The entries are those the roots reach through the lock's edges where their markers
hold, or, for a lock without edges, those whose own marker holds (their edges then
come from each release's metadata)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.markers import Marker
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.filenames import dist_kind, is_archive
from pypi2nix.inputs.locks import BadLock
from pypi2nix.models import Dependency, DistFile
from pypi2nix.resolve.base import Candidate
from pypi2nix.resolve.files import usable_files
from pypi2nix.resolve.graph import Resolution, ResolvedRelease

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pypi2nix.inputs.locks import LockedDependency, LockedFile, LockedPackage, LockFile
    from pypi2nix.models import CoreMetadata
    from pypi2nix.resolve.factory import Factory
    from pypi2nix.sources import DirectRelease
    from pypi2nix.target import Target


def locked_resolution(lock: LockFile, factory: Factory) -> Resolution:
    """The lock's entries for the factory's target.

    :raises BadLock: for a root or edge the lock has no entry of, or an entry with no
        file (or no hash) for the target.
    """
    target = factory.target
    chosen = _walk(lock, target) if lock.has_edges else _marked(lock, target)
    releases: dict[NormalizedName, ResolvedRelease] = {}
    for name, (package, extras, requesters) in sorted(chosen.items()):
        candidate = _candidate(package, lock, factory)
        metadata = factory.metadata(candidate)
        if lock.has_edges:
            edges = _lock_edges(package, extras, lock, target, chosen, metadata)
        else:
            edges = _metadata_edges(candidate, extras, factory, chosen)
        releases[name] = ResolvedRelease(
            candidate=candidate,
            extras=tuple(sorted(NormalizedName(extra) for extra in extras)),
            dependencies=edges,
            required_by=tuple(sorted(requesters)),
            metadata=metadata,
            optional_dependencies=factory.optional_dependencies(name, metadata),
            files=_hashed_files(candidate),
        )
    roots = tuple(sorted({root.name for root in lock.roots if root.name in releases}))
    return Resolution.acyclic(releases, roots)


Chosen = dict[NormalizedName, tuple["LockedPackage", set[str], set[str]]]


def holds(marker: str | None, lock: LockFile, target: Target, extras: Iterable[str] = ()) -> bool:
    """Whether a marker of the lock holds for the target (under one of ``extras``)."""
    if marker is None:
        return True
    parsed = Marker(marker)
    if lock.tool == "pylock":
        environment: dict[str, str | frozenset[str]] = {
            **target.marker_environment(),
            "extras": frozenset(lock.extras),
            "dependency_groups": frozenset(lock.groups),
        }
        return parsed.evaluate(environment, "lock_file")
    return target.evaluates(parsed) or any(target.evaluates(parsed, extra=e) for e in extras)


def _marked(lock: LockFile, target: Target) -> Chosen:
    chosen: Chosen = {}
    for package in lock.packages:
        if holds(package.marker, lock, target) and package.name not in chosen:
            chosen[package.name] = (package, set(), {str(lock.path)})
    for root in lock.roots:
        if root.name in chosen:
            chosen[root.name][1].update(root.extras)
    return chosen


def _walk(lock: LockFile, target: Target) -> Chosen:
    """Every entry the roots reach where the edges' markers hold, with the extras asked
    of it and who asked."""
    chosen: Chosen = {}
    pending: list[tuple[LockedDependency, str, tuple[str, ...]]] = [
        (root, str(lock.path), ()) for root in lock.roots
    ]
    while pending:
        edge, requester, parent_extras = pending.pop()
        if not holds(edge.marker, lock, target, parent_extras):
            continue
        package = _entry(lock, edge, target, requester)
        known = chosen.get(package.name)
        if known is None:
            chosen[package.name] = (package, set(edge.extras), {requester})
            follow = _edges_of(package, edge.extras)
        else:
            known[2].add(requester)
            fresh = set(edge.extras) - known[1]
            known[1].update(fresh)
            follow = [d for extra in sorted(fresh) for d in dict(package.optional).get(extra, ())]
        extras = tuple(sorted(chosen[package.name][1]))
        pending.extend((dependency, package.name, extras) for dependency in follow)
    return chosen


def _edges_of(package: LockedPackage, extras: Iterable[str]) -> list[LockedDependency]:
    optional = dict(package.optional)
    edges = list(package.dependencies or ())
    for extra in sorted(extras):
        edges.extend(optional.get(extra, ()))
    return edges


def _entry(lock: LockFile, edge: LockedDependency, target: Target, requester: str) -> LockedPackage:
    """The lock's entry an edge names: by version when it gives one, else the one whose
    marker holds for the target."""
    entries = [p for p in lock.packages if p.name == edge.name]
    if edge.version is not None:
        entries = [p for p in entries if p.version == edge.version] or entries
    fitting = [p for p in entries if holds(p.marker, lock, target)]
    if not (fitting or entries):
        raise BadLock(
            f"{edge.name} (needed by {requester}) is not in {lock.path.name}; "
            f"run {lock.upgrade_command.split(' --')[0]}"
        )
    return (fitting or entries)[0]


def _lock_edges(
    package: LockedPackage,
    extras: set[str],
    lock: LockFile,
    target: Target,
    chosen: Chosen,
    metadata: CoreMetadata,
) -> tuple[Dependency, ...]:
    """The lock's edges that hold, each spelled as the release's metadata spells it."""
    spellings = {canonicalize_name(r.name): r.name for r in metadata.requires_dist}
    spelled: dict[NormalizedName, set[str]] = {}
    for edge in _edges_of(package, extras):
        if (
            edge.name != package.name
            and edge.name in chosen
            and holds(edge.marker, lock, target, tuple(extras))
        ):
            spelled.setdefault(edge.name, set()).add(spellings.get(edge.name, edge.name))
    return tuple(Dependency(name=n, spelled=tuple(sorted(s))) for n, s in sorted(spelled.items()))


def _metadata_edges(
    candidate: Candidate, extras: set[str], factory: Factory, chosen: Chosen
) -> tuple[Dependency, ...]:
    asked = Candidate(
        name=candidate.name,
        version=candidate.version,
        extras=frozenset(NormalizedName(extra) for extra in extras),
        files=candidate.files,
        direct=candidate.direct,
    )
    spelled: dict[NormalizedName, set[str]] = {}
    for requirement in factory.dependencies(asked):
        if requirement.name != candidate.name and requirement.name in chosen:
            spelled.setdefault(requirement.name, set()).add(requirement.spelled)
    return tuple(Dependency(name=n, spelled=tuple(sorted(s))) for n, s in sorted(spelled.items()))


def _candidate(package: LockedPackage, lock: LockFile, factory: Factory) -> Candidate:
    direct: DirectRelease | None = factory.direct.get(package.name)
    if package.source.kind != "index" and direct is not None:
        return Candidate(
            name=package.name, version=direct.file.version, files=(direct.file,), direct=direct
        )
    version = _version(package, lock)
    files = _dist_files(package, lock, factory, version)
    release = usable_files(factory.target, files)
    if not release.files:
        raise BadLock(
            f"{package.name} {package.version} has no file for Python {factory.target.python} "
            f"on {factory.target.system} in {lock.path.name}"
        )
    return Candidate(
        name=package.name,
        version=version,
        files=release.files,
        other_wheels=release.other_wheels,
    )


def _version(package: LockedPackage, lock: LockFile) -> Version:
    try:
        return Version(package.version)
    except InvalidVersion as error:
        raise BadLock(
            f"{lock.path}: {package.key}.version: not a version {package.version!r}"
        ) from error


def _dist_files(
    package: LockedPackage, lock: LockFile, factory: Factory, version: Version
) -> list[DistFile]:
    """The entry's files; those the lock names without a URL (or by hash alone) are the
    index's with the same name or hash."""
    listed: Mapping[str, DistFile] | None = None
    files = []
    for number, file in enumerate(package.files):
        if file.sha256 is None:
            raise BadLock(
                f"{lock.path}: {package.key}: {package.name} {package.version} has a file "
                f"without a sha256 hash ({file.filename or file.url or number})"
            )
        if file.url and file.filename and is_archive(file.filename):
            files.append(_dist_file(file, version))
            continue
        if listed is None:
            listed = _index_files(package, factory, version)
        found = listed.get(file.sha256) or listed.get(file.filename)
        if found is None:
            raise BadLock(
                f"{lock.path}: {package.key}: {file.filename or file.sha256} is not a file "
                f"of {package.name} {package.version} on the index"
            )
        files.append(found)
    if not package.files:
        raise BadLock(
            f"{lock.path}: {package.key}: {package.name} {package.version} has no files and no hash"
        )
    return files


def _index_files(package: LockedPackage, factory: Factory, version: Version) -> dict[str, DistFile]:
    files = factory.page(package.name, f"{package.name} in a lock").files(version)
    return {key: file for file in files for key in (file.filename, file.sha256 or "")}


def _dist_file(file: LockedFile, version: Version) -> DistFile:
    return DistFile(
        filename=file.filename,
        url=file.url,
        kind=dist_kind(file.filename),
        version=version,
        sha256=file.sha256,
        size=file.size,
    )


def _hashed_files(candidate: Candidate) -> tuple[DistFile, ...]:
    if candidate.direct is not None:
        direct = candidate.direct
        return (direct.file,) if direct.source.kind == "url" and direct.file.sha256 else ()
    files = [file for file in (*candidate.files, *candidate.other_wheels) if file.sha256]
    return tuple(sorted(files, key=lambda file: file.filename))
