"""Locked copies of the build tools, for nixpkgs revisions that lack one or have it at
a version an sdist rules out.

The build requirements of the pins built from source are resolved again, from wheels
only (a wheel needs no build system, so a tool never needs itself), one resolution
per distinct set of requirements: those of one sdist must fit together, those of two
sdists need not. Each pinned tool is a :class:`BuildTool`; each build requirement
names the copy that serves it.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from pypi2nix.errors import Origin, ProjectNotFound, Pypi2NixError, ResolutionError
from pypi2nix.filenames import is_binary_wheel
from pypi2nix.models import BuildRequirement, BuildTool, InputRequirement, Pin
from pypi2nix.pins.assemble import make_pins
from pypi2nix.pins.facts import gather_facts
from pypi2nix.project_files import NETWORK_BACKENDS
from pypi2nix.resolve import ResolutionPolicy, resolve
from pypi2nix.resolve.policy import WHEELS_ONLY

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from pypi2nix.models import DistFile
    from pypi2nix.resolve import Resolution
    from pypi2nix.session import LockSession

logger = logging.getLogger(__name__)

# The policy of build tools when no build constraint is given.
FROM_WHEELS = ResolutionPolicy(sources=WHEELS_ONLY)


@dataclass(frozen=True, slots=True)
class ToolSet:
    """One set of build requirements resolved: the key of each requirement's tool
    (None: the set cannot be resolved), the tools pinned, and the project pages the
    resolution read, with when they were fetched (None: one could not be read)."""

    keys: dict[str, str] | None
    tools: tuple[BuildTool, ...]
    pages: dict[str, float] | None


# Each set of build requirements resolved so far. The answer depends on nothing but
# the target, the indexes and the pages it read, so a lock asks once, however often
# the pins are made again (and the lock cache keeps it while those pages are unchanged).
ToolSets = dict[tuple[BuildRequirement, ...], ToolSet]


def lock_build_tools(
    pins: Iterable[Pin], session: LockSession, resolved: ToolSets
) -> tuple[tuple[Pin, ...], tuple[BuildTool, ...]]:
    """The pins with each build requirement naming its locked tool, and the tools
    (sorted by key). A requirement no wheel satisfies gets no copy.

    :param resolved: the sets of build requirements resolved so far in this lock
        (read and added to).
    """
    pins = tuple(constrained(pin, session) for pin in pins)
    tools: dict[str, BuildTool] = {}
    chosen: dict[tuple[BuildRequirement, ...], dict[str, str]] = {}
    distinct = {pin.build_requirements for pin in pins if pin.build_requirements}
    for requirements in sorted(distinct, key=lambda group: list(map(requirement_text, group))):
        session.progress(f"build tools {', '.join(r.name for r in requirements)}")
        chosen[requirements] = _lock_set(requirements, session, resolved, tools)
    closures = _runtime_closures(pins)
    locked = tuple(
        dataclasses.replace(
            pin,
            build_requirements=tuple(
                _locate(requirement, chosen[pin.build_requirements], pin, tools, closures)
                for requirement in pin.build_requirements
            ),
        )
        if pin.build_requirements
        else pin
        for pin in pins
    )
    return locked, tuple(tools[key] for key in sorted(tools))


def constrained(pin: Pin, session: LockSession) -> Pin:
    """The pin with the build constraints (``--build-constraint``) of its build
    requirements joined to their specifiers: the locked copy is resolved within them,
    and nixpkgs' tool serves only at a version they allow."""
    constraints = session.policy.build_constraints_for(session.target)
    if not constraints or not any(r.name in constraints for r in pin.build_requirements):
        return pin
    requirements = []
    for requirement in pin.build_requirements:
        specifiers = {str(spec) for spec in SpecifierSet(requirement.specifier)}
        for constraint in constraints.get(requirement.name, ()):
            specifiers.update(str(spec) for spec in constraint.specifier)
        requirements.append(
            dataclasses.replace(requirement, specifier=",".join(sorted(specifiers)))
        )
    return dataclasses.replace(pin, build_requirements=tuple(requirements))


def builds_without_nixpkgs_tools(
    requirements: tuple[BuildRequirement, ...],
    backend: str | None,
    session: LockSession,
    resolved: ToolSets,
) -> bool:
    """Whether an sdist with these build requirements builds whatever nixpkgs holds: a
    wheel serves each of its build tools, and its backend does not download at build
    time."""
    return wheel_fallback_reason(requirements, backend, session, resolved) is None


def wheel_fallback_reason(
    requirements: tuple[BuildRequirement, ...],
    backend: str | None,
    session: LockSession,
    resolved: ToolSets,
) -> str | None:
    """Why an sdist with these build requirements may not build where nixpkgs lacks a
    tool (``None``: it builds whatever nixpkgs holds)."""
    if backend in NETWORK_BACKENDS:
        return f"its build backend ({backend}) downloads at build time, which a Nix build cannot"
    keys = _lock_set(requirements, session, resolved, {}) if requirements else {}
    missing = sorted({requirement.name for requirement in requirements} - set(keys))
    if not missing:
        return None
    several = len(missing) > 1
    return (
        f"its sdist's build tool{'s' if several else ''} {', '.join(missing)} "
        f"{'have' if several else 'has'} no wheel on the index to stand in where nixpkgs "
        f"lacks {'them' if several else 'it'}"
    )


def _locate(
    requirement: BuildRequirement,
    keys: dict[str, str],
    pin: Pin,
    tools: dict[str, BuildTool],
    closures: dict[str, frozenset[str]],
) -> BuildRequirement:
    """The requirement with its locked copy; locked only when nixpkgs' tool would need
    at run time a pin whose own closure holds ``pin`` (nixpkgs' packages take their
    dependencies from the final set, so the overlay's pins)."""
    key = keys.get(requirement.name)
    if key is None:
        return requirement
    tool_closure = _tool_closure(key, tools) - {requirement.name}
    cyclic = any(pin.name in closures.get(name, frozenset()) for name in tool_closure)
    return dataclasses.replace(requirement, tool=key, locked_only=cyclic)


def _tool_closure(key: str, tools: dict[str, BuildTool]) -> set[str]:
    names: set[str] = set()
    stack = [key]
    while stack:
        tool = tools[stack.pop()]
        if tool.pin.name not in names:
            names.add(tool.pin.name)
            stack.extend(tool.dependencies)
    return names


def _runtime_closures(pins: tuple[Pin, ...]) -> dict[str, frozenset[str]]:
    """Each pin with everything it needs at run time (itself included)."""
    edges = {pin.name: [dependency.name for dependency in pin.dependencies] for pin in pins}
    closures: dict[str, frozenset[str]] = {}
    for start in edges:
        seen: set[str] = set()
        stack = [start]
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(edges.get(name, ()))
        closures[start] = frozenset(seen)
    return closures


def _lock_set(
    requirements: tuple[BuildRequirement, ...],
    session: LockSession,
    resolved: ToolSets,
    tools: dict[str, BuildTool],
) -> dict[str, str]:
    """Resolve one set of build requirements from wheels; the key of each tool. When
    the set cannot be resolved together, each requirement is tried on its own, so one
    tool without wheels leaves only itself without a copy."""
    keys = _lock_requirements(requirements, session, resolved, tools)
    if keys is not None or len(requirements) == 1:
        return keys or {}
    found: dict[str, str] = {}
    for requirement in requirements:
        found.update(_lock_requirements((requirement,), session, resolved, tools) or {})
    return found


def _lock_requirements(
    requirements: tuple[BuildRequirement, ...],
    session: LockSession,
    resolved: ToolSets,
    tools: dict[str, BuildTool],
) -> dict[str, str] | None:
    if requirements not in resolved:
        resolved[requirements] = _resolve_requirements(requirements, session)
    for tool in resolved[requirements].tools:
        tools.setdefault(tool.key, tool)
    return resolved[requirements].keys


def _resolve_requirements(
    requirements: tuple[BuildRequirement, ...], session: LockSession
) -> ToolSet:
    index = session.index
    with index.recording_pages() as names:
        keys, pinned, lasting = _resolve_tools(requirements, session)
    return ToolSet(keys, pinned, index.pages_of(names) if lasting else None)


def _resolve_tools(
    requirements: tuple[BuildRequirement, ...], session: LockSession
) -> tuple[dict[str, str] | None, tuple[BuildTool, ...], bool]:
    """The keys and tools, and whether the answer lasts as long as the pages do (a
    failure to read a file does not)."""
    entries = _entries(requirement_text(requirement) for requirement in requirements)
    tool_session = session.with_policy(session.policy.for_build_tools())
    try:
        resolution = _resolve_from_wheels(entries, tool_session)
        releases = [release for _, release in sorted(resolution.releases.items())]
        facts = {fact.name: fact for fact in gather_facts(releases, tool_session)}
        tool_pins = make_pins(resolution, facts)
    except Pypi2NixError as error:
        logger.info("no locked copies of %s: %s", entries[0].origin.line, error)
        return None, (), isinstance(error, ResolutionError | ProjectNotFound)
    keys = {pin.name: tool_key(pin) for pin in tool_pins}
    pinned = tuple(
        BuildTool(
            key=keys[pin.name],
            pin=pin,
            dependencies=tuple(sorted(keys[dependency.name] for dependency in pin.dependencies)),
        )
        for pin in tool_pins
    )
    return {requirement.name: keys[requirement.name] for requirement in requirements}, pinned, True


def requirement_text(requirement: BuildRequirement) -> str:
    extras = f"[{','.join(requirement.extras)}]" if requirement.extras else ""
    return f"{requirement.name}{extras}{requirement.specifier}"


def tool_key(pin: Pin) -> str:
    """``name-version``, and the platform of a binary wheel (a tool locked for several
    targets may have a file for each)."""
    key = f"{pin.name}-{pin.version}"
    if not is_binary_wheel(pin.source.filename):
        return key
    return f"{key}-{pin.source.filename.removesuffix('.whl').rsplit('-', 1)[-1]}"


def build_environment_wheels(
    requirements: Sequence[str], session: LockSession
) -> tuple[DistFile, ...]:
    """The wheels that install ``requirements`` for the session's target (a build
    backend's environment), resolved through the index, wheels only.

    :raises Pypi2NixError: when they cannot be resolved.
    """
    tool_session = session.with_policy(session.policy.for_build_tools())
    resolution = _resolve_from_wheels(_entries(requirements), tool_session)
    return tuple(
        WHEELS_ONLY.choose(release.name, release.candidate.files)
        for _, release in sorted(resolution.releases.items())
    )


def _resolve_from_wheels(entries: list[InputRequirement], session: LockSession) -> Resolution:
    return resolve(
        entries, session.index, session.target, session.policy, prefetcher=session.prefetcher
    )


def _entries(texts: Iterable[str]) -> list[InputRequirement]:
    """Build requirements as inputs of a resolution (one origin names them all)."""
    texts = list(texts)
    origin = Origin("build requirements", None, ", ".join(texts))
    return [InputRequirement(requirement=Requirement(text), origin=origin) for text in texts]
