"""Pins: a :class:`~pypi2nix.resolve.Resolution` to the pins of a
:class:`~pypi2nix.models.LockGraph`: the file each is built from, its build system
and locked build tools, its import check and its ``meta``."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from pypi2nix.dists.old_setup import mode_u_reason, runs_mode_u
from pypi2nix.pins.assemble import make_pins
from pypi2nix.pins.build_tools import (
    ToolSets,
    build_environment_wheels,
    lock_build_tools,
    wheel_fallback_reason,
)
from pypi2nix.pins.facts import (
    BuildFactsLookAhead,
    ReleaseFacts,
    best_wheel,
    gather_facts,
    read_facts_ahead,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pypi2nix.models import BuildTool, DistFile, Pin
    from pypi2nix.resolve import Candidate, Resolution
    from pypi2nix.session import LockSession

logger = logging.getLogger(__name__)

__all__ = [
    "BuildFactsLookAhead",
    "ToolSets",
    "build_environment_wheels",
    "pin_releases",
    "read_facts_ahead",
]


def pin_releases(
    resolution: Resolution, session: LockSession, resolved: ToolSets, *, read_ahead: bool = False
) -> tuple[tuple[Pin, ...], tuple[BuildTool, ...]]:
    """The pins of every resolved release (in name order) with their build tools
    locked, and those tools.

    Each pin is built from the file the policy chooses; an sdist that would build only
    where nixpkgs has its build tools takes its wheel instead, where the policy lets it.

    :param resolved: the sets of build requirements resolved so far in this lock
        (read and added to).
    :param read_ahead: the releases' reads were started (:func:`read_facts_ahead`).
    """
    releases = [release for _, release in sorted(resolution.releases.items())]
    gathered = gather_facts(releases, session, read_ahead=read_ahead)
    facts = {fact.name: fact for fact in gathered}
    reasons = {
        name: reason
        for name, fact in facts.items()
        if (reason := _why_its_wheel(fact, session, resolved)) is not None
    }
    if reasons:
        falling_back = [facts[name].release for name in reasons]
        wheels = gather_facts(falling_back, session, sources=_its_wheel)
        facts.update((fact.name, fact) for fact in wheels)
    _warn_of_old_setup_py(facts.values(), session.target.python)
    pins = tuple(
        dataclasses.replace(pin, wheel_reason=reasons[pin.name]) if pin.name in reasons else pin
        for pin in make_pins(resolution, facts)
    )
    return lock_build_tools(pins, session, resolved)


def _warn_of_old_setup_py(facts: Iterable[ReleaseFacts], python: str) -> None:
    """A pin built from an sdist whose setup.py the target's Python cannot run: its
    metadata was read without running it, its build will run it."""
    for fact in facts:
        if fact.source.kind == "sdist" and fact.setup_py_mode_u and runs_mode_u(python):
            version = fact.release.candidate.version
            logger.warning("%s %s: %s", fact.name, version, mode_u_reason(python))


def _why_its_wheel(fact: ReleaseFacts, session: LockSession, resolved: ToolSets) -> str | None:
    """Why the pin takes its wheel rather than its sdist (``None``: it does not)."""
    candidate = fact.release.candidate
    if (
        fact.source.kind != "sdist"
        or candidate.direct is not None
        or best_wheel(candidate) is None
        or not session.policy.sources.falls_back(candidate.name)
    ):
        return None
    return wheel_fallback_reason(fact.build_requirements, fact.build_backend, session, resolved)


def _its_wheel(candidate: Candidate) -> DistFile:
    wheel = best_wheel(candidate)
    assert wheel is not None  # only releases with a wheel fall back
    return wheel
