"""The output evaluates and builds with real Nix, in the test stand-in for nixpkgs.

The fixture index's files are added to the store first, so every fixed-output source
is already valid and the builds run offline.
"""

from __future__ import annotations

import json
import re
import subprocess
from typing import TYPE_CHECKING

import pytest
import responses

from pypi2nix.cli import main
from tests.support import nix, preserved_logging
from tests.support.fixture_index import INDEX_URL, FixtureIndex

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import IndexFile

pytestmark = pytest.mark.nix

ROOTS = ["-e", "alpha[fast]", "-e", "cyc-a", "-e", "3dmath", "-e", "zeta-util", "-e", "kappa"]
IMPORTS = [
    "alpha",
    "beta",
    "gamma",
    "epsilon",
    "cyc_a",
    "cyc_b",
    "dmath3",
    "zeta_util",
    "setuptools",
]


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory, fixture_files: list[IndexFile]
) -> dict[str, Path]:
    """requirements.nix for the fixture roots: as by default (wheels first), and built
    from source (to exercise the builds of sdists and their build tools) with each
    fetcher choice."""
    outputs = {}
    index = FixtureIndex(list(fixture_files))
    from_source = ["--no-binary", ":all:", "--only-binary", "setuptools"]  # a wheel only
    variants = {
        "wheels": [],
        "auto": [*from_source, "--fetcher", "auto"],
        "fetchpypi": [*from_source, "--fetcher", "fetchpypi"],
    }
    with preserved_logging(), responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        index.register(mock)
        for name, flags in variants.items():
            output = tmp_path_factory.mktemp(f"generated-{name}")
            arguments = ["generate", *ROOTS, "-i", INDEX_URL, "--python", "3.11", "-O", str(output)]
            assert main([*arguments, *flags, "-q"]) == 0
            outputs[name] = output
    return outputs


def with_nixpkgs(nixpkgs: Path, expression: str) -> str:
    return f"let pkgs = import {nixpkgs} {{ }}; in {expression}"


def evaluate_requirements(nixpkgs: Path, output: Path, body: str) -> object:
    return nix.evaluate(
        with_nixpkgs(
            nixpkgs, f"let r = import {output}/requirements.nix {{ inherit pkgs; }}; in {body}"
        )
    )


# Each pin's source when built from source, and those that change with wheels first.
FROM_SOURCE = {
    "3dmath": "3dmath-1.0.0.tar.gz",
    "alpha": "alpha-1.0.0.tar.gz",
    "beta": "beta-1.1.0.tar.gz",
    "cyc-a": "cyc_a-1.0.0.tar.gz",
    "cyc-b": "cyc_b-1.0.0.tar.gz",
    "epsilon": "epsilon-0.5.0.tar.gz",
    "gamma": "gamma-2.0.0.tar.gz",
    "kappa": "kappa-1.0.0.tar.gz",
    "setuptools": "setuptools-84.2.1-py3-none-any.whl",
    "zeta-util": "Zeta_Util-0.1.0.zip",
}
FROM_WHEELS = {
    **FROM_SOURCE,
    "3dmath": "3dmath-1.0.0-py3-none-any.whl",
    "alpha": "alpha-1.0.0-py3-none-any.whl",
    "gamma": "gamma-2.0.0-py3-none-any.whl",
    "kappa": "kappa-1.0.0-py3-none-any.whl",
}


@pytest.mark.parametrize("variant", ["wheels", "auto", "fetchpypi"])
def test_strict_evaluation_and_source_paths(
    nixpkgs: Path, generated: dict[str, Path], fixture_files: list[IndexFile], variant: str
) -> None:
    result = evaluate_requirements(
        nixpkgs,
        generated[variant],
        """{
          sources = builtins.mapAttrs (name: p: p.src.outPath) r.packages;
          drvs = builtins.mapAttrs (name: p: p.drvPath) r.packages;
          meta = builtins.mapAttrs (name: p: p.meta) r.packages;
          interpreter = r.interpreter.drvPath;
          shell = r.shell.drvPath;
          fromPython = r.python.pkgs.alpha.drvPath;
          overlay = builtins.isFunction r.overlay;
        }""",
    )
    assert isinstance(result, dict)
    expected_sources = FROM_WHEELS if variant == "wheels" else FROM_SOURCE
    store = {
        file.filename: subprocess.run(
            ["nix-store", "--print-fixed-path", "sha256", file.sha256, file.filename],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        for file in fixture_files
    }  # fmt: skip
    assert result["sources"] == {
        name: store[filename] for name, filename in expected_sources.items()
    }
    assert result["fromPython"] == result["drvs"]["alpha"]
    assert result["overlay"] is True
    alpha_meta = result["meta"]["alpha"]
    assert alpha_meta["description"] == "Alpha: \"quotes\", back\\slash, ${HOME} and ''two quotes''"
    assert alpha_meta["license"]["shortName"] == "mit"


def test_sources_use_the_expected_fetcher(generated: dict[str, Path]) -> None:
    auto = (generated["auto"] / "requirements.nix").read_text()
    assert "fetchPypi {" not in auto  # the made-up host is not the public index
    pypi = (generated["fetchpypi"] / "requirements.nix").read_text()
    # Every sdist from fetchPypi; the wheels (setuptools, the build tools' copies)
    # from their exact URLs.
    fetched = re.findall(r'fetchurl \{\n *url = "([^"]+)";', pypi)
    assert len(fetched) == pypi.count("fetchurl {") >= 3
    assert all(url.startswith("https://files.example.test/packages/") for url in fetched)
    assert all(url.endswith(".whl") for url in fetched)
    assert 'pname = "cyc_a";' in pypi
    assert 'extension = "zip";' in pypi


@pytest.mark.parametrize("variant", ["wheels", "fetchpypi"])
def test_nix_build_interpreter_imports_every_package(
    nixpkgs: Path, generated: dict[str, Path], variant: str
) -> None:
    output = generated[variant]
    result = nix.run(
        "nix-build", f"{output}/requirements.nix", "-A", "interpreter", "-I", f"nixpkgs={nixpkgs}",
        "--no-out-link", *nix.BUILD_OPTIONS,
    ).strip().splitlines()[-1]  # fmt: skip
    script = f"import {', '.join(IMPORTS)}; import setuptools; print(setuptools.__version__, alpha.BETA, beta.GAMMA)"
    ran = subprocess.run(
        [f"{result}/bin/python", "-c", script], capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["84.2.1", "1.1.0", "2.0.0"]
    outside = subprocess.run(
        [f"{result}/bin/python", "-c", "import requests"], capture_output=True, check=False
    )
    assert outside.returncode != 0  # only the pinned packages are there


def test_overlay_and_overrides_compose(nixpkgs: Path, generated: dict[str, Path]) -> None:
    output = generated["auto"]
    result = evaluate_requirements(
        nixpkgs,
        output,
        """let
          patched = import ./requirements.nix {
            inherit pkgs;
            overrides = self: super: { gamma = super.gamma.overridePythonAttrs { pythonImportsCheck = [ ]; }; };
          };
          viaOverride = (pkgs.python311.override { packageOverrides = r.overlay; }).pkgs.alpha.drvPath;
        in {
          changed = patched.packages.gamma.drvPath != r.packages.gamma.drvPath;
          alphaRebuilt = patched.packages.alpha.drvPath != r.packages.alpha.drvPath;
          overlayAlone = viaOverride == r.packages.alpha.drvPath;
        }""".replace("./requirements.nix", f"{output}/requirements.nix"),
    )
    assert result == {"changed": True, "alphaRebuilt": True, "overlayAlone": True}


def test_user_override_file_is_used(
    nixpkgs: Path, generated: dict[str, Path], tmp_path: Path
) -> None:
    for name in ("requirements.nix", "requirements_frozen.txt"):
        (tmp_path / name).write_text((generated["auto"] / name).read_text())
    before = evaluate_requirements(nixpkgs, tmp_path, "r.packages.gamma.drvPath")
    (tmp_path / "requirements_override.nix").write_text(
        "{ pkgs, python }: self: super: {\n"
        "  gamma = super.gamma.overridePythonAttrs (old: { pythonImportsCheck = [ ]; });\n"
        "}\n"
    )
    after = evaluate_requirements(nixpkgs, tmp_path, "r.packages.gamma.drvPath")
    assert before != after


def test_build_tools_come_from_before_the_overlay(
    nixpkgs: Path, generated: dict[str, Path]
) -> None:
    text = (generated["auto"] / "requirements.nix").read_text()
    assert '(buildTool "setuptools" [ [ ">=" "61" ] ] buildTools."setuptools-84.2.1")' in text
    assert "self.setuptools" in text  # alpha needs setuptools at run time: the pinned one
    result = evaluate_requirements(
        nixpkgs,
        generated["auto"],
        """{
          pinned = r.packages.setuptools.version;
          base = pkgs.python311.pkgs.setuptools.version;
          # the build of alpha sees nixpkgs' setuptools (in range), not the pinned one
          fromBase = builtins.elem "${pkgs.python311.pkgs.setuptools}/lib/python3.11/site-packages"
            (builtins.filter builtins.isString (builtins.split ":" r.packages.alpha.buildPath));
        }""",
    )
    assert result == {"pinned": "84.2.1", "base": "84.2.1", "fromBase": True}


def locked_copy_is_used(nixpkgs: Path, output: Path, stand_in: str) -> object:
    """Whether alpha's build sees the locked setuptools rather than the stand-in's."""
    return nix.evaluate(
        f"let pkgs = {stand_in}; r = import {output}/requirements.nix {{ inherit pkgs; }}; "
        "base = pkgs.python311.pkgs.setuptools or null; "
        'entries = builtins.filter builtins.isString (builtins.split ":" r.packages.alpha.buildPath); '
        'site = "lib/python3.11/site-packages"; in '
        '{ fromBase = base != null && builtins.elem "${base}/${site}" entries; '
        'built = r.packages.alpha.outPath != ""; }'
    )


def test_a_build_tool_out_of_range_or_missing_comes_locked(
    nixpkgs: Path, generated: dict[str, Path], tmp_path: Path
) -> None:
    in_range = '(buildTool "setuptools" [ [ ">=" "61" ] ]'
    output = edited_copy(
        generated["auto"], tmp_path / "out", in_range, '(buildTool "setuptools" [ [ "<" "60" ] ]'
    )
    stand_in = f"import {nixpkgs} {{ }}"
    assert locked_copy_is_used(nixpkgs, output, stand_in) == {"fromBase": False, "built": True}
    interpreter = nix.build(
        f"(import {output}/requirements.nix {{ pkgs = {stand_in}; }}).interpreter"
    )
    assert (interpreter / "bin" / "python").exists()
    without_setuptools = tmp_path / "base-wheels.json"
    wheels = json.loads((nixpkgs / "base-wheels.json").read_text())
    without_setuptools.write_text(json.dumps({"flit-core": wheels["flit-core"]}))
    bare = nix.stand_in(without_setuptools, served=nixpkgs / "served.json")
    result = locked_copy_is_used(nixpkgs, generated["auto"], bare)
    assert result == {"fromBase": False, "built": True}
    alpha = nix.build(
        f"(import {generated['auto']}/requirements.nix {{ pkgs = {bare}; }}).packages.alpha"
    )
    assert (alpha / "lib" / "python3.11" / "site-packages" / "alpha").is_dir()


def build_failure(nixpkgs: Path, output: Path, attribute: str) -> str:
    command = [
        "nix-build", f"{output}/requirements.nix", "-A", f"packages.{attribute}",
        "-I", f"nixpkgs={nixpkgs}", "--no-out-link", *nix.BUILD_OPTIONS,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode != 0, f"{attribute} built, but should not have"
    return result.stderr


def edited_copy(source: Path, destination: Path, old: str, new: str) -> Path:
    text = (source / "requirements.nix").read_text()
    assert old in text
    destination.mkdir()
    (destination / "requirements.nix").write_text(text.replace(old, new))
    return destination


def test_stand_in_catches_a_missing_runtime_dependency(
    nixpkgs: Path, generated: dict[str, Path], tmp_path: Path
) -> None:
    output = edited_copy(generated["auto"], tmp_path / "out", 'pythonRemoveDeps = [ "cyc-a" ];', "")
    assert "runtime dependency check: cyc-a is not installed" in build_failure(
        nixpkgs, output, "cyc-b"
    )


def test_stand_in_catches_a_missing_build_tool(
    nixpkgs: Path, generated: dict[str, Path], tmp_path: Path
) -> None:
    output = edited_copy(
        generated["auto"],
        tmp_path / "out",
        '(buildTool "flit-core" [ [ ">=" "3.2" ] ] buildTools."flit-core-4.2.0")',
        "",
    )
    assert "flit_core" in build_failure(nixpkgs, output, "beta")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("pyproject = true; frobnicate = 1;", "unknown arguments frobnicate"),
        ('format = "setuptools";', "the only format pypi2nix may write is wheel"),
        ("pyproject = true; meta.license = pkgs.lib.licenses.notALicense;", "notALicense"),
        ("pyproject = true; meta.licence = 1;", "unknown meta attributes licence"),
        ("", "set exactly one of pyproject and format"),
    ],
)
def test_stand_in_rejects_bad_arguments(nixpkgs: Path, arguments: str, message: str) -> None:
    expression = with_nixpkgs(
        nixpkgs,
        '(pkgs.python311.pkgs.buildPythonPackage { pname = "x"; version = "1"; '
        f'src = pkgs.fetchurl {{ url = "https://x.test/x.tar.gz"; hash = "sha256-{"A" * 43}="; }}; {arguments} }}).drvPath',
    )
    assert message in nix.evaluation_error(expression)


def test_stand_in_fetchpypi_urls(nixpkgs: Path) -> None:
    urls = nix.evaluate(
        with_nixpkgs(
            nixpkgs,
            """[
              (pkgs.fetchPypiUrl { pname = "requests"; version = "2.32.3"; })
              (pkgs.fetchPypiUrl { pname = "Twisted"; version = "19.10.0"; extension = "tar.bz2"; })
              (pkgs.fetchPypiUrl { pname = "black"; version = "24.4.2"; format = "wheel"; dist = "py3"; python = "py3"; })
            ]""",
        )
    )
    assert urls == [
        "mirror://pypi/r/requests/requests-2.32.3.tar.gz",
        "mirror://pypi/T/Twisted/Twisted-19.10.0.tar.bz2",
        "https://files.example.test/packages/py3/b/black/black-24.4.2-py3-none-any.whl",
    ]


def test_a_python_of_another_version_stops_evaluation_naming_both(
    nixpkgs: Path, generated: dict[str, Path]
) -> None:
    output = generated["auto"]
    same = evaluate_requirements(
        nixpkgs, output, "r.interpreter.name"
    )  # the default python, of the locked version
    assert same == "python3.11-env"
    expression = with_nixpkgs(
        nixpkgs,
        f"(import {output}/requirements.nix {{ inherit pkgs; "
        'python = pkgs.python311 // { version = "3.12.8"; }; }).interpreter.name',
    )
    stderr = nix.evaluation_error(expression)
    assert (
        "requirements.nix was locked for Python 3.11 on x86_64-linux, not for Python 3.12.8 "
        "on x86_64-linux: pass python = pkgs.python311, or add this target with pypi2nix "
        "generate --python 3.12 --system x86_64-linux (and the inputs and targets of the lock)"
    ) in " ".join(stderr.split())
