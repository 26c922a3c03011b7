"""The pipeline every command shares, composed here and nowhere else: the store, the
index, the build backend and the lock session are made once; then the lock cache is
checked, or the direct sources are read, the requirements resolved and the releases
pinned; and what it cost is counted."""

from __future__ import annotations

import dataclasses
import functools
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
from pypi2nix.index.local_folder import is_file_url
from pypi2nix.index.repository import PackageIndex
from pypi2nix.inputs.locks.requirements import direct_entries
from pypi2nix.lock.cache import LockCache, cached_lock, is_cacheable, lock_key, store_lock
from pypi2nix.lock.tool_cache import cached_tool_sets, store_tool_sets, tool_sets_key
from pypi2nix.models import Lock, LockGraph
from pypi2nix.options import DEFAULT_INDEX_URL, BuildOptions, index_url_from_environment
from pypi2nix.pins import (
    BuildFactsLookAhead,
    build_environment_wheels,
    pin_releases,
    read_facts_ahead,
)
from pypi2nix.pins.splits import version_splits
from pypi2nix.resolve import resolve
from pypi2nix.resolve.factory import Factory
from pypi2nix.resolve.locked import locked_resolution
from pypi2nix.resolve.policy import build_constraint_texts, pinned_versions
from pypi2nix.session import LockSession
from pypi2nix.sources import KeptCommit, read_direct_releases
from pypi2nix.store import Store
from pypi2nix.target import Target, host_target
from pypi2nix.threads import Prefetcher

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.models import Pin, RequirementSet
    from pypi2nix.options import IndexOptions
    from pypi2nix.resolve import Resolution, ResolutionPolicy
    from pypi2nix.sources import DirectRelease
    from pypi2nix.ui import Console

    # Per target, the versions to try first.
    Preferences = Mapping[Target, Mapping[NormalizedName, Version]]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LockRun:
    lock: Lock
    seconds: float
    requests: int
    bytes: int
    # The digest of the lock's content in the lock cache (None: not kept there).
    digest: str | None = None
    # One line for each build backend run for metadata (its sdist, whether sandboxed).
    backend_runs: tuple[str, ...] = ()


def lock_inputs(
    inputs: RequirementSet,
    *,
    targets: Sequence[Target],
    policy: ResolutionPolicy,
    index_options: IndexOptions,
    console: Console,
    builds: BuildOptions | None = None,
    preferences: Preferences | None = None,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None = None,
) -> LockRun:
    """Lock the inputs for the targets against the index, with the cache and threads
    the options ask for, and count what it cost.

    :param preferences: per target, the versions to try first (the earlier pins).
    :param kept_commits: git pins to check out at their earlier commit.
    :param builds: how a build backend runs (sandbox, time limit).
    """
    started = time.monotonic()
    client = HttpClient(limits=HttpLimits.from_environment(os.environ))
    store = Store(index_options.cache_dir, background=True)
    index = PackageIndex(
        client,
        index_urls(index_options, inputs),
        cache=Cache(store),
        offline=index_options.offline,
        refresh=index_options.refresh,
        progress=console.progress,
    )
    console.set_status(
        lambda: f"[{client.stats.requests} requests, {client.stats.bytes / 1e6:.1f} MB]"
    )
    prefetcher = Prefetcher(index_options.workers)
    session = LockSession(
        index=index,
        target=targets[0],
        policy=policy,
        prefetcher=prefetcher,
        progress=console.progress,
    )
    builder = metadata_builder(session, store, builds or BuildOptions())
    try:
        locked, digest = lock_with_digest(
            inputs,
            session,
            targets=targets,
            preferences=preferences,
            builder=builder,
            cache=LockCache(store, index, reuse=not index.refresh),
            kept_commits=kept_commits,
        )
    finally:
        prefetcher.close()
        store.close()
        console.clear()
    logger.info("%s", index.sdist_reads.describe())
    return LockRun(
        lock=locked,
        seconds=time.monotonic() - started,
        requests=client.stats.requests,
        bytes=client.stats.bytes,
        digest=digest,
        backend_runs=tuple(builder.runs),
    )


def metadata_builder(session: LockSession, store: Store, builds: BuildOptions) -> MetadataBuilder:
    """The build backend runner: on the interpreter running pypi2nix, with the wheels
    of its build requirements locked for it through the index, in no other thread."""
    host = LockSession(
        index=session.index,
        target=host_target(session.target),
        policy=session.policy.for_build_tools(),
        prefetcher=Prefetcher(1),
    )
    return MetadataBuilder(
        store,
        session.index.download,
        functools.partial(build_environment_wheels, session=host),
        allowed=session.policy.builds,
        sandbox=builds.sandbox,
        timeout=builds.timeout,
        python=session.target.python,
    )


def lock(
    inputs: RequirementSet,
    session: LockSession,
    *,
    targets: Sequence[Target] | None = None,
    preferences: Preferences | None = None,
    builder: MetadataBuilder | None = None,
    cache: LockCache | None = None,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None = None,
) -> Lock:
    """The lock of the inputs for each target (default: the session's): from the lock
    cache while the pages it was made from are unchanged, else read the direct
    sources, resolve, and pin every release.

    :param preferences: per target, the versions to try first (the earlier pins).
    :param builder: runs the build backend of an sdist whose metadata no static file
        gives (none: such a release is an error).
    :param cache: the lock cache (none: locks are neither reused nor kept).
    :raises ResolutionError: when the requirements cannot be satisfied together.
    """
    return lock_with_digest(
        inputs,
        session,
        targets=targets,
        preferences=preferences,
        builder=builder,
        cache=cache,
        kept_commits=kept_commits,
    )[0]


def lock_with_digest(
    inputs: RequirementSet,
    session: LockSession,
    *,
    targets: Sequence[Target] | None = None,
    preferences: Preferences | None = None,
    builder: MetadataBuilder | None = None,
    cache: LockCache | None = None,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None = None,
) -> tuple[Lock, str | None]:
    """:func:`lock`, and the digest of the lock's content in the lock cache (``None``
    when it is not kept there)."""
    index, policy = session.index, session.policy
    targets = tuple(targets or (session.target,))
    preferences = preferences or {}
    with warnings_said_once() as warnings:
        cacheable = (
            cache is not None
            and is_cacheable(inputs)
            and not any(is_file_url(url) for url in index.index_urls)
        )
        key = lock_key(inputs, index.index_urls, targets, policy, preferences)
        cached = cached_lock(cache, key) if cache is not None and cacheable else None
        if cached is not None:
            say_again(cached.warnings)
            return cached.lock, cached.digest
        locked = _lock(inputs, session, targets, preferences, builder, cache, kept_commits)
        pins = [pin for graph in locked.graphs for pin in graph.pins]
        warnings.say_held((pin.name, pin.version) for pin in pins)
        if cache is None or not cacheable:
            return locked, None
        written = {graph.target: pinned_versions(graph.pins) for graph in locked.graphs}
        # and under the key of the next run, which prefers the pins this one wrote
        settled = lock_key(inputs, index.index_urls, targets, policy, written)
        return locked, store_lock(cache, (key, settled), locked, warnings.said)


def _lock(
    inputs: RequirementSet,
    session: LockSession,
    targets: tuple[Target, ...],
    preferences: Preferences,
    builder: MetadataBuilder | None,
    cache: LockCache | None,
    kept_commits: Mapping[NormalizedName, KeptCommit] | None,
) -> Lock:
    """Each target resolved in turn, each preferring the versions pinned for the
    targets before it (after its own earlier pins), so that versions agree wherever
    they can; then each target's releases pinned (what their pins need read in the
    background as soon as a target is resolved)."""
    index = session.index
    direct = read_direct_releases(
        inputs.requirements if inputs.locked is None else direct_entries(inputs.locked),
        index.client,
        offline=index.offline,
        kept_commits=kept_commits,
        progress=session.progress,
        builder=builder,
        no_build=not session.policy.builds,
    )
    sessions: list[LockSession] = []
    resolutions: dict[Target, Resolution] = {}
    built: dict[Target, frozenset[NormalizedName]] = {}  # metadata built by then
    pinned_before: dict[NormalizedName, Version] = {}
    several = len(targets) > 1
    for target in targets:
        wanted = {**pinned_before, **session.policy.preferences, **preferences.get(target, {})}
        target_session = _for_target(session, target, wanted, several=len(targets) > 1)
        resolution = _resolve_target(inputs, target_session, direct, builder)
        if several:  # read what its pins need while the next targets resolve
            read_facts_ahead(list(resolution.releases.values()), target_session)
        sessions.append(target_session)
        resolutions[target] = resolution
        built[target] = frozenset(builder.built if builder is not None else ())
        for name, release in sorted(resolution.releases.items()):
            pinned_before.setdefault(name, release.candidate.version)
    graphs = [
        _pin_target(resolutions[each.target], each, built[each.target], cache, read_ahead=several)
        for each in sessions
    ]
    index.save_parsed_imports()
    return Lock(
        graphs=tuple(graphs),
        sources=inputs.sources,
        index_urls=index.index_urls,
        splits=version_splits(graphs, resolutions, session),
    )


def _for_target(
    session: LockSession,
    target: Target,
    preferences: Mapping[NormalizedName, Version],
    *,
    several: bool,
) -> LockSession:
    """The session of one target: its preferences, and its name before each step of
    the progress line when the lock has several."""
    progress = session.progress
    locked = dataclasses.replace(
        session.for_target(target), policy=session.policy.preferring(preferences)
    )
    if not several:
        return locked
    return dataclasses.replace(locked, progress=lambda step: progress(f"{target.key}: {step}"))


def _resolve_target(
    inputs: RequirementSet,
    session: LockSession,
    direct: Mapping[NormalizedName, DirectRelease],
    builder: MetadataBuilder | None,
) -> Resolution:
    index, target = session.index, session.target
    if inputs.locked is not None:  # the lock's pins, instead of a resolution
        factory = Factory(
            source=index,
            target=target,
            policy=session.policy,
            direct=direct,
            prefetcher=session.prefetcher,
            builder=builder,
        )
        return locked_resolution(inputs.locked, factory)
    return resolve(
        inputs.requirements,
        index,
        target,
        session.policy,
        direct=direct,
        prefetcher=session.prefetcher,
        look_ahead=BuildFactsLookAhead(session),
        builder=builder,
        progress=session.progress,
    )


def _pin_target(
    resolution: Resolution,
    session: LockSession,
    built: frozenset[NormalizedName],
    cache: LockCache | None,
    *,
    read_ahead: bool,
) -> LockGraph:
    """The target's graph: its releases pinned, its build tools locked.

    :param built: the projects whose metadata a build backend made so far.
    :param read_ahead: what the pins need is being read in the background.
    """
    index, target = session.index, session.target
    tools_key = tool_sets_key(
        index.index_urls, target, build_constraint_texts(session.policy.build_constraints)
    )
    resolved = cached_tool_sets(cache, tools_key) if cache is not None else {}
    known = len(resolved)
    pins, build_tools = pin_releases(resolution, session, resolved, read_ahead=read_ahead)
    _warn_of_yanked(pins)
    if cache is not None:
        store_tool_sets(cache, tools_key, resolved, known=known)
    return LockGraph(
        target=target,
        pins=pins,
        roots=resolution.roots,
        broken_edges=resolution.broken_edges,
        build_tools=build_tools,
        built_metadata=tuple(sorted(built & {pin.name for pin in pins})),
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


def index_urls(options: IndexOptions, inputs: RequirementSet) -> list[str]:
    """The indexes to use: command line, then requirements files, then the environment."""
    main = options.index_url or inputs.index_url or index_url_from_environment()
    extras = [*options.extra_index_urls, *inputs.extra_index_urls]
    return list(dict.fromkeys([main or DEFAULT_INDEX_URL, *extras]))
