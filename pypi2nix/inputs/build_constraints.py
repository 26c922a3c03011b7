"""Build constraints files (``--build-constraint FILE``, as pip and uv take them): a
constraints file in pip's syntax whose lines narrow the versions of build
requirements only. Neither pip nor uv reads one from a requirements file (pip's
requirements-file options and uv's requirements.txt statements have no
``--build-constraint``), so it is a command-line flag only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.inputs.requirements_txt import read_inputs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from pypi2nix.models import InputRequirement


def read_build_constraints(
    paths: Iterable[Path], *, project_name: Callable[[Path], str]
) -> tuple[InputRequirement, ...]:
    """The constraints of build constraints files (with the files they include).

    :raises InputError: for a line that is not a constraint (as in any constraints
        file, a URL or a path is refused).
    :raises UsageError: when a file cannot be read.
    """
    paths = tuple(paths)
    if not paths:
        return ()
    return read_inputs(constraint_files=paths, project_name=project_name).constraints
