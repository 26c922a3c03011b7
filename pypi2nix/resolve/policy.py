"""The resolution policy: one value for everything the user decides about which
versions and files may be pinned."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.filenames import is_binary_wheel
from pypi2nix.resolve.base import Requirement
from pypi2nix.resolve.reasons import NoSdist, NoWheel

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from pypi2nix.models import DistFile, InputRequirement, Pin, RequirementSet
    from pypi2nix.target import Target

logger = logging.getLogger(__name__)

ALL = ":all:"
# wheel-first: a wheel for the target when the release has one, else its sdist (what
# pip and uv install; the default); source: the sdist, and releases without one are
# not candidates (--no-binary); binary: a wheel for the target, likewise
# (--only-binary); sdist-first: the sdist when there is one (nixpkgs' own way, for
# `package`). A release with one kind of file only gets that one.
SourceMode = Literal["wheel-first", "source", "binary", "sdist-first"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SourcePolicy:
    """Which file each pin is built from, with pip's and uv's spellings: the one place
    that reads ``--no-binary`` and ``--only-binary``.

    :param no_binary: normalized names (or ``:all:``) built from their sdist.
    :param only_binary: normalized names (or ``:all:``) installed from a wheel.
    :param default: the mode of every other pin.
    """

    no_binary: frozenset[str] = frozenset()
    only_binary: frozenset[str] = frozenset()
    default: SourceMode = "wheel-first"

    def mode(self, name: NormalizedName) -> SourceMode:
        """A name given on its own beats ``:all:``."""
        if name in self.no_binary:
            return "source"
        if name in self.only_binary:
            return "binary"
        if ALL in self.no_binary:
            return "source"
        if ALL in self.only_binary:
            return "binary"
        return self.default

    def merged(self, no_binary: Iterable[str], only_binary: Iterable[str]) -> SourcePolicy:
        """This policy with more names (from a requirements file)."""
        return SourcePolicy(
            no_binary=self.no_binary | frozenset(no_binary),
            only_binary=self.only_binary | frozenset(only_binary),
            default=self.default,
        )

    def refuses(
        self, name: NormalizedName, files: Sequence[DistFile], target: Target
    ) -> NoSdist | NoWheel | None:
        """Why a release with these files (those for the target) cannot be pinned under
        this policy; ``None`` when it can."""
        mode = self.mode(name)
        if mode == "source" and not any(file.kind == "sdist" for file in files):
            return NoSdist()
        if mode == "binary" and not any(file.kind == "wheel" for file in files):
            return NoWheel(target.python, target.system)
        return None

    def choose(self, name: NormalizedName, files: Sequence[DistFile]) -> DistFile:
        """The file a pin is built from: ``files`` are those of the release for the
        target, best first (wheels before the sdist), and are not refused (see
        :data:`SourceMode`)."""
        best_wheel = files[0] if files[0].kind == "wheel" else None
        sdist = next((file for file in files if file.kind == "sdist"), None)
        if best_wheel is None or sdist is None:
            return files[0]
        return best_wheel if self.mode(name) in ("binary", "wheel-first") else sdist

    def flag(self, name: NormalizedName) -> str:
        """The flag that sets the mode of ``name``, as given (``--no-binary :all:``)."""
        for flag, names in (("--no-binary", self.no_binary), ("--only-binary", self.only_binary)):
            if name in names:
                return f"{flag} {name}"
        for flag, names in (("--no-binary", self.no_binary), ("--only-binary", self.only_binary)):
            if ALL in names:
                return f"{flag} {ALL}"
        return ""

    def falls_back(self, name: NormalizedName) -> bool:
        """Whether a pin whose sdist cannot be built where nixpkgs lacks its build tool
        (or whose backend downloads at build time) takes its wheel instead: unless the
        user asked for the sdist."""
        return self.mode(name) not in ("source", "binary")

    def key(self) -> list[object]:
        """This policy's part of a lock's key."""
        return [sorted(self.no_binary), sorted(self.only_binary), self.default]

    def arguments(self) -> list[str]:
        """This policy as command-line arguments (names sorted)."""
        words: list[str] = []
        for flag, names in (("--no-binary", self.no_binary), ("--only-binary", self.only_binary)):
            if names:
                words += [flag, ",".join(sorted(names))]
        return words


WHEELS_ONLY = SourcePolicy(only_binary=frozenset({ALL}))


def binary_names(names: list[str], value: str) -> list[str]:
    """pip's ``--no-binary``/``--only-binary`` value added to the names so far:
    comma-separated names, ``:all:``, or ``:none:`` to forget the earlier ones."""
    for item in (part.strip() for part in value.split(",")):
        if item == ":none:":
            names = []
        elif item:
            names = [*names, item if item == ALL else canonicalize_name(item)]
    return names


def has_compiled_code(files: Iterable[DistFile]) -> bool:
    """Whether a release publishes platform-specific wheels: then it has compiled code."""
    return any(is_binary_wheel(file.filename) for file in files)


@dataclass(frozen=True, slots=True, kw_only=True)
class ResolutionPolicy:
    """Which versions may be pinned, which is tried first, and which file a pin uses.

    :param pre: allow pre-releases everywhere (else only where a specifier names one,
        or no final release matches).
    :param sources: which file each pin is built from.
    :param preferences: per project, a version to try first (the existing pin).
    :param hashes: per project, the sha256 digests the user allowed with ``--hash``.
    :param constraints: per project, constraints that narrow without adding a root.
    :param builds: whether an sdist's build backend may run for metadata no static
        file gives (``--no-build``: no).
    :param build_constraints: constraints on build requirements only
        (``--build-constraint``): they narrow the build tools locked from wheels, those
        a metadata hook installs, and the versions of nixpkgs' tools a pin accepts.
    """

    pre: bool = False
    sources: SourcePolicy = SourcePolicy()
    preferences: Mapping[NormalizedName, Version] = field(default_factory=dict)
    hashes: Mapping[NormalizedName, frozenset[str]] = field(default_factory=dict)
    # Every constraint, markers not yet applied (see constraints_for).
    constraints: tuple[InputRequirement, ...] = ()
    builds: bool = True
    build_constraints: tuple[InputRequirement, ...] = ()

    @classmethod
    def for_inputs(
        cls,
        inputs: RequirementSet,
        *,
        pre: bool = False,
        sources: SourcePolicy | None = None,
        preferences: Mapping[NormalizedName, Version] | None = None,
        builds: bool = True,
        build_constraints: tuple[InputRequirement, ...] = (),
    ) -> ResolutionPolicy:
        """The policy of a lock: the options, plus what the inputs themselves say
        (``--pre``, ``--no-binary`` and ``--only-binary`` lines, ``--hash`` options,
        constraint files)."""
        return cls(
            pre=pre or inputs.pre,
            sources=(sources or SourcePolicy()).merged(inputs.no_binary, inputs.only_binary),
            preferences=dict(preferences or {}),
            hashes=_user_hashes([*inputs.requirements, *inputs.constraints]),
            constraints=inputs.constraints,
            builds=builds,
            build_constraints=build_constraints,
        )

    def constraints_for(self, target: Target) -> dict[NormalizedName, tuple[Requirement, ...]]:
        """Per project, the constraints whose marker holds for the target."""
        return _constraints(applicable(self.constraints, target))

    def build_constraints_for(
        self, target: Target
    ) -> dict[NormalizedName, tuple[Requirement, ...]]:
        """Per project, the build constraints whose marker holds for the target."""
        return _constraints(applicable(self.build_constraints, target))

    def for_build_tools(self) -> ResolutionPolicy:
        """The policy build requirements are resolved with: from wheels only (a wheel
        needs no build system, so a tool never needs itself), within the build
        constraints (and only those: as pip's and uv's, the lock's own constraints do
        not reach build environments)."""
        return ResolutionPolicy(
            sources=WHEELS_ONLY,
            constraints=self.build_constraints,
            build_constraints=self.build_constraints,
        )

    def key(self) -> dict[str, object]:
        """This policy's part of a lock's key (with the preferences it holds; those
        each target has of its own are the caller's)."""
        key: dict[str, object] = {
            "pre": self.pre,
            "builds": self.builds,
            "sources": self.sources.key(),
            "hashes": sorted((name, sorted(digests)) for name, digests in self.hashes.items()),
            "preferences": sorted((name, str(v)) for name, v in self.preferences.items()),
        }
        if self.build_constraints:  # only when given: earlier keys stay the same
            key["build_constraints"] = build_constraint_texts(self.build_constraints)
        return key

    def preferring(self, preferences: Mapping[NormalizedName, Version]) -> ResolutionPolicy:
        """This policy, trying these versions first."""
        return replace(self, preferences=dict(preferences))


def build_constraint_texts(entries: Iterable[InputRequirement]) -> list[str]:
    """Build constraints as sorted requirement texts (a key's part)."""
    return sorted({str(entry.requirement) for entry in entries})


def pinned_versions(pins: Iterable[Pin]) -> dict[NormalizedName, Version]:
    """The versions of pins, as preferences (a version that is not PEP 440 is left out)."""
    preferences = {}
    for pin in pins:
        with contextlib.suppress(InvalidVersion):
            preferences[pin.name] = Version(pin.version)
    return preferences


def applicable(entries: Iterable[InputRequirement], target: Target) -> list[InputRequirement]:
    """The entries whose marker holds for the target (the others are logged)."""
    kept = []
    for entry in entries:
        marker = entry.requirement.marker
        if target.evaluates(marker):
            kept.append(entry)
        else:
            logger.info("%s: skipping %s, its marker is false for the target", entry.origin, marker)
    return kept


def _constraints(
    entries: Iterable[InputRequirement],
) -> dict[NormalizedName, tuple[Requirement, ...]]:
    constraints: dict[NormalizedName, tuple[Requirement, ...]] = {}
    for entry in entries:
        requirement = Requirement.from_packaging(entry.requirement, requested_by=str(entry.origin))
        constraints[requirement.name] = (*constraints.get(requirement.name, ()), requirement)
    return constraints


def _user_hashes(entries: Iterable[InputRequirement]) -> dict[NormalizedName, frozenset[str]]:
    hashes: dict[NormalizedName, frozenset[str]] = {}
    for entry in entries:
        if entry.hashes:
            name = canonicalize_name(entry.requirement.name)
            hashes[name] = hashes[name] & entry.hashes if name in hashes else entry.hashes
    return hashes
