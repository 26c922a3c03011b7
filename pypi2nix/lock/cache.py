"""The lock cache: a finished lock, kept under a digest of everything it depends on
but the index's answers, and reused while every project page it was made from is
unchanged in the page cache."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix import __version__
from pypi2nix.lock.serialize import graph_from_json, graph_to_json

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from pypi2nix.index.repository import PackageIndex
    from pypi2nix.models import InputRequirement, LockGraph, RequirementSet
    from pypi2nix.resolve import ResolutionPolicy
    from pypi2nix.target import Target


def is_cacheable(inputs: RequirementSet) -> bool:
    """A direct source can change under the same inputs (a branch, a local folder)."""
    return not any(entry.direct for entry in inputs.requirements)


def lock_key(
    inputs: RequirementSet, index_urls: Sequence[str], target: Target, policy: ResolutionPolicy
) -> str:
    """A digest of everything a lock depends on, but the index's answers."""

    def entries(items: Iterable[InputRequirement]) -> list[list[object]]:
        return [[str(e.requirement), str(e.origin), sorted(e.hashes)] for e in items]

    facts = {
        "version": __version__,
        "requirements": entries(inputs.requirements),
        "constraints": entries(inputs.constraints),
        "sources": list(inputs.sources),
        "pre": policy.pre,
        "builds": policy.builds,
        "source_policy": [
            sorted(policy.sources.no_binary),
            sorted(policy.sources.only_binary),
            policy.sources.default,
        ],
        "index_urls": list(index_urls),
        "target": [target.python, target.system],
        "preferences": sorted((name, str(version)) for name, version in policy.preferences.items()),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedLock:
    graph: LockGraph
    # What the run that made it warned about (said again when it is reused).
    warnings: tuple[str, ...] = ()


def cached_lock(index: PackageIndex, key: str) -> CachedLock | None:
    """The lock cached under ``key``, while every page it was made from is fresh; a
    malformed entry is discarded."""
    if not index.cache.enabled or index.refresh:
        return None
    entry = index.cache.lock(key)
    if entry is None:
        return None
    try:
        if not index.pages_unchanged(entry["pages"]):
            return None
        warnings = tuple(str(warning) for warning in entry.get("warnings", ()))
        return CachedLock(graph_from_json(entry["graph"]), warnings)
    except (KeyError, TypeError, ValueError, AttributeError):
        index.cache.discard_lock(key)
        return None


def store_lock(
    index: PackageIndex, key: str, graph: LockGraph, warnings: Sequence[str] = ()
) -> None:
    """Keep the lock with the pages it was made from (and when they were fetched), and
    the warnings said while it was made."""
    if index.cache.enabled:
        pages = index.consulted_pages()
        index.cache.store_lock(
            key, {"pages": pages, "graph": graph_to_json(graph), "warnings": list(warnings)}
        )
