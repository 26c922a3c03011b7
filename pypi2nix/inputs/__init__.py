"""Input readers: requirements files and command-line specs -> RequirementSet."""

from __future__ import annotations

from pypi2nix.inputs.pyproject import PyprojectInput
from pypi2nix.inputs.requirements_txt import read_inputs

__all__ = ["PyprojectInput", "read_inputs"]
