"""Distribution file names: the one place that knows archive suffixes and the parts
of a wheel's name.

Parsing is lenient on purpose (an index lists files with odd names); packaging's
strict parsers are used where a name must be valid (a direct reference).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Literal

from packaging import tags
from packaging.pylock import is_valid_pylock_path

if TYPE_CHECKING:
    from collections.abc import Iterable

DistKind = Literal["sdist", "wheel"]

WHEEL_SUFFIX = ".whl"
SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz")
ARCHIVE_SUFFIXES = (WHEEL_SUFFIX, *SDIST_SUFFIXES)
_LINUX_PLATFORMS = ("manylinux", "musllinux", "linux_")


@dataclass(frozen=True, slots=True)
class WheelName:
    """The dash-separated parts of a wheel's file name (PEP 427)."""

    distribution: str
    version: str
    build: str | None
    python: str
    abi: str
    platform: str

    @property
    def tag(self) -> str:
        return f"{self.python}-{self.abi}-{self.platform}"


def dist_kind(filename: str) -> DistKind:
    return "wheel" if filename.endswith(WHEEL_SUFFIX) else "sdist"


def is_archive(filename: str) -> bool:
    """Whether the name ends like a wheel or an sdist (case-insensitive)."""
    return filename.lower().endswith(ARCHIVE_SUFFIXES)


def sdist_stem(filename: str) -> str | None:
    """``<name>-<version>`` of an sdist's file name, or ``None`` for other files."""
    suffix = next((suffix for suffix in SDIST_SUFFIXES if filename.endswith(suffix)), None)
    return None if suffix is None else filename[: -len(suffix)]


def split_sdist_suffix(filename: str, suffixes: Iterable[str] = SDIST_SUFFIXES) -> tuple[str, str]:
    """``(stem, suffix)`` of an sdist's file name; the suffix is ``""`` when none fits."""
    for suffix in suffixes:
        if filename.endswith(suffix):
            return filename[: -len(suffix)], suffix
    return filename, ""


def parse_wheel_name(filename: str) -> WheelName | None:
    """The parts of a wheel's file name, or ``None`` when it is not one."""
    if not filename.endswith(WHEEL_SUFFIX):
        return None
    parts = filename[: -len(WHEEL_SUFFIX)].split("-")
    if len(parts) == 5:
        name, version, python, abi, platform = parts
        return WheelName(name, version, None, python, abi, platform)
    if len(parts) == 6:
        name, version, build, python, abi, platform = parts
        return WheelName(name, version, build, python, abi, platform)
    return None


def is_linux_binary_wheel(filename: str) -> bool:
    """Whether a wheel holds native code built for Linux."""
    return any(tag.platform.startswith(_LINUX_PLATFORMS) for tag in wheel_tags(filename))


def is_binary_wheel(filename: str) -> bool:
    """Whether a wheel is built for one platform (it holds compiled code)."""
    return any(tag.platform != "any" for tag in wheel_tags(filename))


@functools.cache
def wheel_tags(filename: str) -> frozenset[tags.Tag]:
    """The tags a wheel's file name declares (empty for anything else)."""
    wheel = parse_wheel_name(filename)
    return frozenset() if wheel is None else tags.parse_tag(wheel.tag)


# The locks of other tools read as input (pypi2nix.inputs.locks), by file name.
LOCK_FILE_NAMES = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock")


def is_lock_file(path: PurePath) -> bool:
    """Whether a file given where a requirements file goes is a lock, by its name:
    those of :data:`LOCK_FILE_NAMES`, ``pylock.toml`` and ``pylock.NAME.toml``."""
    return path.name in LOCK_FILE_NAMES or is_valid_pylock_path(Path(path))
