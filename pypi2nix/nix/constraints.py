"""A build requirement as a Nix expression that picks nixpkgs' tool when its version
fits, else the locked copy (see :mod:`pypi2nix.nix.build_tools` for the helpers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from pypi2nix.nix.escape import nix_select, nix_string
from pypi2nix.nix.tables import build_system_attribute

if TYPE_CHECKING:
    from pypi2nix.models import BuildRequirement


def build_tool_reference(requirement: BuildRequirement) -> str:
    """``(buildTool "name" [ [ ">=" "3.2" ] ] buildTools."name-1.0")``."""
    attribute = build_system_attribute(requirement.name)
    pairs = " ".join(
        f"[ {nix_string(op)} {nix_string(version)} ]"
        for op, version in version_constraints(requirement.specifier)
    )
    constraints = f"[ {pairs} ]" if pairs else "[ ]"
    if requirement.tool is not None and requirement.locked_only:
        return nix_select("buildTools", requirement.tool)
    if requirement.tool is None:
        message = f"pypi2nix: nixpkgs has no {attribute} for this build, and no wheel of it fits"
        locked = f"(throw {nix_string(message)})"
    else:
        locked = nix_select("buildTools", requirement.tool)
    return f"(buildTool {nix_string(attribute)} {constraints} {locked})"


def version_constraints(specifier: str) -> list[tuple[str, str]]:
    """A PEP 440 specifier as comparisons ``builtins.compareVersions`` can make:
    ``~=`` and ``==X.*`` become a range; ``!=X.*`` cannot be said and is left out."""
    constraints: list[tuple[str, str]] = []
    for spec in sorted(SpecifierSet(specifier), key=str):
        text = spec.version
        if text.endswith(".*"):
            if spec.operator == "==":
                constraints += _prefix_range(text[:-2])
            continue
        if spec.operator == "~=":
            constraints += [(">=", text), *_prefix_range(_compatible_prefix(text))[1:]]
        else:
            constraints.append(("==" if spec.operator == "===" else spec.operator, text))
    return constraints


def _prefix_range(prefix: str) -> list[tuple[str, str]]:
    parts = prefix.split(".")
    try:
        upper = [*parts[:-1], str(int(parts[-1]) + 1)]
    except ValueError:
        return []
    return [(">=", prefix), ("<", ".".join(upper))]


def _compatible_prefix(version: str) -> str:
    try:
        release = Version(version).release
    except InvalidVersion:
        return version
    return ".".join(str(part) for part in release[:-1]) if len(release) > 1 else version
