"""What a release's extras add: the projects of each extra, and unknown extras."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from packaging.utils import NormalizedName, canonicalize_name

if TYPE_CHECKING:
    from pypi2nix.models import CoreMetadata
    from pypi2nix.resolve.base import Candidate
    from pypi2nix.target import Target

logger = logging.getLogger(__name__)


def optional_dependencies(
    target: Target, name: NormalizedName, metadata: CoreMetadata
) -> tuple[tuple[str, tuple[NormalizedName, ...]], ...]:
    """Each extra the release declares, with the projects it adds for the target; an
    extra that asks for other extras of the project itself gets theirs too."""
    direct: dict[str, set[NormalizedName]] = {}
    own_extras: dict[str, set[str]] = {}
    extras: list[str] = sorted({canonicalize_name(e) for e in metadata.provides_extra})
    for extra in extras:
        direct[extra], own_extras[extra] = set(), set()
    for requirement in metadata.requires_dist:
        if requirement.url:
            continue
        dependency = canonicalize_name(requirement.name)
        for added in target.extras_adding(requirement.marker, extras):
            if dependency == name:
                own_extras[added].update(canonicalize_name(e) for e in requirement.extras)
            else:
                direct[added].add(dependency)

    def closure(extra: str) -> set[NormalizedName]:
        """The projects of every extra reachable from ``extra`` (each visited once)."""
        reached, pending, names = {extra}, [extra], set()
        while pending:
            current = pending.pop()
            names |= direct.get(current, set())
            fresh = own_extras.get(current, set()) - reached
            reached |= fresh
            pending.extend(fresh)
        return names

    return tuple((extra, tuple(sorted(closure(extra)))) for extra in sorted(direct))


def warn_unknown_extras(candidate: Candidate, metadata: CoreMetadata) -> None:
    provided = {canonicalize_name(extra) for extra in metadata.provides_extra}
    for extra in sorted(candidate.extras - provided):
        if provided or not metadata.requires_dist:
            logger.warning("%s %s has no extra %r", candidate.name, candidate.version, extra)
