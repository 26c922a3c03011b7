"""The command line's grammar: the argparse parser of every command and its --help.

Shared by :mod:`pypi2nix.cli` and by ``update``, which parses the ``generate``
command recorded in a frozen file; :mod:`pypi2nix.arguments` turns what it parses
into options.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from pypi2nix import __version__
from pypi2nix.errors import UsageError
from pypi2nix.index.cache import default_cache_dir
from pypi2nix.index.prefetch import DEFAULT_WORKERS
from pypi2nix.options import FETCHERS, INDEX_URL_ENVIRONMENT_VARIABLE
from pypi2nix.target import DEFAULT_PYTHON, DEFAULT_SYSTEM, PYTHON_VERSIONS, SYSTEMS

DESCRIPTION = """\
Turn Python requirements into Nix expressions built with nixpkgs' buildPythonPackage.

commands:
  generate   lock requirements into requirements.nix, requirements_override.nix
             and requirements_frozen.txt
  package    write a nixpkgs-style NAME/default.nix for one package
  update     move the pins of an earlier generate forward and show what changed

Run 'pypi2nix COMMAND --help' for a command's options.
"""


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is an ordinary error: one line, exit status 2; and
    no abbreviated long options (a flag added later must not change what a script's
    abbreviation means)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="pypi2nix",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pypi2nix {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_ArgumentParser
    )
    commands.required = True
    _add_generate(commands)
    _add_package(commands)
    _add_update(commands)
    return parser


def _add_output_flags(parser: argparse._ActionsContainer) -> None:
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


def _add_target_flags(parser: argparse._ActionsContainer) -> None:
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


def _add_index_flags(parser: argparse._ActionsContainer, *, default: str | None = None) -> None:
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


def _add_lock_flags(parser: argparse.ArgumentParser) -> None:
    """The target, the index and the cache: what a lock depends on besides its inputs."""
    target = parser.add_argument_group("target and index")
    _add_target_flags(target)
    _add_index_flags(target)
    _add_network_flags(parser.add_argument_group("network and cache"))


def _add_location_flags(parser: argparse._ActionsContainer, files: str) -> None:
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


def _add_fetcher_flag(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--fetcher",
        choices=FETCHERS,
        default="auto",
        help="how sources are fetched: fetchPypi for files of the public index and "
        "fetchurl otherwise (auto, the default); fetchPypi wherever its URL scheme names "
        "the file, for indexes that mirror the public one (fetchpypi); always fetchurl",
    )


def _add_network_flags(parser: argparse._ActionsContainer, *, refresh: bool = True) -> None:
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


def _add_source_flags(group: argparse._ActionsContainer) -> None:
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


def _add_generate(commands: argparse._SubParsersAction[_ArgumentParser]) -> None:
    parser = commands.add_parser(
        "generate",
        help="lock requirements into requirements.nix",
        description="Resolve the requirements for one Python and Nix system, then write "
        "BASENAME.nix (an overlay and an interpreter), BASENAME_override.nix (your "
        "changes; written once, never overwritten) and BASENAME_frozen.txt (the pins "
        "with hashes, installable by pip). When BASENAME_frozen.txt exists, its pins are "
        "kept wherever they still fit: running generate again is not an upgrade (use "
        "'pypi2nix update' for that).",
        epilog="example: pypi2nix generate -r requirements.txt --python 3.12 && "
        "nix-build requirements.nix -A interpreter",
    )
    inputs = parser.add_argument_group("inputs")
    inputs.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="requirements files, as with -r (as pip-compile and uv take them)",
    )
    inputs.add_argument(
        "-r",
        "--requirement",
        dest="requirement_files",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a requirements file in pip's syntax (repeatable; '-' reads standard input)",
    )
    inputs.add_argument(
        "-e",
        "--spec",
        dest="specs",
        action="append",
        default=[],
        metavar="SPEC",
        help="a requirement given directly, e.g. -e 'requests[socks]>=2.30' (repeatable)",
    )
    inputs.add_argument(
        "--pyproject",
        nargs="?",
        const=Path("pyproject.toml"),
        type=Path,
        metavar="PATH",
        help="lock a project: its [project] dependencies, and itself, built from its "
        "folder (PATH defaults to ./pyproject.toml)",
    )
    inputs.add_argument(
        "--extra",
        dest="extras",
        action="append",
        default=[],
        metavar="NAME",
        help="with --pyproject: include one of the project's extras (repeatable)",
    )
    inputs.add_argument(
        "--all-extras", action="store_true", help="with --pyproject: include every extra"
    )
    inputs.add_argument(
        "--group",
        dest="groups",
        action="append",
        default=[],
        metavar="NAME",
        help="with --pyproject: include a [dependency-groups] group (PEP 735; repeatable)",
    )
    inputs.add_argument(
        "-c",
        "--constraint",
        dest="constraint_files",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a constraints file: narrows versions without adding requirements (repeatable)",
    )
    _add_lock_flags(parser)
    _add_source_flags(parser.add_argument_group(SOURCES_TITLE, SOURCES_DESCRIPTION))
    _add_upgrade_flags(parser.add_argument_group("pins (as pip-compile and uv lock)"))
    output = parser.add_argument_group("output")
    _add_location_flags(output, "the output files")
    _add_fetcher_flag(output)
    output.add_argument(
        "--generate-hashes",
        action="store_true",
        help="accepted for pip-compile's sake and ignored: hashes are always written",
    )
    _add_output_flags(output)


def _add_upgrade_flags(group: argparse._ActionsContainer) -> None:
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


def _add_package(commands: argparse._SubParsersAction[_ArgumentParser]) -> None:
    parser = commands.add_parser(
        "package",
        help="write a nixpkgs-style NAME/default.nix for one package",
        description="Write NAME/default.nix in the style of nixpkgs' "
        "pkgs/development/python-modules: an argument set grouped by build-system, "
        "dependencies and optional-dependencies, and a buildPythonPackage with the "
        "sdist from fetchPypi, its build system, dependencies and extras for the "
        "target, pythonImportsCheck from its real file list, and meta. It evaluates "
        "with python3Packages.callPackage ./NAME { }.",
        epilog="example: pypi2nix package typer==0.12.3 && "
        "nix-build -E 'with import <nixpkgs> { }; python3Packages.callPackage ./typer { }'",
    )
    parser.add_argument(
        "name", metavar="NAME[==VERSION]", help="the project, optionally with its version"
    )
    parser.add_argument(
        "--version",
        dest="package_version",
        metavar="VERSION",
        help="the version to package (the same as NAME==VERSION; default: the newest "
        "release that fits the target)",
    )
    _add_lock_flags(parser)
    output = parser.add_argument_group("output")
    output.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write the expression (default: NAME/default.nix, NAME normalized "
        "as nixpkgs names its attributes)",
    )
    output.add_argument(
        "--with-tests",
        action="store_true",
        help="run the tests: nativeCheckInputs = [ pytestCheckHook ... ] from the "
        "package's test extra, or else its test dependency group (doCheck = false with a "
        "comment when it has neither)",
    )
    _add_fetcher_flag(output)
    _add_output_flags(output)


def _add_update(commands: argparse._SubParsersAction[_ArgumentParser]) -> None:
    parser = commands.add_parser(
        "update",
        help="move pins forward and show what changed",
        description="Lock again the inputs recorded in BASENAME_frozen.txt, fetching every "
        "project page afresh. With no NAME every pin may move to the newest version "
        "allowed; with names only those move, plus whatever they force. Prints the pins "
        "added, removed, upgraded and downgraded, then rewrites BASENAME.nix and "
        "BASENAME_frozen.txt (BASENAME_override.nix is left alone).",
        epilog="example: pypi2nix update requests --dry-run",
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help="projects to move (default: every pin)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="show what would change, write nothing"
    )
    index = parser.add_argument_group("index")
    _add_index_flags(index, default="the one recorded in BASENAME_frozen.txt")
    network = parser.add_argument_group(
        "network and cache (project pages are always fetched afresh)"
    )
    _add_network_flags(network, refresh=False)
    output = parser.add_argument_group("output")
    _add_location_flags(output, "the files of the earlier generate")
    _add_output_flags(output)
