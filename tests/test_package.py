"""``pypi2nix package``: a nixpkgs-style expression for one package of the fixture index."""

from __future__ import annotations

import contextlib
import shlex
from typing import TYPE_CHECKING

import pytest
import responses
from packaging.utils import NormalizedName

from pypi2nix.cli import main
from pypi2nix.models import Dependency, PackageMeta
from pypi2nix.nix.nixpkgs import choose_tests, nixpkgs_description, render_nixpkgs_package
from tests.support import nix, preserved_logging
from tests.support.fixture_index import INDEX_URL, FixtureIndex
from tests.test_render import pin as render_pin

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.models import Pin
    from tests.support.fixture_index import IndexFile


def package(directory: Path, *arguments: str, quiet: bool = True) -> int:
    """Run ``pypi2nix package`` in ``directory``."""
    flags = ["-i", INDEX_URL, "--python", "3.11", *(["-q"] if quiet else [])]
    with contextlib.chdir(directory):
        return main(["package", *flags, *arguments])


def test_alpha_in_nixpkgs_style(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    assert package(tmp_path, "alpha", "--fetcher", "fetchpypi") == 0
    text = (tmp_path / "alpha" / "default.nix").read_text()
    assert text.startswith(
        "{\n"
        "  lib,\n"
        "  buildPythonPackage,\n"
        "  fetchPypi,\n"
        "\n"
        "  # build-system\n"
        "  setuptools,\n"
        "\n"
        "  # dependencies\n"
        "  beta,\n"
        "\n"
        "  # optional-dependencies\n"
        "  epsilon,\n"
        "}:\n"
        "\n"
        "buildPythonPackage rec {\n"
        '  pname = "alpha";\n'
        '  version = "1.0.0";\n'
        "  pyproject = true;\n"
        "\n"
        "  src = fetchPypi {\n"
        "    inherit pname version;\n"
    )
    assert "  build-system = [ setuptools ];\n" in text
    assert "  dependencies = [\n    beta\n    setuptools\n  ];\n" in text
    assert "  optional-dependencies = {\n    fast = [ epsilon ];\n  };\n" in text
    assert "test = [" not in text  # the test extra is for --with-tests
    assert "  # Tests are not set up yet.\n  doCheck = false;\n" in text
    assert '  pythonImportsCheck = [ "alpha" ];\n' in text
    assert '    changelog = "https://alpha.example.test/changes";\n' in text
    assert "    license = lib.licenses.mit;\n    maintainers = [ ];\n  };\n}\n" in text
    assert "pypi2nix" not in text


def test_with_tests_uses_the_test_extra(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    assert package(tmp_path, "alpha==1.0.0", "--with-tests", "-o", "out.nix") == 0
    text = (tmp_path / "out.nix").read_text()
    assert "  # tests\n  pytestCheckHook,\n  gamma,\n  pytest-cov-stub,\n}:" in text
    assert (
        "  nativeCheckInputs = [\n    pytestCheckHook\n    gamma\n    pytest-cov-stub\n  ];\n"
        "  doCheck = true;\n"
    ) in text


def test_with_tests_uses_a_test_dependency_group(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    assert package(tmp_path, "gamma==2.0.0", "--with-tests") == 0
    text = (tmp_path / "gamma" / "default.nix").read_text()
    assert "  nativeCheckInputs = [\n    pytestCheckHook\n    mypy\n  ];\n" in text  # not colorama


def test_with_tests_without_a_test_extra(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert package(tmp_path, "beta", "--with-tests", quiet=False) == 0
    text = (tmp_path / "beta" / "default.nix").read_text()
    assert (
        "  # The package declares no test extra or group: its test dependencies are unknown.\n"
        in text
    )
    assert "  doCheck = false;\n" in text
    err = capsys.readouterr().err
    assert "Tests are off." in err
    assert "Wrote beta/default.nix." in err
    assert "python311Packages.callPackage ./beta { }" in err
    assert "0 extras" in err


def test_the_report_counts_the_extras_written_and_names_the_package_set(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.chdir(tmp_path):
        assert main(["package", "-i", INDEX_URL, "--python", "3.13", "alpha==1.0.0"]) == 0
        assert main(["package", "-i", INDEX_URL, "--python", "3.12", "alpha", "-o", "a"]) == 0
    err = capsys.readouterr().err
    assert "2 dependencies, 1 extra, built from" in err  # fast; not the test extra
    assert "python3Packages.callPackage ./alpha { }" in err
    assert "python312Packages.callPackage ./a { }" in err


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cyc-a", '    pname = "cyc_a";\n    inherit version;\n'),
        ("zeta-util", '    pname = "Zeta_Util";\n    inherit version;\n    extension = "zip";\n'),
    ],
)
def test_fetchpypi_pname_follows_the_file_name(
    fixture_index: FixtureIndex, tmp_path: Path, name: str, expected: str
) -> None:
    assert package(tmp_path, name, "--fetcher", "fetchpypi") == 0
    text = (tmp_path / name / "default.nix").read_text()
    assert f'  pname = "{name}";\n' in text
    assert "  src = fetchPypi {\n" + expected in text


def test_a_wheel_only_release(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    assert package(tmp_path, "setuptools", "--fetcher", "fetchpypi") == 0
    text = (tmp_path / "setuptools" / "default.nix").read_text()
    assert '  format = "wheel";\n' in text
    assert "build-system" not in text
    # Not fetchPypi, whose wheel URL holds the python_version recorded at upload.
    assert '  src = fetchurl {\n    url = "https://files.example.test/packages/' in text
    assert "fetchPypi" not in text


def test_sources_off_the_public_index_use_fetchurl(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    assert package(tmp_path, "beta") == 0
    text = (tmp_path / "beta" / "default.nix").read_text()
    assert "  fetchurl,\n" in text
    assert "  src = fetchurl {\n    url = " in text


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["alpha[fast]"], "give a project name, optionally with ==VERSION"),
        (["alpha==1.0.0", "--version", "1.0.0"], "not both"),
        (["alpha", "--version", "one"], "invalid --version 'one'"),
        (["alpha", "--version", "0.5"], "no version of alpha matches ==0.5"),
        (["not a name"], "invalid package 'not a name'"),
    ],
)
def test_bad_package_arguments(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    # A bad argument is a usage error (2); a version the index lacks is not (1).
    assert package(tmp_path, *arguments) == (1 if "no version" in message else 2)
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.nix
def test_the_expression_evaluates_and_builds_with_call_package(
    nixpkgs: Path, fixture_files: list[IndexFile], tmp_path: Path
) -> None:
    """``callPackage ./alpha { }`` in a package set that has alpha's dependencies (from
    ``generate``'s overlay), evaluated and built offline; the build runs its import check."""
    index = FixtureIndex(list(fixture_files))
    with preserved_logging(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        index.register(mock)
        common = ["-i", INDEX_URL, "--python", "3.11", "--fetcher", "fetchpypi", "-q"]
        assert main(["generate", "-e", "alpha[fast]", "-O", str(tmp_path), *common]) == 0
        assert (
            main(["package", "alpha", "-o", str(tmp_path / "alpha" / "default.nix"), *common]) == 0
        )
        tested = tmp_path / "tested" / "default.nix"
        assert main(["package", "alpha", "--with-tests", "-o", str(tested), *common]) == 0
    packages = (
        f"let pkgs = import {nixpkgs} {{ }}; lock = import {tmp_path}/requirements.nix "
        "{ inherit pkgs; }; ps = (pkgs.python311.override { packageOverrides = lock.overlay; }).pkgs; in"
    )
    result = nix.evaluate(
        f"""{packages} let
          alpha = ps.callPackage {tmp_path}/alpha {{ }};
          tested = ps.callPackage {tmp_path}/tested {{ pytest-cov-stub = ps.gamma; }};
        in {{
          inherit (alpha) pname version;
          src = alpha.src.outPath;
          drv = alpha.drvPath;
          dependencies = map (p: p.pname) alpha.dependencies;
          fast = map (p: p.pname) alpha.optional-dependencies.fast;
          license = alpha.meta.license.shortName;
          testedDrv = tested.drvPath;
        }}"""
    )
    sdist = next(file for file in fixture_files if file.filename == "alpha-1.0.0.tar.gz")
    assert result["pname"] == "alpha"
    assert result["version"] == "1.0.0"
    assert (
        result["src"]
        == nix.run(
            "nix-store", "--print-fixed-path", "sha256", sdist.sha256, sdist.filename
        ).strip()
    )
    assert result["dependencies"] == ["beta", "setuptools"]
    assert result["fast"] == ["epsilon"]
    assert result["license"] == "mit"
    built = nix.build(f"{packages} ps.callPackage {tmp_path}/alpha {{ }}")
    assert (built / "lib" / "python3.11" / "site-packages" / "alpha" / "__init__.py").is_file()


@pytest.mark.nix
def test_python3_packages_call_package(
    nixpkgs: Path, fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    """A package whose dependencies the stand-in's own set has, exactly as nixpkgs users
    call it: ``python3Packages.callPackage ./NAME { }``."""
    assert package(tmp_path, "epsilon", "--fetcher", "fetchpypi") == 0
    expression = f"(import {nixpkgs} {{ }}).python3Packages.callPackage {tmp_path}/epsilon {{ }}"
    assert nix.evaluate(f"({expression}).version") == "0.5.0"
    built = nix.build(expression)
    assert (built / "lib" / "python3.11" / "site-packages" / "epsilon.py").is_file()


@pytest.mark.parametrize(
    ("summary", "description"),
    [
        ("The next generation HTTP client.", "Next generation HTTP client"),
        ("A CSS4 selector implementation", "CSS4 selector implementation"),
        ("an odd one...", "An odd one..."),
        ("Pretty-print tabular data", "Pretty-print tabular data"),
        ("   ", None),
        (None, None),
    ],
)
def test_descriptions_follow_nixpkgs_conventions(
    summary: str | None, description: str | None
) -> None:
    assert nixpkgs_description(summary) == description


SHADOWING = ("false", "import", "true", "version")


def shadowing_pin(*names: str) -> Pin:
    dependencies = tuple(
        Dependency(name=NormalizedName(n), spelled=(n,)) for n in (*SHADOWING, *names)
    )
    return render_pin(
        "demo",
        "demo-1.0.tar.gz",
        dependencies=dependencies,
        meta=PackageMeta(license_expression="MIT"),
    )


def test_names_that_would_shadow_nix_are_never_arguments() -> None:
    text = render_nixpkgs_package(
        shadowing_pin(), tests=choose_tests(shadowing_pin(), with_tests=False)
    )
    arguments = text.split("}:", 1)[0].split()
    assert "false," not in arguments
    assert "import," not in arguments
    assert "version," not in arguments
    assert "python," in arguments
    assert 'python.pkgs."false"' in text
    assert "doCheck = false;" in text


@pytest.mark.nix
def test_names_that_would_shadow_nix_keep_their_meaning(nixpkgs: Path, tmp_path: Path) -> None:
    """A package set holding projects named ``false``, ``import``, ``true`` and
    ``version``: ``pyproject = true`` (which the stand-in checks) is still true, and
    each dependency is the package."""
    pin = shadowing_pin()
    nixpkgs = nix.also_serving(nixpkgs, [pin.source.url], tmp_path / "nixpkgs")
    path = tmp_path / "demo" / "default.nix"
    path.parent.mkdir()
    path.write_text(render_nixpkgs_package(pin, tests=choose_tests(pin, with_tests=False)))
    fakes = " ".join(
        f'"{name}" = super.setuptools // {{ pname = "{name}"; }};' for name in SHADOWING
    )
    result = nix.evaluate(
        f"""let
          pkgs = import {nixpkgs} {{ }};
          python = pkgs.python311.override {{
            packageOverrides = self: super: {{ {fakes} }};
          }};
          demo = python.pkgs.callPackage {path} {{ }};
        in {{
          inherit (demo) version;
          instantiates = builtins.isString demo.drvPath;
          dependencies = map (p: p.pname) demo.dependencies;
          license = demo.meta.license.shortName;
        }}"""
    )
    assert result == {
        "instantiates": True,
        "version": "1.0",
        "dependencies": ["false", "import", "true", "version"],
        "license": "mit",
    }


def test_the_report_and_the_file_say_why_the_wheel_is_used(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """gadget's sdist needs gadget-build-plugin, which has no files on the index."""
    assert package(tmp_path, "gadget", quiet=False) == 0
    reason = (
        "its sdist's build tool gadget-build-plugin has no wheel on the index to stand in "
        "where nixpkgs lacks it."
    )
    err = capsys.readouterr().err
    assert f"\nFrom its wheel, not its sdist: {reason}\n" in err
    text = (tmp_path / "gadget" / "default.nix").read_text()
    assert f'  # From its wheel, not its sdist: {reason}\n  format = "wheel";\n' in text


@pytest.mark.nix
def test_an_absolute_output_gives_a_call_package_hint_that_parses(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "out" / "alpha.nix"
    assert package(tmp_path, "alpha", "-o", str(output), quiet=False) == 0
    hint = capsys.readouterr().err.strip().splitlines()[-1]
    words = shlex.split(hint.removeprefix("Build it in nixpkgs with: "))
    assert words[:2] == ["nix-build", "-E"]
    assert f"python311Packages.callPackage {output} {{ }}" in words[2]
    nix.run("nix-instantiate", "--parse", "-E", words[2])  # fails on a path it cannot parse
