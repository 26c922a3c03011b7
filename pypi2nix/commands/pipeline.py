"""The pipeline every command shares: build the index, check the lock cache, read
the direct sources, resolve, make the pins, and count what it cost."""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.backend import MetadataBuilder
from pypi2nix.commands.once import say_again, warnings_said_once
from pypi2nix.index.cache import Cache
from pypi2nix.index.client import HttpClient
from pypi2nix.index.limits import HttpLimits
from pypi2nix.index.prefetch import Prefetcher
from pypi2nix.index.repository import PackageIndex
from pypi2nix.lock.cache import cached_lock, is_cacheable, lock_key, store_lock
from pypi2nix.lock.tool_cache import cached_tool_sets, store_tool_sets
from pypi2nix.models import LockGraph
from pypi2nix.options import DEFAULT_INDEX_URL, index_url_from_environment
from pypi2nix.pins.assemble import make_pins, prefetch_build_facts
from pypi2nix.pins.build_tools import ToolSets, lock_build_tools, sdists_that_cannot_build
from pypi2nix.resolve import resolve
from pypi2nix.sources import KeptCommit, read_direct_releases
from pypi2nix.target import Target, host_target

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from packaging.utils import NormalizedName

    from pypi2nix.models import BuildTool, Pin, RequirementSet
    from pypi2nix.options import IndexOptions
    from pypi2nix.resolve import Resolution, ResolutionPolicy
    from pypi2nix.ui import Console

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LockRun:
    graph: LockGraph
    seconds: float
    requests: int
    bytes: int


def lock_inputs(
    inputs: RequirementSet,
    *,
    target: Target,
    policy: ResolutionPolicy,
    index_options: IndexOptions,
    console: Console,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None = None,
) -> LockRun:
    """Lock the inputs for the target against the index, with the cache and threads
    the options ask for, and count what it cost.

    :param kept_commits: git pins to check out at their earlier commit.
    """
    started = time.monotonic()
    client = HttpClient(limits=HttpLimits.from_environment(os.environ))
    index = PackageIndex(
        client,
        index_urls(index_options, inputs),
        cache=Cache(index_options.cache_dir, background=True),
        offline=index_options.offline,
        refresh=index_options.refresh,
        progress=console.progress,
    )
    index.metadata_builder = MetadataBuilder(index, host_target(target), allowed=policy.builds)
    console.set_status(
        lambda: f"[{client.stats.requests} requests, {client.stats.bytes / 1e6:.1f} MB]"
    )
    prefetcher = Prefetcher(index_options.workers)
    try:
        graph = lock(
            inputs,
            index,
            target,
            policy,
            prefetcher=prefetcher,
            kept_commits=kept_commits,
            progress=console.progress,
        )
    finally:
        prefetcher.close()
        index.cache.close()
        console.clear()
    logger.info("%s", index.sdist_reads.describe())
    return LockRun(
        graph=graph,
        seconds=time.monotonic() - started,
        requests=client.stats.requests,
        bytes=client.stats.bytes,
    )


def lock(
    inputs: RequirementSet,
    index: PackageIndex,
    target: Target,
    policy: ResolutionPolicy,
    *,
    prefetcher: Prefetcher | None = None,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> LockGraph:
    """The lock of the inputs: from the lock cache while the pages it was made from
    are unchanged, else read the direct sources, resolve, and pin every release.

    :param prefetcher: worker threads that look ahead of the resolver (none: no threads).
    :raises ResolutionError: when the requirements cannot be satisfied together.
    """
    with warnings_said_once() as warnings:
        cacheable = is_cacheable(inputs)
        key = lock_key(inputs, index.index_urls, target, policy)
        cached = cached_lock(index, key) if cacheable else None
        if cached is not None:
            say_again(cached.warnings)
            return cached.graph
        graph = _lock(inputs, index, target, policy, prefetcher, kept_commits, progress)
        warnings.say_held((pin.name, pin.version) for pin in graph.pins)
        if cacheable:
            store_lock(index, key, graph, warnings.said)
            settled = lock_key(inputs, index.index_urls, target, policy.preferring(graph.pins))
            if settled != key:  # the next run, which prefers the pins this one wrote
                store_lock(index, settled, graph, warnings.said)
        return graph


def _lock(
    inputs: RequirementSet,
    index: PackageIndex,
    target: Target,
    policy: ResolutionPolicy,
    prefetcher: Prefetcher | None,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None,
    progress: Callable[[str], None],
) -> LockGraph:
    prefetcher = prefetcher or Prefetcher(1)
    direct = read_direct_releases(
        inputs.requirements,
        index.client,
        offline=index.offline,
        kept_commits=kept_commits,
        progress=progress,
    )
    resolution = resolve(
        inputs.requirements,
        index,
        target,
        policy,
        direct=direct,
        prefetcher=prefetcher,
        look_ahead=lambda candidate: prefetch_build_facts(
            candidate, index, target, policy, prefetcher
        ),
        progress=progress,
    )
    resolved: ToolSets = cached_tool_sets(index, target)
    known = len(resolved)
    pins, build_tools = _pins(resolution, index, target, policy, prefetcher, progress, resolved)
    unserved = sdists_that_cannot_build(pins, policy.sources) - policy.sources.only_binary
    if unserved:  # those pins from their wheels, where they have one
        wheels = dataclasses.replace(policy, sources=policy.sources.merged((), unserved))
        pins, build_tools = _pins(resolution, index, target, wheels, prefetcher, progress, resolved)
    index.save_parsed_imports()
    _warn_of_yanked(pins)
    store_tool_sets(index, target, resolved, known=known)
    return LockGraph(
        pins=pins,
        roots=resolution.roots,
        broken_edges=resolution.broken_edges,
        python=target.python,
        system=target.system,
        sources=inputs.sources,
        index_urls=index.index_urls,
        build_tools=build_tools,
        built_metadata=tuple(sorted(index.built_metadata & {pin.name for pin in pins})),
    )


def _warn_of_yanked(pins: tuple[Pin, ...]) -> None:
    """A yanked file is only used when its version is pinned with ``==``: say so, with
    the index's reason, as pip and uv do."""
    for pin in pins:
        if pin.source.yanked:
            reason = pin.source.yanked_reason
            logger.warning(
                "%s %s is yanked (%s); it is used because a requirement pins it with ==",
                pin.name,
                pin.version,
                f"reason: {reason}" if reason else "no reason given",
            )


def _pins(
    resolution: Resolution,
    index: PackageIndex,
    target: Target,
    policy: ResolutionPolicy,
    prefetcher: Prefetcher,
    progress: Callable[[str], None],
    resolved: ToolSets,
) -> tuple[tuple[Pin, ...], tuple[BuildTool, ...]]:
    """The pins of a resolution, with their build tools locked (``resolved``: the
    sets of build requirements resolved so far)."""
    pins = make_pins(resolution, index, target, policy, prefetcher=prefetcher, progress=progress)
    return lock_build_tools(
        pins, index, target, prefetcher=prefetcher, progress=progress, resolved=resolved
    )


def index_urls(options: IndexOptions, inputs: RequirementSet) -> list[str]:
    """The indexes to use: command line, then requirements files, then the environment."""
    main = options.index_url or inputs.index_url or index_url_from_environment()
    extras = [*options.extra_index_urls, *inputs.extra_index_urls]
    return list(dict.fromkeys([main or DEFAULT_INDEX_URL, *extras]))
