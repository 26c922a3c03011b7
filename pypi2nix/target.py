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
