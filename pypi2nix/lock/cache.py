"""The lock cache: a finished lock, kept under a digest of everything it depends on
but the index's answers, and reused while every project page it was made from is
unchanged in the page cache."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import msgspec

from pypi2nix import __version__
from pypi2nix.lock.serialize import lock_from_json, lock_to_json

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from packaging.utils import NormalizedName
    from packaging.version import Version

    from pypi2nix.models import InputRequirement, Lock, RequirementSet
    from pypi2nix.resolve import ResolutionPolicy
    from pypi2nix.store import Store
    from pypi2nix.target import Target

KIND = "locks"


class PageLedger(Protocol):
    """The project pages a run read, which a cached answer is checked against."""

    def consulted_pages(self) -> dict[str, float]:
        """Every page read this run, with when it was fetched."""
        ...

    def pages_unchanged(self, pages: dict[str, float]) -> bool:
        """Whether pages read at those times are still the same."""
        ...


@dataclass(frozen=True, slots=True)
class LockCache:
    """The lock stage's entries of the store: locks and build tool sets.

    :param pages: the pages of this run, to check an entry against.
    :param reuse: False with ``--refresh``: entries are written, never reused.
    """

    store: Store
    pages: PageLedger
    reuse: bool = True

    @property
    def readable(self) -> bool:
        return self.store.enabled and self.reuse


def is_cacheable(inputs: RequirementSet) -> bool:
    """A direct source can change under the same inputs (a branch, a local folder), and
    so can a lock file."""
    return inputs.locked is None and not any(entry.direct for entry in inputs.requirements)


def lock_key(
    inputs: RequirementSet,
    index_urls: Sequence[str],
    targets: Sequence[Target],
    policy: ResolutionPolicy,
    preferences: Mapping[Target, Mapping[NormalizedName, Version]],
) -> str:
    """A digest of everything a lock depends on, but the index's answers.

    :param preferences: per target, the versions it tries first.
    """

    def entries(items: Iterable[InputRequirement]) -> list[list[object]]:
        return [[str(e.requirement), str(e.origin), sorted(e.hashes)] for e in items]

    facts = {
        "version": __version__,
        "requirements": entries(inputs.requirements),
        "constraints": entries(inputs.constraints),
        "sources": list(inputs.sources),
        "policy": policy.key(),
        "index_urls": list(index_urls),
        "targets": [[target.python, target.system] for target in targets],
        "preferences": [
            sorted((name, str(version)) for name, version in preferences.get(target, {}).items())
            for target in targets
        ],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedLock:
    lock: Lock
    # A digest of the lock's content (what its rendered files are remembered by).
    digest: str
    # What the run that made it warned about (said again when it is reused).
    warnings: tuple[str, ...] = ()


def cached_lock(cache: LockCache, key: str) -> CachedLock | None:
    """The lock cached under ``key``, while every page it was made from is fresh; a
    malformed entry is discarded."""
    if not cache.readable:
        return None
    entry = cache.store.read_json(KIND, key)
    if entry is None:
        return None
    try:
        if not cache.pages.pages_unchanged(entry["pages"]):
            return None
        warnings = tuple(str(warning) for warning in entry.get("warnings", ()))
        digest = entry["digest"]
        if not isinstance(digest, str):
            raise TypeError("the digest is not a string")
        return CachedLock(lock_from_json(entry["lock"]), digest, warnings)
    except (KeyError, TypeError, ValueError, AttributeError):
        cache.store.discard(KIND, key)
        return None


def store_lock(
    cache: LockCache, keys: Iterable[str], lock: Lock, warnings: Sequence[str] = ()
) -> str | None:
    """Keep the lock under each key, with the pages it was made from (and when they
    were fetched), and the warnings said while it was made.

    :returns: the digest of the lock's content (``None`` without a cache).
    """
    if not cache.store.enabled:
        return None
    data = lock_to_json(lock)
    digest = hashlib.sha256(msgspec.json.encode(data)).hexdigest()
    pages = cache.pages.consulted_pages()
    value = {"pages": pages, "lock": data, "digest": digest, "warnings": list(warnings)}
    for key in dict.fromkeys(keys):
        cache.store.write_json(KIND, key, value)
    return digest
