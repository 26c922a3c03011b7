"""The projects a lock of several targets pins at different versions, and why: each
target after the first prefers the versions pinned before it, so a version differs
only where the first one cannot be used (its release, or a requirement, rules it out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from pypi2nix.models import VersionSplit
from pypi2nix.resolve import why_not

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from packaging.utils import NormalizedName

    from pypi2nix.models import LockGraph
    from pypi2nix.resolve import Resolution
    from pypi2nix.session import LockSession
    from pypi2nix.target import Target


def version_splits(
    graphs: Sequence[LockGraph],
    resolutions: Mapping[Target, Resolution],
    session: LockSession,
) -> tuple[VersionSplit, ...]:
    """Each project pinned at more than one version, with its versions (first pinned
    first) and the reason the first does not serve the others."""
    versions: dict[NormalizedName, dict[str, list[Target]]] = {}
    for graph in graphs:
        for pin in graph.pins:
            versions.setdefault(pin.name, {}).setdefault(pin.version, []).append(graph.target)
    splits = []
    for name, by_version in sorted(versions.items()):
        if len(by_version) < 2:
            continue
        first, *others = by_version
        target = by_version[others[0]][0]
        reason = _why_not(name, first, target, resolutions[target], session)
        splits.append(
            VersionSplit(
                name=name,
                versions=tuple((version, tuple(on)) for version, on in by_version.items()),
                reason=reason,
            )
        )
    return tuple(splits)


def _why_not(
    name: NormalizedName,
    version: str,
    target: Target,
    resolution: Resolution,
    session: LockSession,
) -> str:
    """What keeps ``version`` off the target: its release, or the requirements on it."""
    release = why_not(session.index, target, session.policy, name, Version(version))
    if release is not None:
        return f"{name} {version} {release}"
    pinned = resolution.releases.get(name)
    excluding = [
        f"{specifier} (from {requested_by})"
        for specifier, requested_by in (pinned.demands if pinned is not None else ())
        if not _allows(specifier, version)
    ]
    if excluding:
        return f"{target.describe()} asks for {name} {', '.join(excluding)}"
    return f"the requirements of {target.describe()} rule out {name} {version}"


def _allows(specifier: str, version: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True
