"""Option values -> the options dataclasses of each command, and back.

The values are those the parser gives (:func:`pypi2nix.parser.parse`), keyed by each
option's ``dest`` in the option table (:mod:`pypi2nix.flags`); ``update`` gives the
recorded inputs of a lock (:func:`recorded_values`) the same way, so the options it
locks with are made exactly as from a command line, without parsing one.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypi2nix.credentials import without_credentials
from pypi2nix.errors import UsageError
from pypi2nix.filenames import is_lock_file
from pypi2nix.flags import recorded_options
from pypi2nix.options import (
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_FETCHER,
    BuildOptions,
    GenerateOptions,
    IndexOptions,
    PackageOptions,
    TreeOptions,
    UpdateOptions,
)
from pypi2nix.resolve.policy import binary_names
from pypi2nix.store import default_cache_dir
from pypi2nix.target import DEFAULT_PYTHON, DEFAULT_SYSTEM, Target, targets

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

__all__ = [
    "generate_options",
    "package_options",
    "recorded_values",
    "recorded_words",
    "tree_options",
    "update_options",
]


_BASENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
STANDARD_INPUT = "-"


def build_options(values: Mapping[str, Any]) -> BuildOptions:
    return BuildOptions(
        sandbox=values.get("sandbox", "auto"),
        timeout=values.get("build_timeout", DEFAULT_BUILD_TIMEOUT),
    )


def index_options(values: Mapping[str, Any]) -> IndexOptions:
    if values["workers"] < 1:
        raise UsageError(f"invalid --workers {values['workers']}: give 1 or more")
    if values["offline"] and values["no_cache"]:
        raise UsageError("--offline needs the cache; it cannot be used with --no-cache")
    return IndexOptions(
        index_url=values.get("index_url"),
        extra_index_urls=(
            *values.get("extra_index_url", ()),
            *(find_links_url(folder) for folder in values.get("find_links", ())),
        ),
        cache_dir=None if values["no_cache"] else (values["cache_dir"] or default_cache_dir()),
        offline=values["offline"],
        refresh=values.get("refresh", False),
        workers=values["workers"],
    )


def find_links_url(folder: str) -> str:
    """The ``file:`` index URL of a ``--find-links`` folder.

    :raises UsageError: when it is not a folder (a URL of links is not supported).
    """
    if "://" in folder:
        raise UsageError(f"--find-links takes a folder, not {folder!r}: give a URL with -i")
    path = Path(folder).expanduser().resolve()
    if not path.is_dir():
        raise UsageError(f"--find-links {folder}: no such folder")
    return path.as_uri().rstrip("/") + "/"


def _check_basename(basename: str) -> str:
    if not _BASENAME.fullmatch(basename):
        raise UsageError(f"invalid --basename {basename!r}: use letters, digits, '.', '_' and '-'")
    return basename


def _binary_names(flag: str, values: list[str]) -> tuple[str, ...]:
    names: list[str] = []
    for value in values:
        if not value.strip():
            raise UsageError(f"{flag} needs project names or :all:")
        names = binary_names(names, value)
    return tuple(sorted(set(names)))


def generate_options(values: Mapping[str, Any]) -> GenerateOptions:
    """:raises UsageError: for options that contradict each other, or a bad value."""
    selects = values["extras"] or values["all_extras"] or values["groups"] or values["all_groups"]
    files = (*values["files"], *values["requirement_files"])
    if values["pyproject"] is None and selects and not any(map(is_lock_file, files)):
        raise UsageError(
            "--extra, --all-extras, --group and --all-groups need --pyproject or a lock"
        )
    if values["check"] and values["dry_run"]:
        raise UsageError("--check and --dry-run cannot be used together")
    if values["output_file"] is not None:
        raise UsageError(_output_file_pointer(values["output_file"]))
    if values["upgrade"] and values["upgrade_packages"]:
        raise UsageError("--upgrade already lets every pin move; drop --upgrade-package")
    no_binary = _binary_names("--no-binary", values["no_binary"])
    only_binary = _binary_names("--only-binary", values["only_binary"])
    both = sorted(set(no_binary) & set(only_binary))
    if both:
        raise UsageError(f"{', '.join(both)}: given to both --no-binary and --only-binary")
    return GenerateOptions(
        requirement_files=(*values["files"], *values["requirement_files"]),
        specs=tuple(values["specs"]),
        constraint_files=tuple(values["constraint_files"]),
        build_constraint_files=tuple(values.get("build_constraint_files", ())),
        pyproject=_pyproject_file(values["pyproject"]),
        extras=tuple(values["extras"]),
        all_extras=values["all_extras"],
        groups=tuple(values["groups"]),
        all_groups=values["all_groups"],
        targets=_targets(values),
        universal=values["universal"],
        pre=values["pre"],
        no_binary=no_binary,
        only_binary=only_binary,
        no_build=values["no_build"],
        builds=build_options(values),
        index=index_options(values),
        output_dir=values["output_dir"],
        basename=_check_basename(values["basename"]),
        fetcher=values["fetcher"],
        upgrade=values["upgrade"],
        upgrade_packages=tuple(values["upgrade_packages"]),
        dry_run=values["dry_run"],
        check=values["check"],
    )


def _targets(values: Mapping[str, Any]) -> tuple[Target, ...]:
    """Every combination of the ``--python`` and ``--system`` values (the defaults when
    none is given).

    :raises UsageError: for a bad value, or one given with ``--universal``.
    """
    if values.get("universal") and (values["python"] or values["system"]):
        raise UsageError("--universal chooses the Pythons and systems; drop --python and --system")
    return targets(values["python"] or [DEFAULT_PYTHON], values["system"] or [DEFAULT_SYSTEM])


def _single_target(values: Mapping[str, Any]) -> Target:
    """``package`` writes one expression: one target."""
    if len(values["python"]) > 1 or len(values["system"]) > 1:
        raise UsageError("package locks for one Python and one system: give each once")
    (target,) = _targets(values)
    return target


def _output_file_pointer(path: Path) -> str:
    """pip-compile's ``-o FILE``, as pypi2nix's flags."""
    stem = path.name.removesuffix(".txt").removesuffix("_frozen")
    folder = str(path.parent)
    flags = " ".join([*([f"-O {folder}"] if folder != "." else []), f"--basename {stem}"])
    return (
        f"-o {path}: pypi2nix writes four files (NAME.nix, NAME_override.nix, "
        f"NAME_frozen.txt, the lock pip installs, and a pylock.toml): give {flags} to "
        f"write {path.parent / (stem + '_frozen.txt')} and the others beside it"
    )


def _pyproject_file(path: Path | None) -> Path | None:
    """``--pyproject`` names the file or the project folder that holds it (as uv)."""
    if path is not None and path.is_dir():
        return path / "pyproject.toml"
    return path


def package_options(values: Mapping[str, Any]) -> PackageOptions:
    return PackageOptions(
        spec=values["name"],
        version=values["package_version"],
        target=_single_target(values),
        pre=values["pre"],
        build_constraint_files=tuple(values["build_constraint_files"]),
        builds=build_options(values),
        index=index_options(values),
        output=values["output"],
        with_tests=values["with_tests"],
        fetcher=values["fetcher"],
    )


def update_options(values: Mapping[str, Any]) -> UpdateOptions:
    return UpdateOptions(
        names=tuple(values["names"]),
        output_dir=values["output_dir"],
        basename=_check_basename(values["basename"]),
        index=index_options(values),
        builds=build_options(values),
        build_constraint_files=tuple(values["build_constraint_files"]) or None,
        dry_run=values["dry_run"],
    )


def tree_options(values: Mapping[str, Any]) -> TreeOptions:
    """:raises UsageError: for a Python or system pypi2nix does not lock for."""
    python, system = values["tree_python"], values["tree_system"]
    if python is not None or system is not None:  # checked as generate checks them
        Target.parse(python or DEFAULT_PYTHON, system or DEFAULT_SYSTEM)
    return TreeOptions(
        output_dir=values["output_dir"],
        basename=_check_basename(values["basename"]),
        python=python,
        system=system,
        depth=values["depth"],
        invert=values["invert"],
    )


def recorded_values(options: GenerateOptions) -> dict[str, Any]:
    """The recorded inputs of a lock, as data (by option ``dest``): what locks the same
    inputs again from the output directory (paths relative to it, passwords in index
    URLs left out). Inputs are sorted: their order does not change the lock, so it
    must not change the files."""
    directory = options.output_dir
    selects = options.pyproject is not None or any(map(is_lock_file, options.requirement_files))
    return {
        "requirement_files": _relative_paths(options.requirement_files, directory),
        "constraint_files": _relative_paths(options.constraint_files, directory),
        # Only when given: the locks written before the flag existed stay the same.
        **(
            {"build_constraint_files": _relative_paths(options.build_constraint_files, directory)}
            if options.build_constraint_files
            else {}
        ),
        "specs": sorted({_absolute_local_path(spec) for spec in options.specs}),
        "pyproject": None
        if options.pyproject is None
        else relative_to(options.pyproject, directory),
        "extras": sorted(set(options.extras)) if selects else [],
        "all_extras": options.all_extras,
        "groups": sorted(set(options.groups)) if selects else [],
        # Only when given: the locks written before the flag existed stay the same.
        **({"all_groups": True} if options.all_groups else {}),
        "python": [] if options.universal else _unique(t.python for t in options.targets),
        "system": [] if options.universal else _unique(t.system for t in options.targets),
        "universal": options.universal,
        "pre": options.pre,
        "no_binary": sorted(options.no_binary),
        "only_binary": sorted(options.only_binary),
        "no_build": options.no_build,
        "index_url": None
        if options.index.index_url is None
        else without_credentials(options.index.index_url),
        "extra_index_url": [without_credentials(url) for url in options.index.extra_index_urls],
        "fetcher": None if options.fetcher == DEFAULT_FETCHER else options.fetcher,
    }


def recorded_words(values: Mapping[str, Any]) -> list[str]:
    """The ``generate`` command line of recorded inputs (:func:`recorded_values`)."""
    words = ["pypi2nix", "generate"]
    for option in recorded_options():
        value = values.get(option.dest)
        if option.action == "store_true":
            words += [option.flag] if value else []
        elif isinstance(value, list):
            items = [option.joined.join(value)] if option.joined and value else value
            words += [word for item in items for word in (option.flags[0], str(item))]
        elif value is not None:
            words += [option.flag, str(value)]
    return words


def values_from_record(record: Mapping[str, Any], directory: Path) -> dict[str, Any]:
    """Recorded inputs as the parser's values, their paths taken relative to the
    output ``directory`` again.

    :raises UsageError: for a record of another shape.
    """
    values: dict[str, Any] = {}
    for option in recorded_options():
        value = record.get(option.dest, option.initial)
        if option.dest in _RECORDED_FILES:
            value = [_in_directory(directory, Path(path)) for path in _strings(value)]
        elif option.dest == "pyproject" and value is not None:
            value = directory / str(value)
        elif option.action == "append":
            value = _strings(value)
        values[option.dest] = value
    return values


_RECORDED_FILES = ("requirement_files", "constraint_files", "build_constraint_files")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _strings(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UsageError(f"a recorded list of strings is {value!r}")
    return value


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


def _relative_paths(paths: tuple[Path, ...], directory: Path) -> list[str]:
    return sorted({relative_to(path, directory) for path in paths})


def relative_to(path: Path, directory: Path) -> str:
    """A path as seen from ``directory`` (``-``, standard input, as it is)."""
    if str(path) == STANDARD_INPUT:
        return STANDARD_INPUT
    return os.path.relpath(path.absolute(), directory.absolute())


def _in_directory(directory: Path, file: Path) -> Path:
    return file if str(file) == STANDARD_INPUT else directory / file
