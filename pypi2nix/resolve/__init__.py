"""Resolution: requirements in, a pinned :class:`LockGraph` out.

:func:`lock` runs resolvelib over the index for one target, merges extras into their
projects, breaks dependency cycles deterministically and gathers, for every pin,
the file to build from and its build facts.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name
from resolvelib import Resolver
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep

from pypi2nix import __version__
from pypi2nix.errors import InputError, ResolutionError
from pypi2nix.index.prefetch import Prefetcher
from pypi2nix.lock.serialize import graph_from_json, graph_to_json
from pypi2nix.models import BrokenCycleEdge, Dependency, LockGraph
from pypi2nix.pins.assemble import make_pins
from pypi2nix.resolve.base import Requirement
from pypi2nix.resolve.explain import explain_impossible
from pypi2nix.resolve.factory import Factory
from pypi2nix.resolve.graph import collapse, find_back_edges
from pypi2nix.resolve.provider import Provider
from pypi2nix.resolve.reporter import ProgressReporter

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from packaging.version import Version

    from pypi2nix.index.repository import PackageIndex
    from pypi2nix.models import InputRequirement, RequirementSet
    from pypi2nix.resolve.graph import ResolvedRelease
    from pypi2nix.sources.direct import DirectRelease
    from pypi2nix.target import Target

__all__ = ["lock"]

logger = logging.getLogger(__name__)

MAX_ROUNDS = 20_000


def lock(
    inputs: RequirementSet,
    index: PackageIndex,
    target: Target,
    *,
    pre: bool = False,
    prefer_wheels: bool = False,
    preferences: Mapping[NormalizedName, Version] | None = None,
    prefetcher: Prefetcher | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> LockGraph:
    """Resolve the inputs for the target and pin every package.

    The result is cached: the same inputs give the cached lock back for as long as
    every project page it was made from is still fresh in the cache.

    :param preferences: versions to keep when they still fit (existing pins).
    :param prefetcher: worker threads that look ahead of the resolver (none: no threads).
    :raises ResolutionError: when the requirements cannot be satisfied together.
    """
    pre = pre or inputs.pre
    # A direct source can change under the same inputs (a branch, a local folder).
    cacheable = not any(entry.direct for entry in inputs.requirements)
    key = _lock_key(
        inputs, index, target, pre=pre, prefer_wheels=prefer_wheels, preferences=preferences or {}
    )
    cached = _cached_lock(index, key) if cacheable else None
    if cached is not None:
        return cached
    factory = Factory(
        index=index,
        target=target,
        constraints=_constraints(inputs.constraints, target),
        hashes=_user_hashes([*inputs.requirements, *inputs.constraints]),
        pre=pre,
        preferences=preferences or {},
        prefetcher=prefetcher or Prefetcher(1),
        direct=_direct_releases(inputs.requirements, index),
        prefer_wheels=prefer_wheels,
    )
    graph = _resolve(inputs, factory, progress)
    if index.cache.enabled and cacheable:
        pages = index.consulted_pages()
        index.cache.store_lock(key, {"pages": pages, "graph": graph_to_json(graph)})
    return graph


def _resolve(
    inputs: RequirementSet, factory: Factory, progress: Callable[[str], None]
) -> LockGraph:
    index, target = factory.index, factory.target
    roots = [
        Requirement.from_packaging(entry.requirement, requested_by=str(entry.origin))
        for entry in _applicable(inputs.requirements, target)
    ]
    if inputs.requirements and not roots:
        logger.warning(
            "every requirement's marker is false for Python %s on %s: the lock is empty",
            target.python,
            target.system,
        )
    started = time.monotonic()
    for root in roots:
        factory.prefetch(root)
    resolver = Resolver(Provider(factory), ProgressReporter(progress))
    try:
        result = resolver.resolve(roots, max_rounds=MAX_ROUNDS)
    except ResolutionImpossible as error:
        raise ResolutionError(explain_impossible(error.causes, factory)) from error
    except ResolutionTooDeep as error:
        raise ResolutionError(
            f"gave up after {MAX_ROUNDS} resolution rounds; pin some packages to help"
        ) from error
    logger.debug("resolved after %.2f s", time.monotonic() - started)
    releases = collapse(result, factory)
    root_names = tuple(sorted({root.name for root in roots}))
    broken = _break_cycles(releases, root_names)
    kept, dropped = _split_edges(releases, broken)
    pins = tuple(make_pins(releases, kept, dropped, factory, progress))
    index.save_parsed_imports()
    return LockGraph(
        pins=pins,
        roots=root_names,
        broken_edges=tuple(broken),
        python=target.python,
        system=target.system,
        sources=inputs.sources,
        index_urls=index.index_urls,
    )


def _direct_releases(
    entries: Iterable[InputRequirement], index: PackageIndex
) -> dict[NormalizedName, DirectRelease]:
    """The release of every project the inputs name by a URL, git or a path.

    :raises InputError: for two different sources of one project, or a source that
        holds another project than its requirement names.
    """
    releases: dict[NormalizedName, DirectRelease] = {}
    sources: dict[NormalizedName, InputRequirement] = {}
    for entry in entries:
        if entry.direct is None:
            continue
        name = canonicalize_name(entry.requirement.name)
        earlier = sources.setdefault(name, entry)
        if earlier.direct != entry.direct:
            raise InputError(entry.origin, f"{name} has another source at {earlier.origin} already")
        release = index.direct_release(entry.direct)
        found = canonicalize_name(release.metadata.name)
        if found != name:
            raise InputError(entry.origin, f"the source holds {found}, not {name}")
        releases[name] = release
    return releases


def _lock_key(
    inputs: RequirementSet,
    index: PackageIndex,
    target: Target,
    *,
    pre: bool,
    prefer_wheels: bool,
    preferences: Mapping[NormalizedName, Version],
) -> str:
    """A digest of everything a lock depends on, but the index's answers."""

    def entries(items: Iterable[InputRequirement]) -> list[list[object]]:
        return [[str(e.requirement), str(e.origin), sorted(e.hashes)] for e in items]

    facts = {
        "version": __version__,
        "requirements": entries(inputs.requirements),
        "constraints": entries(inputs.constraints),
        "sources": list(inputs.sources),
        "pre": pre,
        "prefer_wheels": prefer_wheels,
        "index_urls": list(index.index_urls),
        "target": [target.python, target.system],
        "preferences": sorted((name, str(version)) for name, version in preferences.items()),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _cached_lock(index: PackageIndex, key: str) -> LockGraph | None:
    """The lock cached for these inputs, while every page it was made from is fresh."""
    if not index.cache.enabled or index.refresh:
        return None
    entry = index.cache.lock(key)
    if entry is None:
        return None
    try:
        if not index.pages_unchanged(entry["pages"]):
            return None
        return graph_from_json(entry["graph"])
    except (KeyError, TypeError, ValueError, AttributeError):
        index.cache.discard_lock(key)
        return None


def _applicable(entries: Iterable[InputRequirement], target: Target) -> list[InputRequirement]:
    kept = []
    for entry in entries:
        marker = entry.requirement.marker
        if target.evaluates(marker):
            kept.append(entry)
        else:
            logger.info("%s: skipping %s, its marker is false for the target", entry.origin, marker)
    return kept


def _constraints(
    entries: Iterable[InputRequirement], target: Target
) -> dict[NormalizedName, list[Requirement]]:
    constraints: dict[NormalizedName, list[Requirement]] = {}
    for entry in _applicable(entries, target):
        requirement = Requirement.from_packaging(entry.requirement, requested_by=str(entry.origin))
        constraints.setdefault(requirement.name, []).append(requirement)
    return constraints


def _user_hashes(entries: Iterable[InputRequirement]) -> dict[NormalizedName, frozenset[str]]:
    hashes: dict[NormalizedName, frozenset[str]] = {}
    for entry in entries:
        if entry.hashes:
            name = canonicalize_name(entry.requirement.name)
            hashes[name] = hashes[name] & entry.hashes if name in hashes else entry.hashes
    return hashes


def _break_cycles(
    releases: Mapping[NormalizedName, ResolvedRelease], roots: tuple[NormalizedName, ...]
) -> list[BrokenCycleEdge]:
    edges = {
        name: [dependency.name for dependency in release.dependencies]
        for name, release in releases.items()
    }
    order = [*roots, *sorted(releases)]
    return [
        BrokenCycleEdge(dependent=dependent, dependency=dependency)
        for dependent, dependency in find_back_edges(edges, order)
    ]


def _split_edges(
    releases: Mapping[NormalizedName, ResolvedRelease], broken: list[BrokenCycleEdge]
) -> tuple[
    dict[NormalizedName, tuple[Dependency, ...]], dict[NormalizedName, tuple[Dependency, ...]]
]:
    """Each project's dependencies, and those left out to break a cycle."""
    dropped_edges = {(edge.dependent, edge.dependency) for edge in broken}
    kept: dict[NormalizedName, tuple[Dependency, ...]] = {}
    dropped: dict[NormalizedName, tuple[Dependency, ...]] = {}
    for name, release in releases.items():
        edges = release.dependencies
        kept[name] = tuple(d for d in edges if (name, d.name) not in dropped_edges)
        dropped[name] = tuple(d for d in edges if (name, d.name) in dropped_edges)
    return kept, dropped
