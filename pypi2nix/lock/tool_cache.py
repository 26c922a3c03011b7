"""The build tools' cache: each set of build requirements resolved (from wheels), kept
under a digest of the target and the indexes, and reused while every project page
its resolution read is unchanged in the page cache (as a lock is). An edit of the
requirements then resolves only the sets it has not seen."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from packaging.utils import NormalizedName, canonicalize_name

from pypi2nix import __version__
from pypi2nix.lock.serialize import build_tool_from_json, build_tool_to_json
from pypi2nix.models import BuildRequirement
from pypi2nix.pins.build_tools import ToolSet, ToolSets

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypi2nix.lock.cache import LockCache
    from pypi2nix.target import Target

KIND = "tools"


def tool_sets_key(
    index_urls: Sequence[str], target: Target, build_constraints: Sequence[str] = ()
) -> str:
    """:param build_constraints: their texts, sorted (they narrow every set)."""
    facts: list[object] = [__version__, target.python, target.system, list(index_urls)]
    if build_constraints:  # only when given: earlier keys stay the same
        facts.append(list(build_constraints))
    return hashlib.sha256(json.dumps(facts).encode()).hexdigest()


def cached_tool_sets(cache: LockCache, key: str) -> ToolSets:
    """The sets cached under ``key`` (:func:`tool_sets_key`) whose pages are all
    unchanged; an entry that fails the checks is discarded."""
    if not cache.readable:
        return {}
    entry = cache.store.read_json(KIND, key)
    if entry is None:
        return {}
    try:
        sets = [_tool_set(item) for item in entry["sets"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        cache.store.discard(KIND, key)
        return {}
    return {
        requirements: tool_set
        for requirements, tool_set in sets
        if tool_set.pages is not None and cache.pages.pages_unchanged(tool_set.pages)
    }


def store_tool_sets(cache: LockCache, key: str, sets: ToolSets, *, known: int) -> None:
    """Keep the sets whose answer lasts (``known``: how many came from the cache;
    nothing is written when no other was resolved)."""
    lasting = {requirements: tool_set for requirements, tool_set in sets.items() if tool_set.pages}
    if not cache.store.enabled or len(lasting) <= known:
        return
    items = [_tool_set_json(requirements, lasting[requirements]) for requirements in lasting]
    cache.store.write_json(KIND, key, {"sets": sorted(items, key=json.dumps)})


def _tool_set_json(requirements: tuple[BuildRequirement, ...], tool_set: ToolSet) -> Any:
    return {
        "requirements": [[r.name, r.specifier, list(r.extras)] for r in requirements],
        "keys": tool_set.keys,
        "tools": [build_tool_to_json(tool) for tool in tool_set.tools],
        "pages": tool_set.pages,
    }


def _tool_set(item: dict[str, Any]) -> tuple[tuple[BuildRequirement, ...], ToolSet]:
    """:raises KeyError, TypeError, ValueError: for an entry of another shape or type."""
    if set(item) != {"requirements", "keys", "tools", "pages"}:
        raise ValueError("not a tool set")
    requirements = tuple(_requirement(value) for value in item["requirements"])
    keys, pages = item["keys"], item["pages"]
    if keys is not None and not (type(keys) is dict and _strings([*keys, *keys.values()])):
        raise TypeError("keys")
    if type(pages) is not dict or not pages or not _strings(list(pages)):
        raise TypeError("pages")
    if not all(type(fetched) in (int, float) for fetched in pages.values()):
        raise TypeError("pages")
    tools = tuple(build_tool_from_json(tool) for tool in item["tools"])
    return requirements, ToolSet(keys, tools, pages)


def _requirement(value: Any) -> BuildRequirement:
    name, specifier, extras = value
    if not (type(name) is str and type(specifier) is str and _strings(extras)):
        raise TypeError("requirement")
    if canonicalize_name(name) != name:
        raise ValueError("requirement")
    return BuildRequirement(name=NormalizedName(name), specifier=specifier, extras=tuple(extras))


def _strings(values: Any) -> bool:
    return type(values) is list and all(type(value) is str for value in values)
