"""``pypi2nix update``: lock the recorded inputs again, letting pins move forward.

The inputs come from the command line recorded in ``BASENAME_frozen.txt``; its pins
are the preferences of the resolver, except those of the projects to update (all of
them when none is named), as pip-tools does with existing pins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pypi2nix.commands.generate import (
    GenerateResult,
    lock_and_write,
    summary_lines,
    written_lines,
)
from pypi2nix.commands.outputs import (
    check_output_directory,
    frozen_path,
    project_name,
    read_frozen,
    recorded_options,
)
from pypi2nix.errors import InputFileError, UsageError
from pypi2nix.lock.changes import PinChanges, changes_table
from pypi2nix.writer import JOURNAL_NAME, recover_interrupted_write

if TYPE_CHECKING:
    from pypi2nix.options import UpdateOptions
    from pypi2nix.ui import Console


def update(options: UpdateOptions, console: Console) -> GenerateResult:
    """Lock again with fresh project pages; write the files unless it is a dry run.

    :raises UsageError: when there is no frozen file with its command, or a name to
        update is not pinned.
    """
    path = frozen_path(options)
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
    frozen = read_frozen(path)
    if frozen.command is None:
        raise InputFileError(
            f"{path} does not record the command that made it; run 'pypi2nix generate' again"
        )
    asked = {project_name(name, "update") for name in options.names}
    unknown = sorted(asked - frozen.pins.keys())
    if unknown:
        raise UsageError(f"not pinned in {path}: {', '.join(unknown)}")
    return lock_and_write(
        recorded_options(frozen.command, options, path),
        console,
        previous=frozen,
        kept=frozen.pins.keys() - asked if asked else (),
        dry_run=options.dry_run,
    )


def update_table(result: GenerateResult, options: UpdateOptions) -> list[str]:
    """The pins that moved, grouped; those moved only because others did are marked."""
    asked = {canonicalize_name(name) for name in options.names}
    return changes_table(result.changes or PinChanges(), asked=asked)


def update_report(result: GenerateResult, options: UpdateOptions) -> list[str]:
    lines = summary_lines(result)
    if result.report is None:
        lines.append("Dry run: nothing was written.")
    else:
        lines += written_lines(result.report)
    return lines
