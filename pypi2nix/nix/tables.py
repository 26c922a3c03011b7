"""Mappings from Python packaging names to nixpkgs attribute names."""

from __future__ import annotations

# Build requirements whose nixpkgs attribute is not simply their PEP 503 name.
# Every other build requirement maps to its normalized name, which is nixpkgs'
# naming rule for Python packages.
BUILD_SYSTEM_ATTRIBUTES: dict[str, str] = {
    "oldest-supported-numpy": "numpy",
    "poetry": "poetry-core",
    "setuptools-scm-git-archive": "setuptools-scm",
}


def build_system_attribute(name: str) -> str:
    """The attribute of a build requirement in nixpkgs' Python package set."""
    return BUILD_SYSTEM_ATTRIBUTES.get(name, name)
