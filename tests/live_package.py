"""Live check of ``pypi2nix package``: compare with nixpkgs' own expressions, and build.

    python -m tests.live_package [--work DIR] [--no-build] [NAME ...]

For every package of ``fixtures/nixpkgs-facts.toml`` (facts read by hand from
nixpkgs' ``pkgs/development/python-modules/<name>/default.nix``) it runs ``pypi2nix
package NAME==VERSION`` at nixpkgs' version against the live index, checks the file
with ``nix-instantiate --parse``, and compares build-system, dependencies,
optional-dependencies, pythonImportsCheck and license with nixpkgs'.

Then (unless ``--no-build``) it builds toolz, attrs, rich, httpx and typer, at
nixpkgs' version and at the newest release, in the test stand-in for nixpkgs:
``callPackage ./NAME { }`` in a package set whose other packages come from
``pypi2nix generate -e NAME`` (see ``tests/live_build.py``), offline, with the
import check.

Needs the network and the nix binaries; run it as root (builds use the host Python).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypi2nix.commands.package import package
from pypi2nix.nix.licenses import map_license
from pypi2nix.nix.nixpkgs import build_tools, runtime_dependencies, user_extras
from pypi2nix.options import PackageOptions
from pypi2nix.target import Target
from pypi2nix.ui import Console
from tests import live_build
from tests.support import nix

FACTS = Path(__file__).resolve().parents[1] / "fixtures" / "nixpkgs-facts.toml"
BUILT = ("toolz", "attrs", "rich", "httpx", "typer")
FIELDS = ("build-system", "dependencies", "optional-dependencies", "imports", "license")
TARGET = Target.parse("3.11", "x86_64-linux")


@dataclass
class Comparison:
    name: str
    version: str
    verdicts: dict[str, str] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--work", type=Path, default=None, help="keep the files here")
    parser.add_argument("--no-build", action="store_true", help="compare only")
    arguments = parser.parse_args()
    missing = [binary for binary in nix.BINARIES if shutil.which(binary) is None]
    if missing:
        parser.error(f"needs the nix binaries; missing: {', '.join(missing)}")
    work = arguments.work or Path(tempfile.mkdtemp(prefix="pypi2nix-package-"))
    facts = tomllib.loads(FACTS.read_text())
    names = arguments.names or sorted(facts)
    comparisons = [compare(name, facts[name], work) for name in names]
    print_comparisons(comparisons)
    failures = 0
    if not arguments.no_build:
        failures = build_all(work, [(name, facts[name]["version"]) for name in BUILT])
    return 1 if failures else 0


def write_package(spec: str, output: Path) -> Any:
    options = PackageOptions(spec=spec, target=TARGET, output=output)
    result = package(options, Console(-1))
    nix.run("nix-instantiate", "--parse", str(output))
    return result.pin


def compare(name: str, facts: dict[str, Any], work: Path) -> Comparison:
    version = facts["version"]
    pin = write_package(f"{name}=={version}", work / "compare" / name / "default.nix")
    comparison = Comparison(name, version)
    ours: dict[str, Any] = {
        "build-system": set(build_tools(pin)),
        "dependencies": set(runtime_dependencies(pin)),
        "optional-dependencies": {extra: set(names) for extra, names in user_extras(pin)},
        "imports": set(pin.import_names),
        "license": set(map_license(pin.meta).attributes),
    }
    for key in FIELDS:
        if key not in facts:
            comparison.verdicts[key] = "-"
            continue
        theirs = facts[key]
        theirs = {k: set(v) for k, v in theirs.items()} if isinstance(theirs, dict) else set(theirs)
        verdict = "ok" if ours[key] == theirs else "DIFF"
        if verdict == "DIFF" and key == "imports" and _top_level(ours[key]) == _top_level(theirs):
            verdict = "top"  # the same packages; nixpkgs lists submodules too
        comparison.verdicts[key] = verdict
        if verdict == "DIFF":
            comparison.differences.append(
                f"{key}: ours {_shown(ours[key])}, nixpkgs {_shown(theirs)}"
            )
    if "note" in facts:
        comparison.differences.append(f"nixpkgs: {facts['note']}")
    return comparison


def _top_level(names: Any) -> set[str]:
    return {name.split(".")[0] for name in names}


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {sorted(v)}" for k, v in sorted(value.items())) + "}"
    return str(sorted(value))


def print_comparisons(comparisons: list[Comparison]) -> None:
    print(f"{'package':<18}{'version':<13}" + "".join(f"{key:<23}" for key in FIELDS))
    for c in comparisons:
        print(f"{c.name:<18}{c.version:<13}" + "".join(f"{c.verdicts[k]:<23}" for k in FIELDS))
    print()
    print("agreement (ok, or top: same top-level imports; of the packages where nixpkgs sets it):")
    for key in FIELDS:
        judged = [c.verdicts[key] for c in comparisons if c.verdicts[key] != "-"]
        agreeing = sum(verdict in ("ok", "top") for verdict in judged)
        print(f"  {key:<22} {agreeing}/{len(judged)}")
    print()
    for c in comparisons:
        for difference in c.differences:
            print(f"{c.name}: {difference}")


def build_all(work: Path, pinned: list[tuple[str, str]]) -> int:
    """Build each package at nixpkgs' version and at the newest release, in a package
    set locked with all of its extras (callPackage needs every argument to exist)."""
    builds = []
    for name, version in pinned:
        for spec in (f"{name}=={version}", name):
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", spec)
            directory = work / "build" / safe
            pin = write_package(spec, directory / "default.nix")
            extras = ",".join(extra for extra, _ in user_extras(pin))
            lock_spec = f"{name}[{extras}]=={pin.version}" if extras else f"{name}=={pin.version}"
            spec_file = work / "inputs" / f"{safe}.txt"
            spec_file.parent.mkdir(parents=True, exist_ok=True)
            spec_file.write_text(lock_spec + "\n")
            builds.append((spec, pin, directory, live_build.lock_set(safe, [spec_file], work)))
    locks = [lock for *_, lock in builds]
    nixpkgs = live_build.make_nixpkgs(work, locks, live_build.nixpkgs_attributes())
    failures = 0
    print()
    print(f"{'spec':<18}{'version':<10}result")
    for spec, pin, directory, lock in builds:
        expression = (
            f"let pkgs = import {nixpkgs} {{ }}; lock = import {lock.folder}/requirements.nix "
            f"{{ inherit pkgs; }}; in lock.python.pkgs.callPackage {directory} {{ }}"
        )
        result = subprocess.run(
            ["nix-build", "--no-out-link", *nix.BUILD_OPTIONS, "--expr", expression],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        built = result.returncode == 0
        failures += not built
        outcome = "built, imports checked" if built else live_build.last_error(result.stderr)
        print(f"{spec:<18}{pin.version:<10}{outcome}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
