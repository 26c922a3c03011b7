"""How a rendered package refers to what is outside of it: the one difference between
a package inside ``generate``'s overlay and ``package``'s nixpkgs-style file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.nix.constraints import build_tool_reference
from pypi2nix.nix.escape import nix_select
from pypi2nix.nix.tables import build_system_attribute

if TYPE_CHECKING:
    from collections.abc import Callable

    from pypi2nix.models import BuildRequirement


@dataclass(frozen=True, slots=True)
class Names:
    """How a rendered package refers to what is outside of it."""

    build_python_package: str
    dependency: Callable[[str], str]
    build_tool: Callable[[str], str]
    fetch_pypi: str = "fetchPypi"
    fetchurl: str = "fetchurl"
    fetchgit: str = "fetchgit"
    fetch_from_github: str = "fetchFromGitHub"
    lib: str = "lib"
    auto_patchelf: str = "autoPatchelfHook"
    # A top-level nixpkgs attribute path (``stdenv.cc.cc.lib``) as an expression.
    system: Callable[[str], str] = lambda path: path
    # A build requirement with its locked fallback (None: the tool by name only).
    build_requirement: Callable[[BuildRequirement], str] | None = None


OVERLAY_NAMES = Names(
    build_python_package="self.buildPythonPackage",
    dependency=lambda name: nix_select("self", name),
    build_tool=lambda name: nix_select("super", build_system_attribute(name)),
    auto_patchelf="pkgs.autoPatchelfHook",
    system=lambda path: f"pkgs.{path}",
    build_requirement=build_tool_reference,
)
