"""Build tools in ``requirements.nix``: nixpkgs' own where it has the tool at a version
the sdist allows, else the copy locked from its wheel, decided at evaluation so that
the file works against whatever nixpkgs the user has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pypi2nix.nix.escape import nix_attribute, nix_comment, nix_select
from pypi2nix.nix.lines import indent
from pypi2nix.nix.names import OVERLAY_NAMES, Names
from pypi2nix.nix.package import package_expression

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from pypi2nix.models import BuildTool, Pin
    from pypi2nix.options import Fetcher

# The helpers, in the generated overlay's let block. builtins.compareVersions orders
# release versions as PEP 440 does.
_HELPERS = [
    nix_comment("Build tools: nixpkgs' own where it has one at a version the sdist allows, else"),
    nix_comment("the copy locked below, installed from its wheel."),
    "compare =",
    "  version: constraint:",
    "  let",
    "    order = builtins.compareVersions version (builtins.elemAt constraint 1);",
    "    op = builtins.head constraint;",
    "  in",
    '  if op == ">=" then order >= 0',
    '  else if op == ">" then order > 0',
    '  else if op == "<=" then order <= 0',
    '  else if op == "<" then order < 0',
    '  else if op == "!=" then order != 0',
    "  else order == 0;",
    "buildTool =",
    "  name: constraints: locked:",
    "  if super ? ${name} && builtins.all (compare super.${name}.version) constraints then",
    "    super.${name}",
    "  else",
    "    locked;",
]


def build_tools_block(
    *, pins: Iterable[Pin], tools: Iterable[BuildTool], fetcher: Fetcher
) -> list[str]:
    """The helpers and the ``buildTools`` set (each tool once, by key, sorted), for the
    generated overlay's let block (nothing when no pin is built from source)."""
    if not any(pin.build_requirements for pin in pins):
        return []
    body: list[str] = []
    unique = {tool.key: tool for tool in tools}
    for tool in (unique[key] for key in sorted(unique)):
        names = _tool_names(tool, {key: other.pin.name for key, other in unique.items()})
        expression = package_expression(tool.pin, names, fetcher=fetcher)
        body += [f"{nix_attribute(tool.key)} = {expression[0]}", *expression[1:-1]]
        body.append(expression[-1] + ";")
    block = ["buildTools = lib.fix (tools: {", *indent(body), "});"] if body else []
    return [*_HELPERS, *(block or ["buildTools = { };"])]


def _tool_names(tool: BuildTool, names: Mapping[str, str]) -> Names:
    """A locked tool's dependencies are other locked tools, built with nixpkgs' own
    buildPythonPackage: never the pins of the overlay."""
    keys = {names[key]: key for key in tool.dependencies}
    return Names(
        build_python_package="super.buildPythonPackage",
        dependency=lambda name: nix_select("tools", keys[name]),
        build_tool=OVERLAY_NAMES.build_tool,
        auto_patchelf=OVERLAY_NAMES.auto_patchelf,
        system=OVERLAY_NAMES.system,
    )
