"""Where the output files of a lock live and what an earlier lock left there: their
paths, and the state of the earlier run (its pins and recorded inputs, read from its
``pylock.toml``), turned back into the options that lock the same inputs again."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.utils import InvalidName, NormalizedName, canonicalize_name

from pypi2nix.arguments import generate_options, relative_to, values_from_record
from pypi2nix.credentials import without_credentials
from pypi2nix.errors import InputFileError, Origin, OutputError, UsageError
from pypi2nix.flags import defaults
from pypi2nix.lock.pylock import pylock_name
from pypi2nix.options import index_url_from_environment

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pypi2nix.models import Lock, Pin, RequirementSet
    from pypi2nix.options import GenerateOptions, UpdateOptions
    from pypi2nix.writer import OutputFile


@dataclass(frozen=True, slots=True)
class OutputPaths:
    nix: Path
    override: Path
    frozen: Path
    pylock: Path

    @classmethod
    def at(cls, directory: Path, basename: str) -> OutputPaths:
        return cls(
            nix=directory / f"{basename}.nix",
            override=directory / f"{basename}_override.nix",
            frozen=directory / f"{basename}_frozen.txt",
            pylock=directory / pylock_name(basename),
        )

    @classmethod
    def for_options(cls, options: GenerateOptions | UpdateOptions) -> OutputPaths:
        return cls.at(options.output_dir, options.basename)


def check_output_directory(directory: Path, *, writing: bool = True) -> None:
    """Fail before any network work when the output directory cannot be one: it, or
    the nearest of its parents that exists, is not a directory, or (when ``writing``)
    cannot be written to.

    :raises OutputError: naming the path in the way.
    """
    for path in (directory, *directory.absolute().parents):
        if path.exists():
            if not path.is_dir():
                raise OutputError(str(directory), f"{path} is not a directory")
            if writing and not os.access(path, os.W_OK | os.X_OK):
                raise OutputError(
                    str(directory), f"{path} is not writable (checked before locking)"
                )
            return


def recorded_options(
    record: Mapping[str, Any], options: UpdateOptions, path: Path
) -> GenerateOptions:
    """The options of the recorded inputs, with their paths taken relative to the
    output directory and the index settings of this run.

    :raises InputFileError: when the record does not make options.
    """
    directory = options.output_dir
    try:
        values = {**defaults("generate"), **values_from_record(record, directory)}
        recorded = generate_options(values)
    except (UsageError, TypeError, KeyError) as error:
        raise InputFileError(f"{path}: the recorded inputs do not make a lock: {error}") from error
    index = dataclasses.replace(
        options.index,
        index_url=options.index.index_url or _with_credentials(recorded.index.index_url),
        extra_index_urls=options.index.extra_index_urls or recorded.index.extra_index_urls,
        refresh=not options.index.offline,
    )
    return dataclasses.replace(
        recorded,
        output_dir=directory,
        basename=options.basename,
        index=index,
        builds=options.builds,
        build_constraint_files=recorded.build_constraint_files
        if options.build_constraint_files is None
        else options.build_constraint_files,
    )


def _with_credentials(url: str | None) -> str | None:
    """The recorded index URL, or ``$PIP_INDEX_URL`` when it is the same URL with a
    password (the frozen file never holds one)."""
    from_environment = index_url_from_environment()
    if url and from_environment and without_credentials(from_environment) == url:
        return from_environment
    return url


def relocated_origins(lock: Lock, inputs: RequirementSet, directory: Path) -> Lock:
    """The lock with the input files it names (its sources, the ``via`` of its roots)
    written relative to the output directory and normalized, as the files that hold
    them are read from there: where the command ran and how a path was spelled must
    not change the output."""
    renamed = {source: relative_to(Path(source), directory) for source in lock.sources}
    for entry in (*inputs.requirements, *inputs.constraints):
        origin = entry.origin
        if origin.path is not None:
            moved = Origin(relative_to(Path(origin.path), directory), origin.line_number, "")
            renamed[str(origin)] = str(moved)

    done: dict[int, Pin] = {}  # by the id of a pin the targets share

    def relocated(pin: Pin) -> Pin:
        moved = done.get(id(pin))
        if moved is None:
            required_by = tuple(sorted({renamed.get(by, by) for by in pin.required_by}))
            moved = pin
            if required_by != pin.required_by:
                moved = dataclasses.replace(pin, required_by=required_by)
            done[id(pin)] = moved
        return moved

    graphs = tuple(
        dataclasses.replace(graph, pins=tuple(map(relocated, graph.pins))) for graph in lock.graphs
    )
    sources = tuple(dict.fromkeys(renamed[source] for source in lock.sources))
    return dataclasses.replace(lock, graphs=graphs, sources=sources)


def unchanged_files(files: Sequence[OutputFile]) -> list[OutputFile]:
    """The files whose text is already on disk, byte for byte."""
    return [file for file in files if _holds(file.path, file.text)]


def _holds(path: Path, text: str) -> bool:
    try:
        return path.read_bytes() == text.encode("utf-8")
    except OSError:
        return False


def project_name(text: str, command: str) -> NormalizedName:
    """A project name given to move a pin; a requirement (``numpy>=2``) is refused with
    what to do instead.

    :raises UsageError: for anything but a project name.
    """
    try:
        return canonicalize_name(text, validate=True)
    except InvalidName:
        raise UsageError(
            f"{command} takes project names, not requirements: {text!r}; it moves a pin to "
            "the newest version the requirements allow, so change the requirement in the "
            "inputs to ask for a version"
        ) from None
