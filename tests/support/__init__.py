"""Helpers shared by the tests: the fixture index and the nix stand-in."""

from __future__ import annotations

import contextlib
import logging
import re
import textwrap
from typing import TYPE_CHECKING

from pypi2nix import inputs
from pypi2nix.dists.sdist import local_project_name

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from pathlib import Path

    from pypi2nix.models import RequirementSet


@contextlib.contextmanager
def preserved_logging() -> Iterator[None]:
    """``main()`` configures the ``pypi2nix`` logger for the terminal; undo that after."""
    logger = logging.getLogger("pypi2nix")
    saved = (logger.handlers[:], logger.level, logger.propagate)
    try:
        yield
    finally:
        logger.handlers[:], logger.level, logger.propagate = saved


def read_inputs(
    requirement_files: Iterable[Path] = (),
    specs: Iterable[str] = (),
    constraint_files: Iterable[Path] = (),
) -> RequirementSet:
    """The inputs stage as the commands call it (local folders named by their files)."""
    return inputs.read_inputs(
        requirement_files, specs, constraint_files, project_name=local_project_name
    )


def package_block(text: str, name: str) -> str:
    """The expression of one pin in a generated ``requirements.nix``, indented as if the
    overlay had no let block (its attribute at four spaces)."""
    match = re.search(rf"^( *){re.escape(name)} = self\.buildPythonPackage rec {{$", text, re.M)
    assert match is not None, f"no package {name}"
    indent = match[1]
    end = text.index(f"\n{indent}}};\n", match.start())
    block = text[match.start() : end]
    return textwrap.indent(textwrap.dedent(block), "    ")
