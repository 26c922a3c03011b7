"""Locking, shared by every command: set up the index, resolve, count what it cost."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.index.cache import Cache
from pypi2nix.index.client import HttpClient
from pypi2nix.index.prefetch import Prefetcher
from pypi2nix.index.repository import PackageIndex
from pypi2nix.options import DEFAULT_INDEX_URL, index_url_from_environment
from pypi2nix.resolve import lock

if TYPE_CHECKING:
    from collections.abc import Mapping

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.models import LockGraph, RequirementSet
    from pypi2nix.options import IndexOptions
    from pypi2nix.target import Target
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
    pre: bool,
    index_options: IndexOptions,
    console: Console,
    preferences: Mapping[NormalizedName, Version] | None = None,
    prefer_wheels: bool = False,
) -> LockRun:
    """Resolve the inputs for the target against the index, with the cache and threads
    the options ask for.

    :param preferences: versions to keep when they still fit (existing pins).
    """
    started = time.monotonic()
    client = HttpClient()
    index = PackageIndex(
        client,
        index_urls(index_options, inputs),
        cache=Cache(index_options.cache_dir),
        offline=index_options.offline,
        refresh=index_options.refresh,
        progress=console.progress,
    )
    console.set_status(
        lambda: f"[{client.stats.requests} requests, {client.stats.bytes / 1e6:.1f} MB]"
    )
    prefetcher = Prefetcher(index_options.workers)
    try:
        graph = lock(
            inputs,
            index,
            target,
            pre=pre,
            prefer_wheels=prefer_wheels,
            preferences=preferences,
            prefetcher=prefetcher,
            progress=console.progress,
        )
    finally:
        prefetcher.close()
        console.clear()
    logger.info("%s", index.sdist_reads.describe())
    return LockRun(
        graph=graph,
        seconds=time.monotonic() - started,
        requests=client.stats.requests,
        bytes=client.stats.bytes,
    )


def index_urls(options: IndexOptions, inputs: RequirementSet) -> list[str]:
    """The indexes to use: command line, then requirements files, then the environment."""
    main = options.index_url or inputs.index_url or index_url_from_environment()
    extras = [*options.extra_index_urls, *inputs.extra_index_urls]
    return list(dict.fromkeys([main or DEFAULT_INDEX_URL, *extras]))
