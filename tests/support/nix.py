"""Run the real nix binaries against the test stand-in for nixpkgs (``tests/nixpkgs``).

Tests that need nix are marked ``nix``. Without the binaries they are skipped,
unless ``PYPI2NIX_REQUIRE_NIX=1`` (set by CI) turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from packaging.metadata import parse_email
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if TYPE_CHECKING:
    from collections.abc import Iterable

STAND_IN = Path(__file__).resolve().parents[1] / "nixpkgs"
REQUIRE_NIX_VARIABLE = "PYPI2NIX_REQUIRE_NIX"
BINARIES = ("nix-instantiate", "nix-build", "nix-store", "nix-hash")
# Builds run as the calling user, outside a sandbox, with no binary cache: the
# stand-in's builders use the host's Python interpreter.
BUILD_OPTIONS = (
    "--option", "substituters", "",
    "--option", "build-users-group", "",
    "--option", "sandbox", "false",
)  # fmt: skip


def require_nix() -> None:
    missing = [binary for binary in BINARIES if shutil.which(binary) is None]
    if not missing:
        return
    message = f"nix binaries not found: {', '.join(missing)}"
    if os.environ.get(REQUIRE_NIX_VARIABLE) == "1":
        pytest.fail(f"{message}, and {REQUIRE_NIX_VARIABLE}=1 says they must be there")
    pytest.skip(message)


def run(*command: str, cwd: Path | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd, check=False)
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-6000:]}"
        )
    return result.stdout


def add_fixed(path: Path) -> str:
    """Add a file to the store as a flat sha256 fixed output named like the file."""
    return run("nix-store", "--add-fixed", "sha256", str(path)).strip()


def add_files(files: Iterable[tuple[str, bytes]], directory: Path) -> dict[str, str]:
    """Write each (name, data) into ``directory`` and add it to the store."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, data in files:
        path = directory / name
        path.write_bytes(data)
        paths[name] = add_fixed(path)
    return paths


def evaluate(expression: str) -> Any:
    """``nix-instantiate --eval --strict --json`` of an expression."""
    return json.loads(run("nix-instantiate", "--eval", "--strict", "--json", "--expr", expression))


def evaluation_error(expression: str) -> str:
    """What ``nix-instantiate --eval --strict`` prints for an expression that must fail."""
    result = subprocess.run(
        ["nix-instantiate", "--eval", "--strict", "--expr", expression],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0, result.stdout
    return result.stderr


def build(expression: str) -> Path:
    """``nix-build`` an expression offline; the output path."""
    output = run("nix-build", "--no-out-link", *BUILD_OPTIONS, "--expr", expression)
    return Path(output.strip().splitlines()[-1])


def nix_path(path: Path) -> str:
    """A Nix path literal for an absolute path."""
    resolved = path.resolve()
    assert " " not in str(resolved), resolved
    return str(resolved)


# What the stand-in's default.nix takes, as nixpkgs' does (``system`` is used).
STAND_IN_ARGUMENTS = "{ system ? builtins.currentSystem, ... }"
# The other Pythons of a universal lock: the stand-in has them too, for evaluation
# (they run the host's Python).
OTHER_PYTHONS = ("3.12", "3.13", "3.14")


def stand_in(
    base_wheels: Path,
    host_python: str = sys.executable,
    served: Path | None = None,
    system: str = "builtins.currentSystem",
) -> str:
    """A Nix expression for the stand-in package set (with ``python3XY`` for the host,
    and for the other Pythons of a universal lock).

    :param system: a Nix expression for the system it reports (default: this one).

    :param served: a JSON list of the URLs the files host answers (see
        :func:`write_served_urls`); without it, fetchurl accepts any URL.
    """
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    table = "" if served is None else f" servedUrls = {nix_path(served)};"
    others = " ".join(f'"{other}"' for other in OTHER_PYTHONS if other != version)
    return (
        f"(import {nix_path(STAND_IN)} {{ hostPython = {json.dumps(host_python)}; "
        f'pythonVersion = "{version}"; baseWheels = {nix_path(base_wheels)};{table} '
        f"system = {system}; otherPythons = [ {others} ]; }})"
    )


def write_served_urls(urls: Iterable[str], destination: Path) -> Path:
    destination.write_text(json.dumps(sorted(set(urls)), indent=1))
    return destination


def also_serving(nixpkgs: Path, urls: Iterable[str], directory: Path) -> Path:
    """A ``<nixpkgs>`` like the stand-in at ``nixpkgs`` (the session's, see conftest),
    whose files host also answers ``urls``."""
    directory.mkdir(parents=True, exist_ok=True)
    known = json.loads((nixpkgs / "served.json").read_text())
    served = write_served_urls([*known, *urls], directory / "served.json")
    expression = stand_in(nixpkgs / "base-wheels.json", served=served, system="system")
    (directory / "default.nix").write_text(f"{STAND_IN_ARGUMENTS}: {expression}\n")
    return directory


def write_base_wheels(wheels: Iterable[Path], destination: Path) -> Path:
    """Describe real wheels as the stand-in's "nixpkgs" Python packages (and add them to
    the store). Dependencies are the wheels' unconditional requirements on each other."""
    infos: dict[str, dict[str, Any]] = {}
    requirements: dict[str, list[Requirement]] = {}
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            name = next(
                n
                for n in archive.namelist()
                if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            )
            raw, _ = parse_email(archive.read(name))
        attribute = canonicalize_name(raw["name"])
        add_fixed(wheel)
        infos[attribute] = {
            "pname": raw["name"],
            "version": raw["version"],
            "file": wheel.name,
            "sha256": _sha256(wheel),
        }
        requirements[attribute] = [Requirement(line) for line in raw.get("requires_dist", [])]
    for name, info in infos.items():
        needed = {
            canonicalize_name(requirement.name)
            for requirement in requirements[name]
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""})
        }
        info["dependencies"] = sorted(needed & infos.keys())
    destination.write_text(json.dumps(infos, indent=1, sort_keys=True))
    return destination


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_in_interpreter(
    requirements: Path, nixpkgs: Path, code: str, python: str | None = None
) -> str:
    """Build the ``interpreter`` of a generated file offline and run ``code`` with it;
    its standard output.

    :param python: the interpreter attribute to pass as ``python`` (default: the file's).
    """
    if python is None:
        interpreter = build_attribute(requirements, nixpkgs, "interpreter")
    else:
        expression = (
            f"(import {nix_path(requirements)} {{ pkgs = import <nixpkgs> {{ }}; "
            f"python = (import <nixpkgs> {{ }}).{python}; }}).interpreter"
        )
        output = run(
            "nix-build", "-E", expression, "-I", f"nixpkgs={nixpkgs}", "--no-out-link",
            *BUILD_OPTIONS,
        )  # fmt: skip
        interpreter = Path(output.strip().splitlines()[-1])
    result = subprocess.run(
        [f"{interpreter}/bin/python", "-c", code], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"{code!r} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def build_attribute(file: Path, nixpkgs: Path, attribute: str) -> Path:
    """``nix-build FILE -A ATTRIBUTE`` offline, with the stand-in as ``<nixpkgs>``."""
    output = run(
        "nix-build", str(file), "-A", attribute, "-I", f"nixpkgs={nixpkgs}", "--no-out-link",
        *BUILD_OPTIONS,
    )  # fmt: skip
    return Path(output.strip().splitlines()[-1])
