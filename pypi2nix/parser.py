"""The command line's grammar: the argparse parser of every command and its --help.

Shared by :mod:`pypi2nix.cli` and by ``update``, which parses the ``generate``
command recorded in a frozen file; :mod:`pypi2nix.arguments` turns what it parses
into options.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, NoReturn

from pypi2nix import __version__, flags
from pypi2nix.errors import UsageError

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
    flags.add_lock_flags(parser)
    flags.add_source_flags(
        parser.add_argument_group(flags.SOURCES_TITLE, flags.SOURCES_DESCRIPTION)
    )
    flags.add_upgrade_flags(parser.add_argument_group("pins (as pip-compile and uv lock)"))
    output = parser.add_argument_group("output")
    flags.add_location_flags(output, "the output files")
    flags.add_fetcher_flag(output)
    output.add_argument(
        "--generate-hashes",
        action="store_true",
        help="accepted for pip-compile's sake and ignored: hashes are always written",
    )
    flags.add_output_flags(output)


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
    flags.add_lock_flags(parser)
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
    flags.add_fetcher_flag(output)
    flags.add_output_flags(output)


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
    flags.add_index_flags(index, default="the one recorded in BASENAME_frozen.txt")
    network = parser.add_argument_group(
        "network and cache (project pages are always fetched afresh)"
    )
    flags.add_network_flags(network, refresh=False)
    output = parser.add_argument_group("output")
    flags.add_location_flags(output, "the files of the earlier generate")
    flags.add_output_flags(output)
