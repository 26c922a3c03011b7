"""Command-line entry point: parse arguments, run a command, turn errors into an exit
status (2 for a usage error, 1 for any other).

This is the only module that catches :class:`Pypi2NixError`; each becomes one line
``error: ...`` on stderr (plus the traceback with ``--verbose``).
"""

from __future__ import annotations

import gc
import sys
import traceback
from typing import TYPE_CHECKING, Any

from pypi2nix.arguments import generate_options, package_options, tree_options, update_options
from pypi2nix.errors import Pypi2NixError
from pypi2nix.parser import parse
from pypi2nix.ui import Console, configure_logging

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


def _run(arguments: Mapping[str, Any], console: Console) -> None:
    if arguments["command"] == "generate":
        from pypi2nix.commands.generate import generate, pins_table, report_lines, result_details

        generating = generate_options(arguments)
        if arguments["prefer_wheels"]:
            console.say("note: --prefer-wheels has no effect: wheels come first by default")
        if arguments["generate_hashes"]:
            console.say("note: --generate-hashes has no effect: hashes are always written")
        result = generate(generating, console)
        console.output(pins_table(result, generating))
        console.detail_lines(result_details(result))
        console.say_lines(report_lines(result, generating))
    elif arguments["command"] == "package":
        from pypi2nix.commands.package import package, package_report

        console.say_lines(package_report(package(package_options(arguments), console)))
    elif arguments["command"] == "tree":
        from pypi2nix.commands.tree import target_note, tree

        drawn = tree(tree_options(arguments))
        console.say_lines(target_note(drawn))
        console.output(drawn.lines)
    else:
        from pypi2nix.commands.update import update, update_report, update_table

        options = update_options(arguments)
        result = update(options, console)
        console.output(update_table(result, options))
        console.say_lines(update_report(result, options))


# A lock builds millions of small objects that live to its end (pages, versions,
# metadata) and few cycles: the collector's default pace spends a fifth of the CPU
# time walking them.
GC_THRESHOLDS = (100_000, 50, 1000)


def main(argv: Sequence[str] | None = None) -> int:
    """Run pypi2nix; returns the exit status: 0, 2 for a usage error, 1 for any other
    error, 130 when interrupted.

    Without ``argv`` (the command line), the process ends next: what is left is left
    to the operating system rather than walked by the collector at exit.
    """
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return _main(argv)
    finally:
        if argv is None:
            gc.freeze()


def _main(argv: Sequence[str] | None) -> int:
    verbosity = 0
    console = Console(verbosity)
    try:
        arguments = parse(argv)
        verbosity = -1 if arguments["quiet"] else arguments["verbose"]
        console = Console(verbosity)
        configure_logging(console)
        _run(arguments, console)
    except Pypi2NixError as error:
        _report(console, str(error), verbosity)
        return error.exit_status
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
