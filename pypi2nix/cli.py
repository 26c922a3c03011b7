"""Command-line interface: parse arguments, run a command, turn errors into exit 1.

This is the only module that catches :class:`Pypi2NixError`; each becomes one line
``error: ...`` on stderr (plus the traceback with ``--verbose``).
"""

from __future__ import annotations

import argparse
import re
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from pypi2nix import __version__
from pypi2nix.errors import Pypi2NixError, UsageError
from pypi2nix.index.cache import default_cache_dir
from pypi2nix.index.prefetch import DEFAULT_WORKERS
from pypi2nix.options import (
    DEFAULT_PYTHON,
    DEFAULT_SYSTEM,
    FETCHERS,
    INDEX_URL_ENVIRONMENT_VARIABLE,
    PYTHON_VERSIONS,
    SYSTEMS,
    GenerateOptions,
    Target,
)
from pypi2nix.ui import Console, configure_logging

if TYPE_CHECKING:
    from collections.abc import Sequence

_BASENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

DESCRIPTION = """\
Turn Python requirements into Nix expressions built with nixpkgs' buildPythonPackage.

commands:
  generate   lock requirements into requirements.nix, requirements_override.nix
             and requirements_frozen.txt
"""


class _ArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is an ordinary error: one line, exit status 1."""

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
    return parser


def _add_output_flags(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="say more: -v shows what is fetched and the traceback of an error, -vv debug",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing but errors (no progress)"
    )


def _add_target_flags(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--python",
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
    parser.add_argument(
        "-i",
        "--index-url",
        metavar="URL",
        help="Simple API root of the package index (default: the public index, or "
        f"${INDEX_URL_ENVIRONMENT_VARIABLE}, or an --index-url line in a requirements file)",
    )
    parser.add_argument(
        "--extra-index-url",
        action="append",
        default=[],
        metavar="URL",
        help="another index whose files are added to the main one's (repeatable)",
    )


def _add_network_flags(parser: argparse._ActionsContainer) -> None:
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


def _add_generate(commands: argparse._SubParsersAction[_ArgumentParser]) -> None:
    parser = commands.add_parser(
        "generate",
        help="lock requirements into requirements.nix",
        description="Resolve the requirements for one Python and Nix system, then write "
        "BASENAME.nix (an overlay and an interpreter), BASENAME_override.nix (your "
        "changes; written once, never overwritten) and BASENAME_frozen.txt (the pins "
        "with hashes, installable by pip).",
        epilog="example: pypi2nix generate -r requirements.txt --python 3.12 && "
        "nix-build requirements.nix -A interpreter",
    )
    inputs = parser.add_argument_group("inputs")
    inputs.add_argument(
        "-r",
        "--requirement",
        dest="requirement_files",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a requirements file in pip's syntax (repeatable)",
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
        "-c",
        "--constraint",
        dest="constraint_files",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a constraints file: narrows versions without adding requirements (repeatable)",
    )
    target = parser.add_argument_group("target and index")
    _add_target_flags(target)
    network = parser.add_argument_group("network and cache")
    _add_network_flags(network)
    output = parser.add_argument_group("output")
    output.add_argument(
        "-O",
        "--output-dir",
        type=Path,
        default=Path(),
        metavar="DIR",
        help="directory for the output files (default: the current directory)",
    )
    output.add_argument(
        "--basename",
        default="requirements",
        metavar="NAME",
        help="name stem of the output files (default: requirements)",
    )
    output.add_argument(
        "--fetcher",
        choices=FETCHERS,
        default="auto",
        help="how sources are fetched: fetchPypi for files of the public index and "
        "fetchurl otherwise (auto, the default); fetchPypi wherever its URL scheme names "
        "the file, for indexes that mirror the public one (fetchpypi); always fetchurl",
    )
    _add_output_flags(output)


def generate_options(arguments: argparse.Namespace) -> GenerateOptions:
    if not _BASENAME.fullmatch(arguments.basename):
        raise UsageError(
            f"invalid --basename {arguments.basename!r}: use letters, digits, '.', '_' and '-'"
        )
    if arguments.workers < 1:
        raise UsageError(f"invalid --workers {arguments.workers}: give 1 or more")
    if arguments.offline and arguments.no_cache:
        raise UsageError("--offline needs the cache; it cannot be used with --no-cache")
    return GenerateOptions(
        requirement_files=tuple(arguments.requirement_files),
        specs=tuple(arguments.specs),
        constraint_files=tuple(arguments.constraint_files),
        target=Target.parse(arguments.python, arguments.system),
        pre=arguments.pre,
        index_url=arguments.index_url,
        extra_index_urls=tuple(arguments.extra_index_url),
        output_dir=arguments.output_dir,
        basename=arguments.basename,
        fetcher=arguments.fetcher,
        cache_dir=None if arguments.no_cache else (arguments.cache_dir or default_cache_dir()),
        offline=arguments.offline,
        refresh=arguments.refresh,
        workers=arguments.workers,
    )


def _run(arguments: argparse.Namespace, console: Console) -> None:
    from pypi2nix.commands.generate import generate, summary_lines

    result = generate(generate_options(arguments), console)
    for line in summary_lines(result):
        console.say(line)


def main(argv: Sequence[str] | None = None) -> int:
    """Run pypi2nix; returns the exit status (0, or 1 for every error)."""
    verbosity = 0
    console = Console(verbosity)
    try:
        arguments = build_parser().parse_args(argv)
        verbosity = -1 if arguments.quiet else arguments.verbose
        console = Console(verbosity)
        configure_logging(console)
        _run(arguments, console)
    except Pypi2NixError as error:
        _report(console, str(error), verbosity)
        return 1
    except KeyboardInterrupt:
        console.error("interrupted")
        return 130
    except Exception as error:  # a bug: still one line, the traceback with -v
        _report(console, f"internal error: {type(error).__name__}: {error}", verbosity)
        return 1
    return 0


def _report(console: Console, message: str, verbosity: int) -> None:
    if verbosity > 0:
        console.clear()
        traceback.print_exc(file=sys.stderr)
    console.error(message.splitlines()[0] if message else "unknown error")
