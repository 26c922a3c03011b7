"""The command line's grammar: the argparse parser of every command and its --help,
built from the option table (:mod:`pypi2nix.flags`). :func:`parse` gives the values
that :mod:`pypi2nix.arguments` turns into options.
"""

from __future__ import annotations

import argparse
import difflib
from typing import TYPE_CHECKING, Any, NoReturn

from pypi2nix import __version__
from pypi2nix.errors import UsageError
from pypi2nix.flags import GROUPS, Command, Option, options_of

if TYPE_CHECKING:
    from collections.abc import Sequence

DESCRIPTION = """\
Turn Python requirements into Nix expressions built with nixpkgs' buildPythonPackage.

commands:
  generate   lock requirements into requirements.nix, requirements_override.nix,
             requirements_frozen.txt and pylock.toml
  package    write a nixpkgs-style NAME/default.nix for one package
  update     move the pins of an earlier generate forward and show what changed
  tree       show the pins of an earlier generate as a tree, and why each is there

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


# Each command's description and example.
_COMMANDS: dict[Command, tuple[str, str, str]] = {
    "generate": (
        "lock requirements into requirements.nix",
        "Resolve the requirements for one Python and Nix system, then write "
        "BASENAME.nix (an overlay and an interpreter), BASENAME_override.nix (your "
        "changes; written once, never overwritten), BASENAME_frozen.txt (the pins "
        "with hashes, installable by pip) and pylock.toml (the same pins as a PEP 751 "
        "lock, with the inputs they were locked from). When the lock exists, its pins "
        "are kept wherever they still fit: running generate again is not an upgrade "
        "(use 'pypi2nix update' for that).",
        "example: pypi2nix generate -r requirements.txt --python 3.12 && "
        "nix-build requirements.nix -A interpreter",
    ),
    "package": (
        "write a nixpkgs-style NAME/default.nix for one package",
        "Write NAME/default.nix in the style of nixpkgs' "
        "pkgs/development/python-modules: an argument set grouped by build-system, "
        "dependencies and optional-dependencies, and a buildPythonPackage with the "
        "sdist from fetchPypi, its build system, dependencies and extras for the "
        "target, pythonImportsCheck from its real file list, and meta. It evaluates "
        "with python3Packages.callPackage ./NAME { }.",
        "example: pypi2nix package typer==0.12.3 && "
        "nix-build -E 'with import <nixpkgs> { }; python3Packages.callPackage ./typer { }'",
    ),
    "update": (
        "move pins forward and show what changed",
        "Lock again the inputs recorded in the earlier lock (pylock.toml), fetching every "
        "project page afresh. With no NAME every pin may move to the newest version "
        "allowed; with names only those move, plus whatever they force. Prints the pins "
        "added, removed, upgraded and downgraded, then rewrites BASENAME.nix and "
        "BASENAME_frozen.txt and pylock.toml (BASENAME_override.nix is left alone).",
        "example: pypi2nix update requests --dry-run",
    ),
    "tree": (
        "show the locked pins as a tree, and why each is there",
        "Draw the pins of an earlier generate (read from its pylock.toml, with no "
        "network) as a tree from the top-level requirements: each pin with its version, "
        "where the Nix output takes it from (wheel, sdist, git, local, url) and the "
        "native libraries it gets. A pin whose dependencies were already drawn is "
        "marked (*). With --invert NAME, the tree goes from NAME up through the pins "
        "that need it to the top-level requirements.",
        "example: pypi2nix tree --depth 1; pypi2nix tree --invert idna",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    return _parsers()[0]


def _parsers() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser, and each command's."""
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
    subparsers: dict[str, argparse.ArgumentParser] = {}
    for command, (summary, description, example) in _COMMANDS.items():
        subparser = commands.add_parser(
            command, help=summary, description=description, epilog=example
        )
        _add_options(subparser, command)
        subparsers[command] = subparser
    return parser, subparsers


def _add_options(parser: argparse.ArgumentParser, command: Command) -> None:
    """The command's options, section by section as the table orders them."""
    sections: dict[str, argparse._ActionsContainer] = {}
    for group in GROUPS[command]:
        sections[group.key] = (
            parser
            if group.title is None
            else parser.add_argument_group(group.title, group.description)
        )
    for option in options_of(command):
        names = option.flags or (option.dest,)
        sections[option.groups[command]].add_argument(*names, **_argparse_settings(option, command))


def _argparse_settings(option: Option, command: Command) -> dict[str, Any]:
    settings: dict[str, Any] = {"help": option.help_for(command), "action": option.action}
    if option.flags:
        settings["dest"] = option.dest
    if option.action in ("store", "append"):
        for name in ("type", "metavar", "choices", "nargs", "const"):
            value = getattr(option, name)
            if value is not None:
                settings[name] = value
    if option.default is not None:
        settings["default"] = option.default
    return settings


def parse(argv: Sequence[str] | None) -> dict[str, Any]:
    """The values of a command line (``None``: the process's own arguments), by
    option ``dest``, with ``command`` naming the command.

    :raises UsageError: for a usage mistake, naming the command's --help.
    """
    parser, subparsers = _parsers()
    values, unknown = parser.parse_known_args(argv)
    if unknown:  # the command's own parser says so, naming its --help
        subparser = subparsers[values.command]
        subparser.error(
            f"unrecognized arguments: {' '.join(unknown)}{_near_miss(subparser, unknown)}"
        )
    return vars(values)


def _near_miss(parser: argparse.ArgumentParser, unknown: Sequence[str]) -> str:
    """``; did you mean --python?`` for a flag close to one the command has."""
    known = [flag for action in parser._actions for flag in action.option_strings]
    for word in unknown:
        if word.startswith("-"):
            close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.6)
            if close:
                return f"; did you mean {close[0]}?"
    return ""
