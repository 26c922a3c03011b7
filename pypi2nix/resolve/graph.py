"""From resolvelib's result to a :class:`Resolution`: one node per project, with
dependency cycles broken deterministically."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.models import BrokenCycleEdge, Dependency

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from packaging.utils import NormalizedName
    from resolvelib.resolvers import Result

    from pypi2nix.models import CoreMetadata, DistFile
    from pypi2nix.resolve.base import Candidate, Requirement
    from pypi2nix.resolve.factory import Factory


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolvedRelease:
    """A pinned project: its plain candidate, the extras asked of it, its edges, and
    what its pin needs of the resolver's knowledge."""

    candidate: Candidate
    extras: tuple[NormalizedName, ...]
    dependencies: tuple[Dependency, ...]
    required_by: tuple[str, ...]
    metadata: CoreMetadata
    # Every extra the release declares, with the projects it adds for the target.
    optional_dependencies: tuple[tuple[str, tuple[NormalizedName, ...]], ...]
    # Every file of the release pip may pick (with a sha256), narrowed by --hash.
    files: tuple[DistFile, ...]
    # What was asked of the project: each requirement's specifier and who asked.
    demands: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> NormalizedName:
        return self.candidate.name


def collapse(
    result: Result[Requirement, Candidate, str], factory: Factory
) -> dict[NormalizedName, ResolvedRelease]:
    """Merge each project's plain and extras candidates into one node.

    A project's dependencies are those of its plain candidate plus those its extras
    add; ``required_by`` names the roots' origins and the dependent projects.
    """
    candidates: dict[NormalizedName, list[Candidate]] = {}
    for candidate in result.mapping.values():
        candidates.setdefault(candidate.name, []).append(candidate)
    requesters: dict[NormalizedName, set[str]] = {}
    demands: dict[NormalizedName, set[tuple[str, str]]] = {}
    for identifier, criterion in result.criteria.items():
        name = result.mapping[identifier].name
        for information in criterion.information:
            asked = information.requirement
            demands.setdefault(name, set()).add((str(asked.specifier), asked.requested_by))
            parent = information.parent
            if parent is None:
                requesters.setdefault(name, set()).add(information.requirement.requested_by)
            elif parent.name != name:
                requesters.setdefault(name, set()).add(parent.name)
    releases = {}
    for name, group in sorted(candidates.items()):
        plain = next(candidate for candidate in group if not candidate.extras)
        extras = sorted({extra for candidate in group for extra in candidate.extras})
        metadata = factory.metadata(plain)
        releases[name] = ResolvedRelease(
            candidate=plain,
            extras=tuple(extras),
            dependencies=_merge_dependencies(name, group, factory),
            required_by=tuple(sorted(requesters.get(name, ()))),
            metadata=metadata,
            optional_dependencies=factory.optional_dependencies(name, metadata),
            files=_installable_files(plain, factory),
            demands=tuple(sorted(demands.get(name, ()))),
        )
    return releases


def _installable_files(candidate: Candidate, factory: Factory) -> tuple[DistFile, ...]:
    """Every file of the release that pip may pick (for the frozen file and the
    pylock), with a sha256, narrowed to the user's ``--hash`` digests when there are
    some; sorted by name."""
    if candidate.direct is not None:  # only an archive's hash is one pip can check
        direct = candidate.direct
        return (direct.file,) if direct.source.kind == "url" and direct.file.sha256 else ()
    release = factory.release(candidate.name, candidate.version)
    files = [file for file in (*release.files, *release.other_wheels) if file.sha256]
    allowed = factory.policy.hashes.get(candidate.name)
    if allowed is not None:
        files = [file for file in files if file.sha256 in allowed]
    return tuple(sorted(files, key=lambda file: file.filename))


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolution:
    """What the resolver decided: one release per project, acyclic edges, and the
    edges left out to make them so."""

    releases: Mapping[NormalizedName, ResolvedRelease]
    roots: tuple[NormalizedName, ...]
    broken_edges: tuple[BrokenCycleEdge, ...]
    # Each project's dependencies, cycles broken, and the edges that were left out.
    dependencies: Mapping[NormalizedName, tuple[Dependency, ...]]
    dropped: Mapping[NormalizedName, tuple[Dependency, ...]]

    @classmethod
    def acyclic(
        cls, releases: Mapping[NormalizedName, ResolvedRelease], roots: tuple[NormalizedName, ...]
    ) -> Resolution:
        """The releases with every cycle broken: the walk starts at the roots, then
        follows name order."""
        edges = {name: [d.name for d in release.dependencies] for name, release in releases.items()}
        back_edges = find_back_edges(edges, [*roots, *sorted(releases)])
        dropped_edges = set(back_edges)
        kept: dict[NormalizedName, tuple[Dependency, ...]] = {}
        dropped: dict[NormalizedName, tuple[Dependency, ...]] = {}
        for name, release in releases.items():
            edges_of = release.dependencies
            kept[name] = tuple(d for d in edges_of if (name, d.name) not in dropped_edges)
            dropped[name] = tuple(d for d in edges_of if (name, d.name) in dropped_edges)
        return cls(
            releases=releases,
            roots=roots,
            broken_edges=tuple(
                BrokenCycleEdge(dependent=dependent, dependency=dependency)
                for dependent, dependency in back_edges
            ),
            dependencies=kept,
            dropped=dropped,
        )


def _merge_dependencies(
    name: NormalizedName, group: Iterable[Candidate], factory: Factory
) -> tuple[Dependency, ...]:
    spellings: dict[NormalizedName, set[str]] = {}
    for candidate in group:
        for requirement in factory.dependencies(candidate):
            if requirement.name != name:
                spellings.setdefault(requirement.name, set()).add(requirement.spelled)
    return tuple(
        Dependency(name=dependency, spelled=tuple(sorted(spelled)))
        for dependency, spelled in sorted(spellings.items())
    )


def find_back_edges(
    edges: Mapping[NormalizedName, Sequence[NormalizedName]], order: Sequence[NormalizedName]
) -> list[tuple[NormalizedName, NormalizedName]]:
    """The edges whose removal leaves the graph acyclic.

    A depth-first walk from each node of ``order`` (roots first), children in sorted
    order; every edge back to a node still on the walk's path closes a cycle and is
    returned. The same graph and order always give the same edges.
    """
    on_path: set[NormalizedName] = set()
    done: set[NormalizedName] = set()
    back_edges: list[tuple[NormalizedName, NormalizedName]] = []
    for start in order:
        if start in done:
            continue
        on_path.add(start)
        stack = [(start, iter(sorted(edges.get(start, ()))))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child in on_path:
                    back_edges.append((node, child))
                elif child not in done:
                    on_path.add(child)
                    stack.append((child, iter(sorted(edges.get(child, ())))))
                    break
            else:
                stack.pop()
                on_path.discard(node)
                done.add(node)
    return back_edges
