"""The option groups the commands share (output, target, index, network, source
policy, pins), added to a parser by :mod:`pypi2nix.parser`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pypi2nix.options import FETCHERS, INDEX_URL_ENVIRONMENT_VARIABLE
from pypi2nix.store import default_cache_dir
from pypi2nix.target import DEFAULT_PYTHON, DEFAULT_SYSTEM, PYTHON_VERSIONS, SYSTEMS
from pypi2nix.threads import DEFAULT_WORKERS

if TYPE_CHECKING:
    import argparse


def add_output_flags(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="say more: -v names the pins from wheels and from source, skipped requirements, "
        "retries and build backends run, and prints the traceback of an error; -vv adds "
        "debug output, every request among it",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors (no progress)"
    )


def add_target_flags(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--python",
        "--python-version",
        dest="python",
        default=DEFAULT_PYTHON,
        metavar="X.Y",
        help=f"Python version to lock for: {', '.join(PYTHON_VERSIONS)} (default: "
        f"{DEFAULT_PYTHON}, nixpkgs' python3); sets the markers and the default interpreter",
    )
    parser.add_argument(
        "--system",
        default=DEFAULT_SYSTEM,
        metavar="SYSTEM",
        help=f"Nix system to lock for: {', '.join(SYSTEMS)} (default: {DEFAULT_SYSTEM}); "
        "sets the platform markers and the wheel tags",
    )
    parser.add_argument(
        "--pre",
        action="store_true",
        help="allow pre-releases (they are also allowed for a "
        "requirement whose specifier names one)",
    )


def add_index_flags(parser: argparse._ActionsContainer, *, default: str | None = None) -> None:
    parser.add_argument(
        "-i",
        "--index-url",
        metavar="URL",
        help="Simple API root of the package index (default: "
        + (
            default
            or f"the public index, or ${INDEX_URL_ENVIRONMENT_VARIABLE}, or an --index-url line "
            "in a requirements file"
        )
        + ")",
    )
    parser.add_argument(
        "--extra-index-url",
        action="append",
        default=[],
        metavar="URL",
        help="another index whose files are added to the main one's (repeatable)",
    )


def add_lock_flags(parser: argparse.ArgumentParser) -> None:
    """The target, the index and the cache: what a lock depends on besides its inputs."""
    target = parser.add_argument_group("target and index")
    add_target_flags(target)
    add_index_flags(target)
    add_network_flags(parser.add_argument_group("network and cache"))


def add_location_flags(parser: argparse._ActionsContainer, files: str) -> None:
    parser.add_argument(
        "-O",
        "--output-dir",
        type=Path,
        default=Path(),
        metavar="DIR",
        help=f"directory of {files} (default: the current directory)",
    )
    parser.add_argument(
        "--basename",
        default="requirements",
        metavar="NAME",
        help=f"name stem of {files}: NAME.nix, NAME_override.nix, NAME_frozen.txt "
        "(default: requirements)",
    )


def add_fetcher_flag(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--fetcher",
        choices=FETCHERS,
        default="auto",
        help="how sources are fetched: fetchPypi for files of the public index and "
        "fetchurl otherwise (auto, the default); fetchPypi wherever its URL scheme names "
        "the file, for indexes that mirror the public one (fetchpypi); always fetchurl",
    )


def add_network_flags(parser: argparse._ActionsContainer, *, refresh: bool = True) -> None:
    parser.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help=f"where to keep project pages and file facts (default: {default_cache_dir()})",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the on-disk cache"
    )
    parser.add_argument(
        "--offline",
        action="store_true",
        help="use only the cache, never the network; fails naming what the cache lacks",
    )
    if refresh:
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="fetch every project page again, even when the cached copy is still fresh",
        )
    parser.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        metavar="N",
        help=f"threads that fetch from the index (default: {DEFAULT_WORKERS}; 1: no threads)",
    )


SOURCES_TITLE = "source policy (which file each pin is built from)"
SOURCES_DESCRIPTION = (
    "By default a release with compiled code (it publishes platform-specific wheels) is "
    'installed from its binary wheel for the target (format = "wheel"; on Linux with '
    "autoPatchelfHook and the system libraries its native code needs), and every other "
    "release is built from its sdist. NAMES are comma-separated project names or :all:; "
    "a name given on its own beats :all:."
)


def add_source_flags(group: argparse._ActionsContainer) -> None:
    group.add_argument(
        "--no-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="build these from their sdist (compiled code too: see docs/overriding.md for "
        "the native libraries it may need); a release without an sdist is not used",
    )
    group.add_argument(
        "--only-binary",
        action="append",
        default=[],
        metavar="NAMES",
        help="install these from a wheel for the target; a release without one is not used",
    )
    group.add_argument(
        "--no-build",
        action="store_true",
        help="never run a package's build backend: an sdist whose dependencies only its "
        "setup.py knows is then an error (by default its PEP 517 metadata hook runs, in an "
        "isolated environment of its build requirements, as pip and uv do)",
    )
    group.add_argument(
        "--prefer-wheels",
        action="store_true",
        help="install every pin that has a wheel for the target from that wheel, and "
        "build the others from their sdist",
    )


def add_upgrade_flags(group: argparse._ActionsContainer) -> None:
    group.add_argument(
        "-U",
        "--upgrade",
        action="store_true",
        help="let every pin move to the newest allowed version (as 'pypi2nix update')",
    )
    group.add_argument(
        "-P",
        "--upgrade-package",
        dest="upgrade_packages",
        action="append",
        default=[],
        metavar="NAME",
        help="let this pin move (repeatable; as 'pypi2nix update NAME')",
    )
    group.add_argument(
        "--dry-run", action="store_true", help="lock and show what would change, write nothing"
    )
    group.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit with status 1 when the files are not up to date with the "
        "inputs (for CI)",
    )
