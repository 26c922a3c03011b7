"""pypi2nix: turn Python requirements into Nix expressions built with buildPythonPackage."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
