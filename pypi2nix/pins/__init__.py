"""Pins: a :class:`~pypi2nix.resolve.Resolution` to the pins of a
:class:`~pypi2nix.models.LockGraph`: the file each is built from, its build system
and locked build tools, its import check and its ``meta``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.pins.assemble import make_pins
from pypi2nix.pins.build_tools import (
    ToolSets,
    build_environment_wheels,
    builds_without_nixpkgs_tools,
    lock_build_tools,
)
from pypi2nix.pins.facts import BuildFactsLookAhead, ReleaseFacts, best_wheel, gather_facts

if TYPE_CHECKING:
    from pypi2nix.models import BuildTool, DistFile, Pin
    from pypi2nix.resolve import Candidate, Resolution
    from pypi2nix.session import LockSession

__all__ = [
    "BuildFactsLookAhead",
    "ToolSets",
    "build_environment_wheels",
    "pin_releases",
]


def pin_releases(
    resolution: Resolution, session: LockSession, resolved: ToolSets
) -> tuple[tuple[Pin, ...], tuple[BuildTool, ...]]:
    """The pins of every resolved release (in name order) with their build tools
    locked, and those tools.

    Each pin is built from the file the policy chooses; an sdist that would build only
    where nixpkgs has its build tools takes its wheel instead, where the policy lets it.

    :param resolved: the sets of build requirements resolved so far in this lock
        (read and added to).
    """
    releases = [release for _, release in sorted(resolution.releases.items())]
    facts = {fact.name: fact for fact in gather_facts(releases, session)}
    falling_back = [
        fact.release for fact in facts.values() if _takes_its_wheel(fact, session, resolved)
    ]
    if falling_back:
        wheels = gather_facts(falling_back, session, sources=_its_wheel)
        facts.update((fact.name, fact) for fact in wheels)
    return lock_build_tools(make_pins(resolution, facts), session, resolved)


def _takes_its_wheel(fact: ReleaseFacts, session: LockSession, resolved: ToolSets) -> bool:
    candidate = fact.release.candidate
    return (
        fact.source.kind == "sdist"
        and candidate.direct is None
        and best_wheel(candidate) is not None
        and session.policy.sources.falls_back(candidate.name)
        and not builds_without_nixpkgs_tools(
            fact.build_requirements, fact.build_backend, session, resolved
        )
    )


def _its_wheel(candidate: Candidate) -> DistFile:
    wheel = best_wheel(candidate)
    assert wheel is not None  # only releases with a wheel fall back
    return wheel
