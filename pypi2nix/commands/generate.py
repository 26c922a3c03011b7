"""``pypi2nix generate``: requirements in, requirements.nix and friends out."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pypi2nix.arguments import recorded_values, recorded_words
from pypi2nix.commands.memo import OutputMemo, outputs_key
from pypi2nix.commands.outputs import (
    OutputPaths,
    check_output_directory,
    project_name,
    relocated_origins,
    unchanged_files,
)
from pypi2nix.commands.pipeline import LockRun, lock_inputs
from pypi2nix.commands.summary import detail_lines, summary_lines
from pypi2nix.dists.sdist import local_project_name
from pypi2nix.errors import InputFileError, NotUpToDate, UsageError
from pypi2nix.inputs import PyprojectInput, read_inputs
from pypi2nix.inputs.build_constraints import read_build_constraints
from pypi2nix.inputs.locks import LockSelection
from pypi2nix.inputs.locks.requirements import lock_file_among, read_lock_inputs
from pypi2nix.inputs.pyproject import project_requires_python
from pypi2nix.lock.changes import (
    PinChanges,
    changes_table,
    compare_targets,
    describe_change,
    lock_commits,
    lock_pins,
)
from pypi2nix.lock.frozen import render_frozen
from pypi2nix.lock.pylock import read_pylock, render_pylock
from pypi2nix.nix.override import render_override_nix
from pypi2nix.nix.requirements import render_requirements_nix
from pypi2nix.resolve import ResolutionPolicy
from pypi2nix.resolve.policy import SourcePolicy
from pypi2nix.sources import KeptCommit
from pypi2nix.store import Store
from pypi2nix.target import universal_targets
from pypi2nix.writer import OutputFile, WriteReport, recover_interrupted_write, write_outputs

if TYPE_CHECKING:
    from collections.abc import Collection, Sequence
    from pathlib import Path

    from packaging.utils import NormalizedName

    from pypi2nix.lock.pylock import LockedState, PylockFile
    from pypi2nix.models import Lock, RequirementSet
    from pypi2nix.options import GenerateOptions
    from pypi2nix.target import Target
    from pypi2nix.ui import Console


# How many of the pins that would change --check names.
SHOWN_CHANGES = 3


@dataclass(frozen=True, slots=True)
class GenerateResult:
    lock: Lock
    run: LockRun
    # None when nothing was written (a dry run).
    report: WriteReport | None
    # None when there were no earlier pins to compare with.
    changes: PinChanges | None
    # Without writing: the generated files whose text differs from the one on disk.
    stale: tuple[Path, ...] = ()


def generate(options: GenerateOptions, console: Console) -> GenerateResult:
    """Read the inputs, lock them for the target, write the three files.

    The pins of an existing frozen file are kept wherever they still fit, as
    pip-compile does: running it again is not an upgrade (unless ``--upgrade`` or
    ``--upgrade-package`` says so).

    :raises NotUpToDate: with ``--check``, when a file would change.
    """
    writes = not (options.dry_run or options.check)
    check_output_directory(options.output_dir, writing=writes)
    if writes and options.output_dir.is_dir():
        recover_interrupted_write(options.output_dir)
    previous = _read_previous(options)
    upgraded = {project_name(name, "--upgrade-package") for name in options.upgrade_packages}
    kept = () if options.upgrade else previous.pins.keys() - upgraded
    result = lock_and_write(options, console, previous=previous, kept=kept, dry_run=not writes)
    if options.check and result.stale:
        raise NotUpToDate(_stale_reason(result))
    return result


def _read_previous(options: GenerateOptions) -> LockedState:
    path = OutputPaths.for_options(options).pylock
    memo = output_memo(options)
    return read_pylock(path) if memo is None else memo.read_state(path)


def output_memo(options: GenerateOptions) -> OutputMemo | None:
    """What earlier runs wrote, remembered in the cache (none without one)."""
    cache_dir = options.index.cache_dir
    return None if cache_dir is None else OutputMemo(Store(cache_dir))


def _stale_reason(result: GenerateResult) -> str:
    files = ", ".join(path.name for path in result.stale)
    moved = [change for _, group in (result.changes or PinChanges()).groups for change in group]
    if result.changes is None:
        why = "there is no earlier lock"
    elif moved:
        shown = ", ".join(describe_change(change) for change in moved[:SHOWN_CHANGES])
        more = f" and {len(moved) - SHOWN_CHANGES} more" if len(moved) > SHOWN_CHANGES else ""
        why = f"{len(moved)} pin{'' if len(moved) == 1 else 's'} would change: {shown}{more}"
    else:
        why = "the pins are the same, the files' text is not"
    return f"not up to date with the inputs: {files} would change ({why}); run pypi2nix generate"


def lock_and_write(
    options: GenerateOptions,
    console: Console,
    *,
    previous: LockedState,
    kept: Collection[NormalizedName],
    dry_run: bool = False,
) -> GenerateResult:
    """Lock, keeping the ``kept`` pins of the ``previous`` lock where they still
    fit (versions, and the commits of git branches and tags), and write the files
    (unless ``dry_run``); the changes are counted against the ``previous`` pins. The
    caller has checked the output directory (:func:`check_output_directory`)."""
    pyproject = None
    if options.pyproject is not None:
        pyproject = PyprojectInput(
            path=options.pyproject,
            extras=options.extras,
            all_extras=options.all_extras,
            groups=options.groups,
        )
    inputs = _read_inputs(options, pyproject)
    if not inputs.requirements:
        if inputs.sources:
            raise InputFileError(f"nothing to lock: no requirement in {', '.join(inputs.sources)}")
        raise UsageError(
            "nothing to lock: give a requirements file (-r FILE), a spec (-e SPEC) or "
            "a project (--pyproject)"
        )
    policy = ResolutionPolicy.for_inputs(
        inputs,
        pre=options.pre,
        sources=SourcePolicy(
            no_binary=frozenset(options.no_binary),
            only_binary=frozenset(options.only_binary),
        ),
        builds=not options.no_build,
        build_constraints=read_build_constraints(
            options.build_constraint_files, project_name=local_project_name
        ),
    )
    targets = lock_targets(options)
    preferences = {
        target: {
            name: version for name, version in previous.pins_for(target).items() if name in kept
        }
        for target in targets
    }
    run = lock_inputs(
        inputs,
        targets=targets,
        policy=policy,
        preferences=preferences,
        index_options=options.index,
        builds=options.builds,
        console=console,
        kept_commits={
            name: KeptCommit(pin.url, pin.rev, pin.commit)
            for name, pin in previous.commits.items()
            if name in kept
        },
    )
    lock = relocated_origins(run.lock, inputs, options.output_dir)
    run = dataclasses.replace(run, lock=lock)
    files, current = outputs(lock, options, run.digest)
    report = None if dry_run else write_changed(files, current)
    unchanged = unchanged_files(files)
    stale = tuple(file.path for file in files if _would_write(file, unchanged))
    changes = None
    if previous.pins or options.dry_run:  # a dry run in a fresh folder lists every pin
        changes = compare_targets(
            {target: previous.pins_for(target) for target in {*previous.targets, *targets}},
            lock_pins(lock),
            old_commits={name: pin.commit for name, pin in previous.commits.items()},
            new_commits=lock_commits(lock),
        )
    return GenerateResult(
        lock=lock, run=run, report=report, changes=changes, stale=stale if dry_run else ()
    )


def _read_inputs(options: GenerateOptions, pyproject: PyprojectInput | None) -> RequirementSet:
    """The requirements, or the pins of a lock of another tool given instead."""
    lock_file = lock_file_among(options.requirement_files)
    if lock_file is None:
        return read_inputs(
            options.requirement_files,
            options.specs,
            options.constraint_files,
            pyproject,
            project_name=local_project_name,
        )
    if options.specs or options.constraint_files or pyproject is not None:
        raise UsageError(
            f"{lock_file} is a lock: give no specs, constraints or --pyproject with it"
        )
    selection = LockSelection(
        extras=options.extras,
        all_extras=options.all_extras,
        groups=options.groups,
        all_groups=options.all_groups,
    )
    return read_lock_inputs(lock_file, selection)


def _would_write(file: OutputFile, unchanged: Collection[OutputFile]) -> bool:
    """A file differs from the one on disk; the override file only while absent."""
    if file.keep_existing:
        return not file.path.exists()
    return file not in unchanged


def lock_targets(options: GenerateOptions) -> tuple[Target, ...]:
    """The targets given, or with ``--universal`` nixpkgs' that the project allows."""
    if not options.universal:
        return options.targets
    requires_python = None
    if options.pyproject is not None:
        requires_python = project_requires_python(options.pyproject)
    return universal_targets(requires_python)


def write_changed(files: list[OutputFile], current: Sequence[Path] = ()) -> WriteReport:
    """Write the files whose text changed; the others (and ``current``, known to be up
    to date) are left untouched (and kept)."""
    unchanged = unchanged_files(files)
    changed = [file for file in files if file not in unchanged]
    report = write_outputs(changed) if changed else WriteReport(written=(), kept=())
    kept = (*report.kept, *(file.path for file in unchanged), *current)
    return WriteReport(written=report.written, kept=tuple(sorted(kept)))


def outputs(
    lock: Lock, options: GenerateOptions, lock_digest: str | None
) -> tuple[list[OutputFile], tuple[Path, ...]]:
    """The files to write, and those already on disk as the lock renders them.

    A lock from the lock cache whose files still hold what an earlier run rendered
    from it is not rendered again: only the override file is (it is written only
    while absent).
    """
    paths = OutputPaths.for_options(options)
    memo = output_memo(options)
    key = None
    if memo is not None and lock_digest is not None:
        key = outputs_key(lock_digest, _render_settings(options))
        generated = (paths.nix, paths.frozen, paths.pylock)
        if memo.up_to_date(key, generated):
            return [_override_file(paths)], generated
    files, pylock = render_outputs(lock, options)
    if memo is not None:
        memo.remember_state(pylock.text.encode("utf-8"), pylock.state)
        if key is not None:
            memo.remember_outputs(key, [file for file in files if not file.keep_existing])
    return files, ()


def _render_settings(options: GenerateOptions) -> dict[str, object]:
    return {
        "output_dir": str(options.output_dir.absolute()),
        "basename": options.basename,
        "fetcher": options.fetcher,
        "inputs": recorded_values(options),
    }


def _override_file(paths: OutputPaths) -> OutputFile:
    return OutputFile(paths.override, render_override_nix(generated_file=paths.nix.name), True)


def render_outputs(lock: Lock, options: GenerateOptions) -> tuple[list[OutputFile], PylockFile]:
    """The four files, and the state the next run reads back from ``pylock.toml``."""
    paths = OutputPaths.for_options(options)
    nix = render_requirements_nix(
        lock,
        nix_file=paths.nix.name,
        override_file=paths.override.name,
        fetcher=options.fetcher,
        output_dir=options.output_dir.absolute(),
    )
    inputs = recorded_values(options)
    frozen = render_frozen(
        lock,
        file_name=paths.frozen.name,
        command=recorded_words(inputs),
        output_dir=options.output_dir.absolute(),
    )
    pylock = render_pylock(lock, inputs=inputs, output_dir=options.output_dir.absolute())
    files = [
        OutputFile(paths.nix, nix),
        _override_file(paths),
        OutputFile(paths.frozen, frozen),
        OutputFile(paths.pylock, pylock.text),
    ]
    return files, pylock


def pins_table(result: GenerateResult, options: GenerateOptions) -> list[str]:
    """The pins that moved since the last run (on stdout, as ``update``'s table); nothing
    on a first run. Those that moved only because the ones asked for did are marked."""
    if result.changes is None:
        return []
    asked = {canonicalize_name(name) for name in options.upgrade_packages}
    return changes_table(result.changes, asked=asked)


def result_details(result: GenerateResult) -> list[str]:
    """What ``-v`` adds (see :func:`pypi2nix.commands.summary.detail_lines`)."""
    return detail_lines(result.lock)


def report_lines(result: GenerateResult, options: GenerateOptions) -> list[str]:
    """What ``generate`` tells at the end: the summary, then the files written."""
    lines = summary_lines(result.lock, result.run)
    if options.check:
        lines.append("Up to date: the files are what the inputs lock to.")
    elif result.report is None:
        lines.append(dry_run_line(result))
    else:
        lines += written_lines(result.report)
    return lines


def dry_run_line(result: GenerateResult) -> str:
    """What a dry run would have written."""
    if not result.stale:
        return "Dry run: nothing was written, and every file is already up to date."
    names = ", ".join(path.name for path in result.stale)
    return f"Dry run: nothing was written; it would write {names}."


def written_lines(report: WriteReport) -> list[str]:
    if not report.written:
        return ["Nothing changed: every file was already up to date, none was written."]
    lines = [f"Wrote {', '.join(str(path) for path in report.written)}."]
    if report.kept:
        lines.append(f"Kept {', '.join(str(path) for path in report.kept)} as it was.")
    return lines
