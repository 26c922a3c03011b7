"""Settings and the lock target: which Python and which Nix system a lock is made for."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging import tags
from packaging.version import Version

from pypi2nix.errors import UsageError

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
# fetchPypi's ``mirror://pypi/`` serves the files of the public index, so its URLs
# stand for files hosted here.
PUBLIC_FILES_HOST = "files.pythonhosted.org"

INDEX_URL_ENVIRONMENT_VARIABLE = "PIP_INDEX_URL"

DEFAULT_PYTHON = "3.13"
PYTHON_VERSIONS = ("3.10", "3.11", "3.12", "3.13", "3.14")
DEFAULT_SYSTEM = "x86_64-linux"

# The glibc of current nixpkgs; manylinux wheels up to this version run there.
NIXPKGS_GLIBC_MINOR = 40
# nixpkgs' default macOS deployment target.
NIXPKGS_MACOS_VERSION = (11, 0)

Fetcher = Literal["auto", "fetchpypi", "fetchurl"]
FETCHERS: tuple[Fetcher, ...] = ("auto", "fetchpypi", "fetchurl")


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
    def python_full_version(self) -> Version:
        return Version(f"{self.python}.0")

    @property
    def nix_python_attribute(self) -> str:
        """The nixpkgs interpreter attribute, e.g. ``python313``."""
        return "python" + self.python.replace(".", "")

    @property
    def is_linux(self) -> bool:
        return SYSTEMS[self.system].sys_platform == "linux"

    def marker_environment(self) -> dict[str, str]:
        """The PEP 508 marker variables of the target (without ``extra``)."""
        platform = SYSTEMS[self.system]
        full = str(self.python_full_version)
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
            "python_version": self.python,
            "sys_platform": platform.sys_platform,
        }

    def wheel_tags(self) -> dict[tags.Tag, int]:
        """Wheel tags the target accepts, mapped to their rank (0 is the best)."""
        return _wheel_tags(self.python, self.system)


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


def index_url_from_environment() -> str | None:
    return os.environ.get(INDEX_URL_ENVIRONMENT_VARIABLE) or None


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexOptions:
    """Where and how the index is read: shared by every command."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    cache_dir: Path | None = None
    offline: bool = False
    refresh: bool = False
    workers: int = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateOptions:
    """Everything ``pypi2nix generate`` needs, as given on the command line."""

    requirement_files: tuple[Path, ...] = ()
    specs: tuple[str, ...] = ()
    constraint_files: tuple[Path, ...] = ()
    pyproject: Path | None = None
    extras: tuple[str, ...] = ()
    all_extras: bool = False
    groups: tuple[str, ...] = ()
    target: Target
    pre: bool = False
    prefer_wheels: bool = False
    index: IndexOptions = IndexOptions()
    output_dir: Path = Path()
    basename: str = "requirements"
    fetcher: Fetcher = "auto"


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageOptions:
    """Everything ``pypi2nix package`` needs."""

    spec: str
    version: str | None = None
    target: Target
    pre: bool = False
    index: IndexOptions = IndexOptions()
    output: Path | None = None
    with_tests: bool = False
    fetcher: Fetcher = "auto"


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateOptions:
    """Everything ``pypi2nix update`` needs; the rest is read from the frozen file."""

    names: tuple[str, ...] = ()
    output_dir: Path = Path()
    basename: str = "requirements"
    index: IndexOptions = IndexOptions()
    dry_run: bool = False
