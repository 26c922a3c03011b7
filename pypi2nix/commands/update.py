"""``pypi2nix update``: lock the recorded inputs again, letting pins move forward.

The inputs come from those recorded in the earlier lock's ``pylock.toml``; its pins
are the preferences of the resolver, except those of the projects to update (all of
them when none is named), as pip-tools does with existing pins.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pypi2nix.commands.generate import (
    GenerateResult,
    dry_run_line,
    lock_and_write,
    written_lines,
)
from pypi2nix.commands.outputs import (
    OutputPaths,
    check_output_directory,
    project_name,
    recorded_options,
)
from pypi2nix.commands.summary import summary_lines
from pypi2nix.errors import InputFileError, UsageError
from pypi2nix.inputs.locks import is_lock_file, upgrade_command
from pypi2nix.lock.changes import PinChanges, changes_table
from pypi2nix.lock.pylock import read_pylock
from pypi2nix.writer import JOURNAL_NAME, recover_interrupted_write

if TYPE_CHECKING:
    from pypi2nix.options import UpdateOptions
    from pypi2nix.ui import Console


def update(options: UpdateOptions, console: Console) -> GenerateResult:
    """Lock again with fresh project pages; write the files unless it is a dry run.

    :raises UsageError: when there is no earlier lock with its inputs, or a name to
        update is not pinned.
    """
    path = OutputPaths.for_options(options).pylock
    check_output_directory(options.output_dir, writing=not options.dry_run)
    if (options.output_dir / JOURNAL_NAME).exists():
        if options.dry_run:
            raise UsageError(
                f"an earlier run was stopped while writing in {options.output_dir}; "
                "run without --dry-run to put its files back"
            )
        recover_interrupted_write(options.output_dir)
    if not path.exists():
        raise InputFileError(f"{path} not found: run 'pypi2nix generate' there first")
    previous = read_pylock(path)
    if previous.inputs is None:
        raise InputFileError(
            f"{path} does not record the inputs that made it; run 'pypi2nix generate' again"
        )
    asked = {project_name(name, "update") for name in options.names}
    unknown = sorted(asked - previous.pins.keys())
    if unknown:
        raise UsageError(f"not pinned in {path}: {', '.join(unknown)}")
    recorded = recorded_options(previous.inputs, options, path)
    lock_file = next(filter(is_lock_file, recorded.requirement_files), None)
    if lock_file is not None:
        shown, command = os.path.normpath(lock_file), upgrade_command(lock_file)
        raise UsageError(
            f"the pins come from {shown}: move them with {command}, "
            "then run pypi2nix generate again"
        )
    return lock_and_write(
        recorded,
        console,
        previous=previous,
        kept=previous.pins.keys() - asked if asked else (),
        dry_run=options.dry_run,
    )


def update_table(result: GenerateResult, options: UpdateOptions) -> list[str]:
    """The pins that moved, grouped; those moved only because others did are marked."""
    asked = {canonicalize_name(name) for name in options.names}
    return changes_table(result.changes or PinChanges(), asked=asked)


def update_report(result: GenerateResult, options: UpdateOptions) -> list[str]:
    lines = summary_lines(result.lock, result.run)
    if result.report is None:
        lines.append(dry_run_line(result))
    else:
        lines += written_lines(result.report)
    return lines
