"""The lock target: which Python and which Nix system a lock is made for.

The one place that knows the target's PEP 508 marker environment, the wheel tags it
accepts, and the name of its interpreter in nixpkgs.
"""

from __future__ import annotations

import functools
import logging
import platform
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging import tags
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from pypi2nix.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from packaging.markers import Marker

logger = logging.getLogger(__name__)

DEFAULT_PYTHON = "3.13"
PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
# The CPython minor versions from 3.11 on that nixpkgs ships as python3XY (read from
# nixpkgs' pkgs/development/interpreters/python, master of 2026-11; 3.15 is a beta
# there, and python310 is gone).
UNIVERSAL_PYTHONS = ("3.11", "3.12", "3.13", "3.14")
DEFAULT_SYSTEM = "x86_64-linux"

# The glibc of current nixpkgs; manylinux wheels up to this version run there.
NIXPKGS_GLIBC_MINOR = 40
# nixpkgs' default macOS deployment target.
NIXPKGS_MACOS_VERSION = (11, 0)


@dataclass(frozen=True, slots=True)
class _Platform:
    sys_platform: str
    platform_system: str
    platform_machine: str
    wheel_arch: str


SYSTEMS = {
    "x86_64-linux": _Platform("linux", "Linux", "x86_64", "x86_64"),
    "aarch64-linux": _Platform("linux", "Linux", "aarch64", "aarch64"),
    "x86_64-darwin": _Platform("darwin", "Darwin", "x86_64", "x86_64"),
    "aarch64-darwin": _Platform("darwin", "Darwin", "arm64", "arm64"),
}


@dataclass(frozen=True, slots=True)
class Target:
    """One lock target: a CPython minor version and a Nix system."""

    python: str
    system: str

    @classmethod
    def parse(cls, python: str, system: str) -> Target:
        if python not in PYTHON_VERSIONS:
            raise UsageError(
                f"unsupported Python version {python!r}; choose one of {', '.join(PYTHON_VERSIONS)}"
            )
        if system not in SYSTEMS:
            raise UsageError(f"unsupported system {system!r}; choose one of {', '.join(SYSTEMS)}")
        return cls(python=python, system=system)

    @property
    def key(self) -> str:
        """The target's name in ``requirements.nix``: ``3.12-x86_64-linux``."""
        return f"{self.python}-{self.system}"

    @classmethod
    def from_key(cls, key: str) -> Target:
        """:raises UsageError: for a key that names no target pypi2nix locks for."""
        python, _, system = key.partition("-")
        return cls.parse(python, system)

    def describe(self) -> str:
        return f"Python {self.python} on {self.system}"

    @property
    def is_linux(self) -> bool:
        return SYSTEMS[self.system].sys_platform == "linux"

    def evaluates(self, marker: Marker | None, *, extra: str = "") -> bool:
        """Whether a PEP 508 marker holds for the target (no marker: it does), with
        ``extra`` as the extra being installed (``""``: none)."""
        if marker is None:
            return True
        return _evaluates(marker, self.python, self.system, extra)

    def extras_adding(self, marker: Marker | None, extras: Iterable[str]) -> list[str]:
        """Of ``extras`` (normalized names), those under which a marker holds that
        does not hold for the plain release, in the order given.

        Only the extras the marker compares ``extra`` with are evaluated: under any
        other name, ``==``, ``!=`` and the orderings answer as for the plain release.
        """
        if marker is None or self.evaluates(marker):
            return []
        named = _compared_extras(marker)
        return [
            extra
            for extra in extras
            if (named is None or extra in named) and self.evaluates(marker, extra=extra)
        ]

    def marker_environment(self) -> dict[str, str]:
        """The PEP 508 marker variables of the target (without ``extra``)."""
        return dict(_marker_environment(self.python, self.system))

    def allows_python(self, requires_python: str | None) -> bool:
        """Whether a ``Requires-Python`` admits the target's Python (an invalid one does)."""
        return requires_python is None or _specifier_allows(requires_python, f"{self.python}.0")

    def wheel_tags(self) -> dict[tags.Tag, int]:
        """Wheel tags the target accepts, mapped to their rank (0 is the best)."""
        return _wheel_tags(self.python, self.system)


def targets(pythons: Iterable[str], systems: Iterable[str]) -> tuple[Target, ...]:
    """Every combination, Pythons first, in the order given (each once).

    :raises UsageError: for a version or system pypi2nix does not lock for.
    """
    unique_systems = tuple(dict.fromkeys(systems))
    return tuple(
        Target.parse(python, system)
        for python in dict.fromkeys(pythons)
        for system in unique_systems
    )


def universal_targets(requires_python: str | None) -> tuple[Target, ...]:
    """The four systems times every Python nixpkgs ships from 3.11 on that
    ``requires_python`` allows (an invalid one allows every version)."""
    pythons = [
        python
        for python in UNIVERSAL_PYTHONS
        if requires_python is None or _specifier_allows(requires_python, f"{python}.0")
    ]
    return targets(pythons, SYSTEMS)


def describe_targets(chosen: Iterable[Target], among: Iterable[Target]) -> str:
    """Targets in few words: ``Python 3.11`` when the lock has it on these systems
    only, ``Python 3.11, 3.12 on x86_64-darwin``..., each Python with its systems."""
    chosen, among = list(dict.fromkeys(chosen)), list(dict.fromkeys(among))
    systems_of: dict[str, list[str]] = {}
    for target in chosen:
        systems_of.setdefault(target.python, []).append(target.system)
    all_systems = list(dict.fromkeys(target.system for target in among))
    groups: dict[tuple[str, ...], list[str]] = {}
    for python, systems in systems_of.items():
        key = () if systems == all_systems else tuple(systems)
        groups.setdefault(key, []).append(python)
    parts = []
    for shown, pythons in groups.items():
        where = f" on {', '.join(shown)}" if shown else ""
        parts.append(f"Python {', '.join(pythons)}{where}")
    return "; ".join(parts)


def host_target(fallback: Target) -> Target:
    """The interpreter running pypi2nix, as a target (build backends run on it);
    ``fallback`` when it is not one pypi2nix locks for."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(platform.machine().lower())
    machine = machine or platform.machine().lower()
    system = f"{machine}-{'darwin' if sys.platform == 'darwin' else 'linux'}"
    if python not in PYTHON_VERSIONS or system not in SYSTEMS:
        return fallback
    return Target(python=python, system=system)


def python_attribute(python: str) -> str:
    """The nixpkgs interpreter attribute of a Python minor version: ``3.13`` -> ``python313``."""
    return "python" + python.replace(".", "")


@functools.lru_cache(maxsize=65536)
def _evaluates(marker: Marker, python: str, system: str, extra: str) -> bool:
    """A marker for a target (remembered: the same markers come back release after
    release, and each evaluation builds the whole environment)."""
    return marker.evaluate({**_marker_environment(python, system), "extra": extra})


def _compared_extras(marker: Marker) -> frozenset[str] | None:
    """The names a marker compares ``extra`` with (normalized), or ``None`` when it
    could hold under a name it does not spell: a substring test (``in``), a
    comparison with the empty name, or a form this reading does not know."""
    names: set[str] = set()
    pending: list[object] = [getattr(marker, "_markers", None)]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, tuple) and len(item) == 3:
            left, operator, right = item
            kinds = (type(left).__name__, type(right).__name__)
            if "Variable" not in kinds:
                return None
            variable, value = (left, right) if kinds[0] == "Variable" else (right, left)
            if getattr(variable, "value", None) != "extra":
                continue
            text = getattr(value, "value", None)
            if type(value).__name__ != "Value" or not isinstance(text, str) or not text:
                return None
            if getattr(operator, "value", None) not in ("==", "!=", "<", "<=", ">", ">="):
                return None
            names.add(canonicalize_name(text))
        elif item not in ("and", "or"):
            return None
    return frozenset(names)


@functools.cache
def _marker_environment(python: str, system: str) -> dict[str, str]:
    """The PEP 508 marker variables of a target (without ``extra``)."""
    platform = SYSTEMS[system]
    full = str(Version(f"{python}.0"))
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": platform.platform_machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": platform.platform_system,
        "platform_version": "",
        "python_full_version": full,
        "python_version": python,
        "sys_platform": platform.sys_platform,
    }


@functools.lru_cache(maxsize=4096)
def _specifier_allows(specifier: str, version: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        logger.debug("ignoring invalid requires-python %r", specifier)
        return True


@functools.cache
def _wheel_tags(python: str, system: str) -> dict[tags.Tag, int]:
    major, minor = (int(part) for part in python.split("."))
    interpreter = f"cp{major}{minor}"
    platforms = _platform_tags(SYSTEMS[system])
    ordered = [
        *tags.cpython_tags((major, minor), abis=[interpreter], platforms=platforms),
        *tags.compatible_tags((major, minor), interpreter, platforms),
    ]
    ranks: dict[tags.Tag, int] = {}
    for tag in ordered:
        ranks.setdefault(tag, len(ranks))
    return ranks


def _platform_tags(platform: _Platform) -> list[str]:
    arch = platform.wheel_arch
    if platform.sys_platform == "darwin":
        return list(tags.mac_platforms(NIXPKGS_MACOS_VERSION, arch))
    legacy = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    oldest = 5 if arch == "x86_64" else 17
    platforms: list[str] = []
    for glibc_minor in range(NIXPKGS_GLIBC_MINOR, oldest - 1, -1):
        platforms.append(f"manylinux_2_{glibc_minor}_{arch}")
        if glibc_minor in legacy:
            platforms.append(f"{legacy[glibc_minor]}_{arch}")
    return platforms


def targets_marker(chosen: Iterable[Target], among: Iterable[Target]) -> str | None:
    """A PEP 508 marker that holds on the ``chosen`` targets and on no other of
    ``among`` (``None``: it holds on all of them)."""
    chosen_set, among = set(chosen), list(dict.fromkeys(among))
    if chosen_set >= set(among):
        return None
    all_systems = frozenset(target.system for target in among)
    systems_of: dict[str, set[str]] = {}
    for target in among:
        if target in chosen_set:
            systems_of.setdefault(target.python, set()).add(target.system)
    pythons = list(dict.fromkeys(target.python for target in among))
    shared = {frozenset(systems) for systems in systems_of.values()}
    if len(systems_of) == len(pythons) and len(shared) == 1:
        return _any_of(_system_conditions(next(iter(shared))))
    parts = []
    for python, systems in systems_of.items():
        conditions = [f'python_version == "{python}"']
        if frozenset(systems) != all_systems:
            conditions.append(_grouped(_any_of(_system_conditions(frozenset(systems)))))
        parts.append(" and ".join(conditions))
    return _any_of(parts)


def _system_conditions(systems: frozenset[str]) -> list[str]:
    """Conditions, one of which holds on each of these systems: by operating system
    where it holds both of its machines."""
    conditions = []
    for os_name in ("linux", "darwin"):
        mine = sorted(s for s in SYSTEMS if SYSTEMS[s].sys_platform == os_name)
        if set(mine) <= systems:
            conditions.append(f'sys_platform == "{os_name}"')
            continue
        for system in (s for s in mine if s in systems):
            machine = SYSTEMS[system].platform_machine
            conditions.append(f'sys_platform == "{os_name}" and platform_machine == "{machine}"')
    return conditions


def _any_of(conditions: list[str]) -> str:
    return conditions[0] if len(conditions) == 1 else " or ".join(map(_grouped, conditions))


def _grouped(condition: str) -> str:
    return f"({condition})" if " and " in condition or " or " in condition else condition


def describe_all(chosen: Iterable[Target]) -> str:
    """Targets in full: ``Python 3.11 on x86_64-linux``, ``Python 3.11 and 3.12 on
    x86_64-linux and aarch64-darwin`` (every combination), else each in turn."""
    chosen = list(dict.fromkeys(chosen))
    pythons = list(dict.fromkeys(target.python for target in chosen))
    systems = list(dict.fromkeys(target.system for target in chosen))
    if len(chosen) == len(pythons) * len(systems):
        return f"Python {_and(pythons)} on {_and(systems)}"
    return "; ".join(target.describe() for target in chosen)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
