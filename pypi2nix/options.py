"""The settings of each command, as frozen dataclasses, and the defaults they start from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pypi2nix.target import Target


DEFAULT_INDEX_URL = "https://pypi.org/simple/"
# fetchPypi's ``mirror://pypi/`` serves the files of the public index, so its URLs
# stand for files hosted here.
PUBLIC_FILES_HOST = "files.pythonhosted.org"

INDEX_URL_ENVIRONMENT_VARIABLE = "PIP_INDEX_URL"

Fetcher = Literal["auto", "fetchpypi", "fetchurl"]
FETCHERS: tuple[Fetcher, ...] = ("auto", "fetchpypi", "fetchurl")
DEFAULT_FETCHER: Fetcher = "auto"
DEFAULT_BASENAME = "requirements"

# How a build backend's hook is contained: in a sandbox when the system can make one,
# else as pip runs it, said once (auto); in a sandbox or not at all (require); as pip
# runs it (off).
SandboxMode = Literal["auto", "require", "off"]
SANDBOX_MODES: tuple[SandboxMode, ...] = ("auto", "require", "off")
DEFAULT_BUILD_TIMEOUT = 120.0


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
class BuildOptions:
    """How a build backend runs when one must (never recorded: the lock is the same)."""

    sandbox: SandboxMode = "auto"
    timeout: float = DEFAULT_BUILD_TIMEOUT


@dataclass(frozen=True, slots=True, kw_only=True)
class GenerateOptions:
    """Everything ``pypi2nix generate`` needs, as given on the command line."""

    requirement_files: tuple[Path, ...] = ()
    specs: tuple[str, ...] = ()
    constraint_files: tuple[Path, ...] = ()
    # Constraints on the build requirements only (--build-constraint, as pip and uv).
    build_constraint_files: tuple[Path, ...] = ()
    pyproject: Path | None = None
    extras: tuple[str, ...] = ()
    all_extras: bool = False
    groups: tuple[str, ...] = ()
    all_groups: bool = False
    # The targets given (--python, --system: every combination), or, with --universal,
    # those of nixpkgs that the project's requires-python allows (see targets_for).
    targets: tuple[Target, ...]
    universal: bool = False
    pre: bool = False
    # Normalized names or ":all:" (--no-binary, --only-binary).
    no_binary: tuple[str, ...] = ()
    only_binary: tuple[str, ...] = ()
    no_build: bool = False
    builds: BuildOptions = BuildOptions()
    index: IndexOptions = IndexOptions()
    output_dir: Path = Path()
    basename: str = DEFAULT_BASENAME
    fetcher: Fetcher = DEFAULT_FETCHER
    # How this run treats the earlier pins and the files (never recorded).
    upgrade: bool = False
    upgrade_packages: tuple[str, ...] = ()
    dry_run: bool = False
    check: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageOptions:
    """Everything ``pypi2nix package`` needs."""

    spec: str
    version: str | None = None
    target: Target
    pre: bool = False
    build_constraint_files: tuple[Path, ...] = ()
    builds: BuildOptions = BuildOptions()
    index: IndexOptions = IndexOptions()
    output: Path | None = None
    with_tests: bool = False
    fetcher: Fetcher = DEFAULT_FETCHER


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateOptions:
    """Everything ``pypi2nix update`` needs; the rest is read from the frozen file."""

    names: tuple[str, ...] = ()
    output_dir: Path = Path()
    basename: str = DEFAULT_BASENAME
    index: IndexOptions = IndexOptions()
    builds: BuildOptions = BuildOptions()
    # Given: they replace the recorded ones (None: lock with those recorded).
    build_constraint_files: tuple[Path, ...] | None = None
    dry_run: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TreeOptions:
    """Everything ``pypi2nix tree`` needs: which lock, which of its targets, what to
    draw."""

    output_dir: Path = Path()
    basename: str = DEFAULT_BASENAME
    # The target's Python and system (None: the machine's when locked, else the first).
    python: str | None = None
    system: str | None = None
    depth: int | None = None
    invert: str | None = None
