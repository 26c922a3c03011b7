"""``pypi2nix package``: one package as a nixpkgs ``python-modules`` expression.

The package is locked with its dependencies like any requirement, so that its
import check is judged against what it really gets at run time; only its own pin is
written.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pypi2nix.commands.outputs import check_output_directory
from pypi2nix.commands.pipeline import LockRun, lock_inputs
from pypi2nix.dists.sdist import local_project_name
from pypi2nix.errors import UsageError
from pypi2nix.inputs import read_inputs
from pypi2nix.inputs.build_constraints import read_build_constraints
from pypi2nix.nix.escape import nix_absolute_path, nix_relative_path
from pypi2nix.nix.nixpkgs import (
    Tests,
    choose_tests,
    render_nixpkgs_package,
    user_extras,
    wheel_reason_text,
)
from pypi2nix.resolve import ResolutionPolicy
from pypi2nix.resolve.policy import SourcePolicy
from pypi2nix.target import DEFAULT_PYTHON, python_attribute
from pypi2nix.writer import OutputFile, WriteReport, write_outputs

if TYPE_CHECKING:
    from pypi2nix.models import Pin
    from pypi2nix.options import PackageOptions
    from pypi2nix.ui import Console


@dataclass(frozen=True, slots=True)
class PackageResult:
    pin: Pin
    path: Path
    tests: Tests
    run: LockRun
    report: WriteReport


def package(options: PackageOptions, console: Console) -> PackageResult:
    """Lock the package for the target and write its nixpkgs-style expression."""
    spec = package_spec(options.spec, options.version)
    if options.output is not None:
        check_output_directory(options.output.parent)
    inputs = read_inputs((), (spec,), (), project_name=local_project_name)
    run = lock_inputs(
        inputs,
        targets=(options.target,),
        policy=ResolutionPolicy.for_inputs(
            inputs,
            pre=options.pre,
            sources=SourcePolicy(default="sdist-first"),
            build_constraints=read_build_constraints(
                options.build_constraint_files, project_name=local_project_name
            ),
        ),
        index_options=options.index,
        builds=options.builds,
        console=console,
    )
    (graph,) = run.lock.graphs
    pin = graph.pin(canonicalize_name(Requirement(spec).name))
    tests = choose_tests(pin, with_tests=options.with_tests)
    text = render_nixpkgs_package(pin, tests=tests, fetcher=options.fetcher)
    path = options.output or Path(pin.name) / "default.nix"
    report = write_outputs([OutputFile(path, text)])
    return PackageResult(pin=pin, path=path, tests=tests, run=run, report=report)


def package_spec(name: str, version: str | None) -> str:
    """The requirement to lock: ``NAME``, ``NAME==VERSION`` or ``NAME`` with a range.

    :raises UsageError: for anything but a project name with an optional version.
    """
    try:
        requirement = Requirement(name)
    except InvalidRequirement as error:
        raise UsageError(f"invalid package {name!r}: {error}") from error
    if requirement.extras or requirement.url or requirement.marker:
        raise UsageError(
            f"invalid package {name!r}: give a project name, optionally with ==VERSION"
        )
    if version is None:
        return str(requirement)
    if requirement.specifier:
        raise UsageError("give the version as NAME==VERSION or with --version, not both")
    try:
        Version(version)
    except InvalidVersion as error:
        raise UsageError(f"invalid --version {version!r}: not a version") from error
    return f"{requirement.name}=={version}"


def package_report(result: PackageResult) -> list[str]:
    pin, run = result.pin, result.run
    (graph,) = run.lock.graphs
    extras = len(user_extras(pin))  # those written; test extras only with --with-tests
    dependencies = len(pin.dependencies) + len(pin.dropped_dependencies)
    lines = [
        f"Packaged {pin.name} {pin.version} for Python {graph.target.python} on "
        f"{graph.target.system}: {_count(dependencies, 'dependency', 'dependencies')}, "
        f"{_count(extras, 'extra', 'extras')}, built from "
        f"{'a wheel' if pin.source.kind == 'wheel' else 'its sdist'} "
        f"({run.seconds:.1f} s, {run.requests} requests).",
    ]
    reason = wheel_reason_text(pin)
    if reason is not None:
        lines.append(reason[0].upper() + reason[1:])
    if result.tests.inputs is None and result.tests.asked:
        lines.append(f"Tests are off. {result.tests.reason}")
    lines.append(f"Wrote {result.path}.")
    expression = (
        f"with import <nixpkgs> {{ }}; {package_set(graph.target.python)}.callPackage "
        f"{call_package_path(result.path)} {{ }}"
    )
    lines.append(f"Build it in nixpkgs with: nix-build -E {shlex.quote(expression)}")
    return lines


def call_package_path(path: Path) -> str:
    """The Nix path of the written file for ``callPackage``: its folder for a
    ``default.nix``; relative to the current directory unless given absolute."""
    target = path.parent if path.name == "default.nix" else path
    if target.is_absolute():
        return nix_absolute_path(target.as_posix())
    return nix_relative_path(target.as_posix())


def package_set(python: str) -> str:
    """nixpkgs' package set of a Python version: ``python3Packages`` for its default
    ``python3``, else ``python312Packages`` and so on."""
    if python == DEFAULT_PYTHON:
        return "python3Packages"
    return f"{python_attribute(python)}Packages"


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"
