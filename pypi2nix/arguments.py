"""Parsed command lines -> the options dataclasses of each command.

Shared by :mod:`pypi2nix.cli` and by ``update``, which turns the ``generate`` command
recorded in a frozen file back into options.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pypi2nix.errors import UsageError
from pypi2nix.options import GenerateOptions, IndexOptions, PackageOptions, UpdateOptions
from pypi2nix.parser import build_parser
from pypi2nix.resolve.policy import binary_names
from pypi2nix.store import default_cache_dir
from pypi2nix.target import Target

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from pathlib import Path

__all__ = ["generate_options", "package_options", "parse", "update_options"]

_BASENAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse a command line (``None``: the process's own arguments).

    :raises UsageError: for a usage mistake, naming the command's --help.
    """
    return build_parser().parse_args(argv)


def index_options(arguments: argparse.Namespace) -> IndexOptions:
    if arguments.workers < 1:
        raise UsageError(f"invalid --workers {arguments.workers}: give 1 or more")
    if arguments.offline and arguments.no_cache:
        raise UsageError("--offline needs the cache; it cannot be used with --no-cache")
    return IndexOptions(
        index_url=getattr(arguments, "index_url", None),
        extra_index_urls=tuple(getattr(arguments, "extra_index_url", ())),
        cache_dir=None if arguments.no_cache else (arguments.cache_dir or default_cache_dir()),
        offline=arguments.offline,
        refresh=getattr(arguments, "refresh", False),
        workers=arguments.workers,
    )


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


def _check_source_policy(options: GenerateOptions) -> GenerateOptions:
    both = sorted(set(options.no_binary) & set(options.only_binary))
    if both:
        raise UsageError(f"{', '.join(both)}: given to both --no-binary and --only-binary")
    return options


def generate_options(arguments: argparse.Namespace) -> GenerateOptions:
    if arguments.pyproject is None and (
        arguments.extras or arguments.all_extras or arguments.groups
    ):
        raise UsageError("--extra, --all-extras and --group need --pyproject")
    if arguments.check and arguments.dry_run:
        raise UsageError("--check and --dry-run cannot be used together")
    if arguments.upgrade and arguments.upgrade_packages:
        raise UsageError("--upgrade already lets every pin move; drop --upgrade-package")
    options = GenerateOptions(
        requirement_files=(*arguments.files, *arguments.requirement_files),
        specs=tuple(arguments.specs),
        constraint_files=tuple(arguments.constraint_files),
        pyproject=_pyproject_file(arguments.pyproject),
        extras=tuple(arguments.extras),
        all_extras=arguments.all_extras,
        groups=tuple(arguments.groups),
        target=Target.parse(arguments.python, arguments.system),
        pre=arguments.pre,
        no_binary=_binary_names("--no-binary", arguments.no_binary),
        only_binary=_binary_names("--only-binary", arguments.only_binary),
        prefer_wheels=arguments.prefer_wheels,
        no_build=arguments.no_build,
        index=index_options(arguments),
        output_dir=arguments.output_dir,
        basename=_check_basename(arguments.basename),
        fetcher=arguments.fetcher,
        upgrade=arguments.upgrade,
        upgrade_packages=tuple(arguments.upgrade_packages),
        dry_run=arguments.dry_run,
        check=arguments.check,
    )
    return _check_source_policy(options)


def _pyproject_file(path: Path | None) -> Path | None:
    """``--pyproject`` names the file or the project folder that holds it (as uv)."""
    if path is not None and path.is_dir():
        return path / "pyproject.toml"
    return path


def package_options(arguments: argparse.Namespace) -> PackageOptions:
    return PackageOptions(
        spec=arguments.name,
        version=arguments.package_version,
        target=Target.parse(arguments.python, arguments.system),
        pre=arguments.pre,
        index=index_options(arguments),
        output=arguments.output,
        with_tests=arguments.with_tests,
        fetcher=arguments.fetcher,
    )


def update_options(arguments: argparse.Namespace) -> UpdateOptions:
    return UpdateOptions(
        names=tuple(arguments.names),
        output_dir=arguments.output_dir,
        basename=_check_basename(arguments.basename),
        index=index_options(arguments),
        dry_run=arguments.dry_run,
    )
