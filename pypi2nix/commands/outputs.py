"""Where the output files of a lock live and what they record: their paths, the
frozen file of an earlier run, and the ``generate`` command that made it (written
into the frozen file, and parsed back by ``update``)."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import InvalidName, NormalizedName, canonicalize_name

from pypi2nix.arguments import generate_options, parse
from pypi2nix.credentials import without_credentials
from pypi2nix.errors import InputFileError, Origin, OutputError, UsageError
from pypi2nix.lock.frozen import FrozenFile, parse_frozen
from pypi2nix.options import index_url_from_environment

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypi2nix.models import Lock, Pin, RequirementSet
    from pypi2nix.options import GenerateOptions, UpdateOptions
    from pypi2nix.writer import OutputFile


@dataclass(frozen=True, slots=True)
class OutputPaths:
    nix: Path
    override: Path
    frozen: Path

    @classmethod
    def for_options(cls, options: GenerateOptions) -> OutputPaths:
        directory, base = options.output_dir, options.basename
        return cls(
            nix=directory / f"{base}.nix",
            override=directory / f"{base}_override.nix",
            frozen=directory / f"{base}_frozen.txt",
        )


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


def read_frozen(path: Path) -> FrozenFile:
    """The frozen file of an earlier run, or an empty one when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return FrozenFile()  # nothing to keep; the writer reports what is in the way
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError(f"cannot read {path}: {error}") from error
    return parse_frozen(text)


def recorded_command(options: GenerateOptions) -> list[str]:
    """The ``generate`` command that locks the same inputs again, run from the output
    directory (paths relative to it; passwords in index URLs left out). Inputs are
    sorted: their order does not change the lock, so it must not change the file."""
    words = ["pypi2nix", "generate"]
    for flag, paths in (("-r", options.requirement_files), ("-c", options.constraint_files)):
        for path in sorted({_relative_to(path, options.output_dir) for path in paths}):
            words += [flag, path]
    for spec in sorted({_absolute_local_path(spec) for spec in options.specs}):
        words += ["-e", spec]
    if options.pyproject is not None:
        words += ["--pyproject", _relative_to(options.pyproject, options.output_dir)]
        words += [item for extra in sorted(set(options.extras)) for item in ("--extra", extra)]
        words += ["--all-extras"] if options.all_extras else []
        words += [item for group in sorted(set(options.groups)) for item in ("--group", group)]
    words += ["--python", options.target.python, "--system", options.target.system]
    if options.pre:
        words.append("--pre")
    for flag, names in (("--no-binary", options.no_binary), ("--only-binary", options.only_binary)):
        if names:
            words += [flag, ",".join(sorted(names))]
    if options.prefer_wheels:
        words.append("--prefer-wheels")
    if options.no_build:
        words.append("--no-build")
    if options.index.index_url:
        words += ["--index-url", without_credentials(options.index.index_url)]
    for url in options.index.extra_index_urls:
        words += ["--extra-index-url", without_credentials(url)]
    if options.fetcher != "auto":
        words += ["--fetcher", options.fetcher]
    return words


_RELATIVE_PATH_SPEC = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*)?"
    r"(?P<path>(?:\.{1,2}|~)(?:/[^;\[]*)?)(?P<rest>.*)$"
)


def _absolute_local_path(spec: str) -> str:
    """A spec naming a relative local path, with the path made absolute: a recorded
    command is run again from another directory."""
    match = _RELATIVE_PATH_SPEC.match(spec.strip())
    if match is None:
        return spec
    path = Path(match["path"].strip()).expanduser().absolute()
    return f"{match['name'] or ''}{os.path.normpath(path)}{match['rest']}"


STANDARD_INPUT = "-"


def _relative_to(path: Path, directory: Path) -> str:
    if str(path) == STANDARD_INPUT:
        return STANDARD_INPUT
    return os.path.relpath(path.absolute(), directory.absolute())


def _in_directory(directory: Path, file: Path) -> Path:
    return file if str(file) == STANDARD_INPUT else directory / file


def frozen_path(options: UpdateOptions) -> Path:
    return options.output_dir / f"{options.basename}_frozen.txt"


def recorded_options(
    command: tuple[str, ...], options: UpdateOptions, path: Path
) -> GenerateOptions:
    """The options of the recorded ``generate`` command, with its paths taken relative
    to the output directory and the index settings of this run."""
    if command[:2] != ("pypi2nix", "generate"):
        raise InputFileError(f"{path}: the recorded command is not a 'pypi2nix generate' command")
    try:
        recorded = generate_options(parse(command[1:]))
    except UsageError as error:
        raise InputFileError(f"{path}: the recorded command does not parse: {error}") from error
    directory = options.output_dir
    index = dataclasses.replace(
        options.index,
        index_url=options.index.index_url or _with_credentials(recorded.index.index_url),
        extra_index_urls=options.index.extra_index_urls or recorded.index.extra_index_urls,
        refresh=not options.index.offline,
    )
    return dataclasses.replace(
        recorded,
        requirement_files=tuple(_in_directory(directory, f) for f in recorded.requirement_files),
        constraint_files=tuple(_in_directory(directory, f) for f in recorded.constraint_files),
        pyproject=None if recorded.pyproject is None else directory / recorded.pyproject,
        output_dir=directory,
        basename=options.basename,
        index=index,
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
    renamed = {source: _relative_to(Path(source), directory) for source in lock.sources}
    for entry in (*inputs.requirements, *inputs.constraints):
        origin = entry.origin
        if origin.path is not None:
            moved = Origin(_relative_to(Path(origin.path), directory), origin.line_number, "")
            renamed[str(origin)] = str(moved)

    def relocated(pin: Pin) -> Pin:
        required_by = tuple(sorted({renamed.get(by, by) for by in pin.required_by}))
        return dataclasses.replace(pin, required_by=required_by)

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
