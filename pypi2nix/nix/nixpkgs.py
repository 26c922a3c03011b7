"""Render one pin as a nixpkgs ``pkgs/development/python-modules/<name>/default.nix``.

The file is a function of the package set, called with ``python3Packages.callPackage``:
its arguments are grouped under ``# build-system``, ``# dependencies``,
``# optional-dependencies`` and ``# tests`` comments, one per line, as nixfmt writes
them, and its body is the ``buildPythonPackage rec { ... }`` nixpkgs reviewers expect.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pypi2nix.errors import UsageError
from pypi2nix.filenames import is_linux_binary_wheel
from pypi2nix.nix.escape import is_identifier, nix_attribute, nix_comment, nix_string
from pypi2nix.nix.lines import indent, list_attribute
from pypi2nix.nix.names import Names
from pypi2nix.nix.native import (
    NOT_PYTHON_ATTRIBUTES,
    binary_wheel_attributes,
    extra_build_tools,
    source_build,
    source_build_attributes,
    split_system_libraries,
    system_functions,
)
from pypi2nix.nix.package import (
    imports_check_attribute,
    meta_attribute,
    source_attribute,
    source_fetcher,
)
from pypi2nix.nix.tables import build_system_attribute

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pypi2nix.models import Pin
    from pypi2nix.options import Fetcher

TEST_EXTRAS = ("test", "tests", "testing")
# Extras for working on the package, not for using it: nixpkgs leaves them out.
# ``check``, ``cover``, ``enabler`` and ``type`` are those of the widespread jaraco
# project skeleton (pytest plugins and type checkers).
DEVELOPMENT_EXTRAS = frozenset(
    {
        "benchmark", "benchmarking", "benchmarks", "check", "code-style", "codestyle", "cov",
        "cover", "coverage", "dev", "develop", "development", "doc", "docs", "documentation",
        "enabler", "lint", "linting", "mypy", "pre-commit", "profiling", "style", "type",
        "typing",
    }
)  # fmt: skip
# Test requirements that nixpkgs provides otherwise: pytest comes with pytestCheckHook,
# and nixpkgs asks for its stub of pytest-cov.
TEST_ATTRIBUTES = {"pytest": None, "pytest-cov": "pytest-cov-stub"}

_LEADING_ARTICLE = re.compile(r"^(?:A|An|The)\s+(?=\w)")

# Names a dependency cannot take as a function argument without changing what the
# body means: Nix's global builtins, what the body itself uses, and the ``rec``
# attributes of ``buildPythonPackage rec { ... }`` (which shadow any argument there).
# Such a dependency is reached through the interpreter's package set instead.
# Dependency names are canonical (lowercase), so only lowercase names can clash.
PACKAGE_SET = "python"
SHADOWING_NAMES = frozenset(
    {
        "abort", "break", "builtins", "derivation", "false", "import", "map", "null",
        "placeholder", "throw", "true",
        PACKAGE_SET, "lib", "fetchurl", "fetchgit",
        "pname", "version", "format", "pyproject", "src", "build-system", "dependencies",
        "optional-dependencies", "meta",
    }
)  # fmt: skip

ARGUMENT_NAMES = Names(
    build_python_package="buildPythonPackage",
    dependency=lambda name: name,
    build_tool=build_system_attribute,
)


@dataclass(frozen=True, slots=True)
class Tests:
    """What the check phase gets: ``None`` inputs means tests are off, for ``reason``."""

    inputs: tuple[str, ...] | None
    reason: str = ""
    asked: bool = False


def choose_tests(pin: Pin, *, with_tests: bool) -> Tests:
    """Tests from the package's test extra, else its test dependency group (PEP 735),
    when asked for and when it has one."""
    if not with_tests:
        return Tests(None, "Tests are not set up yet.")
    declared = [dict(pin.optional_dependencies), dict(pin.dependency_groups)]
    found = [(names, name) for names in declared for name in TEST_EXTRAS if name in names]
    if not found:
        return Tests(
            None,
            "The package declares no test extra or group: its test dependencies are unknown.",
            asked=True,
        )
    table, key = found[0]
    names = {TEST_ATTRIBUTES.get(name, name) for name in table[key]}
    inputs = ("pytestCheckHook", *sorted(name for name in names if name is not None))
    return Tests(inputs, asked=True)


def wheel_reason_text(pin: Pin) -> str | None:
    """Why a pin is built from its wheel, not its sdist, as nixpkgs would (a sentence)."""
    if pin.wheel_reason is None or pin.source.kind != "wheel":
        return None
    return f"From its wheel, not its sdist: {pin.wheel_reason}."


def _wheel_reason(pin: Pin) -> list[str]:
    text = wheel_reason_text(pin)
    return [] if text is None else [nix_comment(text)]


def render_nixpkgs_package(pin: Pin, *, tests: Tests, fetcher: Fetcher = "auto") -> str:
    """The text of ``default.nix`` for a pin; the same pin always gives the same bytes.

    :raises UsageError: when a dependency's name cannot be a Nix function argument.
    """
    extras = user_extras(pin)
    groups = _argument_groups(pin, extras, tests, fetcher)
    body = [
        f"pname = {nix_string(pin.name)};",
        f"version = {nix_string(pin.version)};",
        *_wheel_reason(pin),
        'format = "wheel";' if pin.source.kind == "wheel" else "pyproject = true;",
        "",
        *source_attribute(pin, ARGUMENT_NAMES, fetcher=fetcher, pname=pin.name),
        "",
    ]
    patchelf = binary_wheel_attributes(pin, ARGUMENT_NAMES)
    if patchelf:
        body += [*patchelf, ""]
    if pin.source.kind == "sdist":
        body += [*list_attribute("build-system", _references(build_tools(pin))), ""]
        native = source_build_attributes(pin, ARGUMENT_NAMES)
        if native:
            body += [*native, ""]
    body += [*list_attribute("dependencies", _references(runtime_dependencies(pin))), ""]
    if extras:
        body += [*_optional_dependencies(extras), ""]
    body += [*_check_attributes(tests), ""]
    body += [
        *imports_check_attribute(
            pin.import_names,
            pin.skipped_imports,
            environment=pin.imports_check_environment,
            optional=pin.optional_dependencies,
        ),
        "",
    ]
    meta = dataclasses.replace(pin.meta, description=nixpkgs_description(pin.meta.description))
    body += meta_attribute(meta, ARGUMENT_NAMES, changelog=True, maintainers=True)
    lines = [
        "{",
        *indent(_arguments(groups)),
        "}:",
        "",
        "buildPythonPackage rec {",
        *indent(body),
        "}",
    ]
    return "\n".join(lines) + "\n"


def shadows(name: str) -> bool:
    """Whether a package taken by this name as an argument would hide a meaning."""
    return name in SHADOWING_NAMES or name.startswith("__")


def package_reference(name: str) -> str:
    """How the body refers to a package: its argument, or ``python.pkgs."false"``."""
    return f"{PACKAGE_SET}.pkgs.{nix_string(name)}" if shadows(name) else name


def _references(names: Sequence[str]) -> list[str]:
    return [package_reference(name) for name in names]


def _argument_groups(
    pin: Pin, extras: Sequence[tuple[str, Sequence[str]]], tests: Tests, fetcher_choice: Fetcher
) -> list[tuple[str | None, list[str]]]:
    fetcher = source_fetcher(pin, fetcher_choice)
    candidates: list[tuple[str | None, Sequence[str]]] = [
        (
            None,
            [
                "lib",
                "buildPythonPackage",
                fetcher,
                *(["autoPatchelfHook"] if is_linux_binary_wheel(pin.source.filename) else []),
                *_system_arguments(pin),
            ],
        ),
        ("build-system", sorted(build_tools(pin)) if pin.source.kind == "sdist" else []),
        ("dependencies", sorted(runtime_dependencies(pin))),
        ("optional-dependencies", sorted({name for _, names in extras for name in names})),
        ("tests", list(tests.inputs or ())),
    ]
    packages = {name for _, names in candidates[1:] for name in names}
    if any(shadows(name) for name in packages):
        candidates[0] = (None, [*candidates[0][1], PACKAGE_SET])
    seen: set[str] = set()
    groups = []
    for heading, names in candidates:
        fresh = [
            name for name in names if name not in seen and (heading is None or not shadows(name))
        ]
        seen.update(fresh)
        if fresh:
            groups.append((heading, fresh))
    for _, names in groups:
        for name in names:
            if not is_identifier(name):
                raise UsageError(
                    f"{name!r} is not a valid Nix argument name, so {pin.name} cannot take it "
                    "as nixpkgs packages do; write that argument by hand"
                )
    return groups


def _arguments(groups: Sequence[tuple[str | None, Sequence[str]]]) -> list[str]:
    lines: list[str] = []
    for heading, names in groups:
        if heading is not None:
            lines += ["", nix_comment(heading)]
        lines += [f"{name}," for name in names]
    return lines


def user_extras(pin: Pin) -> list[tuple[str, tuple[str, ...]]]:
    """The extras written as ``optional-dependencies``: all but tests and development."""
    return [
        (extra, names)
        for extra, names in pin.optional_dependencies
        if extra not in DEVELOPMENT_EXTRAS
        and not extra.startswith(("test-", "tests-"))
        and extra not in TEST_EXTRAS
    ]


def build_tools(pin: Pin) -> tuple[str, ...]:
    """nixpkgs attributes of the build requirements; ``wheel`` goes with setuptools in
    nixpkgs, so it is left out next to it, as nixpkgs expressions do."""
    tools = {
        build_system_attribute(name)
        for name in pin.build_system
        if name not in NOT_PYTHON_ATTRIBUTES
    } | set(extra_build_tools(pin))
    if "setuptools" in tools:
        tools.discard("wheel")
    return tuple(sorted(tools))


def _system_arguments(pin: Pin) -> list[str]:
    """Top-level nixpkgs packages the expression uses: the function takes each by the
    first part of its attribute path (``rustPlatform`` for ``rustPlatform.cargoSetupHook``)."""
    build = source_build(pin)
    paths = [
        *split_system_libraries(pin)[0],
        *build.native_build_inputs,
        *build.build_inputs,
        *system_functions(build),
    ]
    return sorted({path.split(".")[0] for path in paths})


def runtime_dependencies(pin: Pin) -> tuple[str, ...]:
    """Every runtime dependency, those left out of a cycle by ``generate`` included."""
    return tuple(sorted({dep.name for dep in (*pin.dependencies, *pin.dropped_dependencies)}))


def _optional_dependencies(extras: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    body = []
    for extra, names in extras:
        body += list_attribute(nix_attribute(extra), _references(names))
    return ["optional-dependencies = {", *indent(body), "};"]


def nixpkgs_description(description: str | None) -> str | None:
    """The summary as nixpkgs wants ``meta.description``: no leading article, no final
    period, a capital first letter."""
    if description is None:
        return None
    text = _LEADING_ARTICLE.sub("", description.strip())
    if text.endswith(".") and not text.endswith(".."):
        text = text[:-1]
    return text[:1].upper() + text[1:] or None


def _check_attributes(tests: Tests) -> list[str]:
    if tests.inputs is None:
        return [nix_comment(tests.reason), "doCheck = false;"]
    return [*list_attribute("nativeCheckInputs", _references(tests.inputs)), "doCheck = true;"]
