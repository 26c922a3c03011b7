"""The source policy (a wheel for the target first, as pip and uv install, the sdist
where there is none, and pip's --no-binary/--only-binary), and the system libraries of
binary wheels, checked by the stand-in's autoPatchelfHook as nixpkgs would."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

import pytest

from pypi2nix.cli import main
from pypi2nix.dists.elf import read_dynamic_section
from pypi2nix.dists.wheel import read_native_facts
from pypi2nix.index import whole_files
from tests.support import nix, package_block
from tests.support.elf import shared_object
from tests.support.fixture_index import INDEX_URL

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.models import InputRequirement
    from pypi2nix.resolve import Resolution
    from tests.support.fixture_index import FixtureIndex, IndexFile


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", *arguments])


def package_text(folder: Path, name: str) -> str:
    return package_block((folder / "requirements.nix").read_text(), name)


def test_wheels_first_the_sdist_where_there_is_no_wheel(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "-e", "cxxpkg", "-e", "alpha", "-e", "omega", "-q") == 0
    cxxpkg = package_text(tmp_path, "cxxpkg")
    assert 'format = "wheel";' in cxxpkg
    assert "buildInputs = [\n        pkgs.stdenv.cc.cc.lib\n        pkgs.zlib\n      ];" in cxxpkg
    alpha = package_text(tmp_path, "alpha")  # pure, with a wheel: what pip installs
    assert 'format = "wheel";' in alpha
    assert "build-system" not in alpha
    assert 'format = "wheel";' in package_text(tmp_path, "omega")  # only a wheel
    assert "pyproject = true;" in package_text(tmp_path, "beta")  # only an sdist


def test_no_binary_and_only_binary(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    assert generate(tmp_path, "-e", "cxxpkg", "-e", "alpha", "--no-binary", "cxxpkg") == 0
    assert "pyproject = true;" in package_text(tmp_path, "cxxpkg")
    assert generate(tmp_path, "-e", "cxxpkg", "-e", "alpha", "--only-binary", "Alpha,cxxpkg") == 0
    assert 'format = "wheel";' in package_text(tmp_path, "alpha")
    assert "pyproject = true;" in package_text(tmp_path, "beta")  # it has no wheel
    frozen = (tmp_path / "requirements_frozen.txt").read_text()
    assert "--only-binary alpha,cxxpkg" in frozen.splitlines()[2]  # the recorded command


def test_a_name_beats_all(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    only = "alpha,setuptools"  # the fixture's setuptools has no sdist
    arguments = ("-e", "cxxpkg", "-e", "alpha", "--no-binary", ":all:", "--only-binary", only)
    assert generate(tmp_path, *arguments) == 0
    assert "pyproject = true;" in package_text(tmp_path, "cxxpkg")
    assert 'format = "wheel";' in package_text(tmp_path, "alpha")


def test_policy_from_a_requirements_file(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("--no-binary cxxpkg\ncxxpkg\n")
    assert generate(tmp_path, "-r", "requirements.txt") == 0
    assert "pyproject = true;" in package_text(tmp_path, "cxxpkg")


def test_a_policy_that_leaves_a_project_without_files_ends_at_once_naming_the_flag(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert generate(tmp_path, "-e", "beta", "--only-binary", "beta") == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [
        "error: beta has no wheel for Python 3.11 on x86_64-linux in any release, and "
        "--only-binary beta installs it only from a wheel: build it from its sdist with "
        "--no-binary beta"
    ]
    assert generate(tmp_path, "-e", "alpha", "--no-binary", ":all:") == 1  # setuptools
    error = capsys.readouterr().err.strip().splitlines()
    assert error == [
        "error: setuptools (required by alpha 1.0.0) publishes no sdist, and --no-binary "
        ":all: builds it only from its sdist: install it from its wheel with "
        "--only-binary setuptools"
    ]


def test_a_project_with_some_release_the_policy_admits_resolves_as_usual(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """gamma 2.0.0 has a wheel, 1.0.0 only an sdist: --only-binary gamma takes 2.0.0,
    and with gamma<2 the resolver says why 1.0.0 cannot be used."""
    assert generate(tmp_path, "-e", "gamma", "--only-binary", "gamma") == 0
    assert 'version = "2.0.0";' in package_text(tmp_path, "gamma")
    assert generate(tmp_path, "-e", "gamma<2", "--only-binary", "gamma") == 1
    error = capsys.readouterr().err
    assert "1.0.0 has no wheel for Python 3.11 on x86_64-linux, and --only-binary asks" in error


def test_one_name_in_both_is_a_usage_error(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = ("-e", "alpha", "--no-binary", "Alpha", "--only-binary", "alpha,beta")
    assert generate(tmp_path, *arguments) == 2
    assert "alpha: given to both --no-binary and --only-binary" in capsys.readouterr().err


def test_summary_counts_sources(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.chdir(tmp_path):
        arguments = ["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "cxxpkg", "-e", "alpha"]
        assert main(arguments) == 0
    error = capsys.readouterr().err
    assert (
        "Locked 5 packages (2 top-level) for Python 3.11 on x86_64-linux: 1 from source, "
        "4 from wheels (1 with compiled code), in "
    ) in error


def test_shared_libraries_of_a_wheel(fixture_files: list[IndexFile]) -> None:
    import io
    import zipfile

    (wheel,) = [f for f in fixture_files if f.filename.startswith("cxxpkg-1.0.0-cp311")]
    facts = read_native_facts(zipfile.ZipFile(io.BytesIO(wheel.data)))
    assert facts.libraries == ("_native.cpython-311-x86_64-linux-gnu.so", "libbundled-5e1f.so.1")
    assert facts.system_needs() == ("libstdc++.so.6", "libz.so.1")


def test_elf_reader_matches_readelf(tmp_path: Path) -> None:
    data = shared_object(["libfoo.so.1", "libc.so.6"], "libme.so.2", "$ORIGIN/lib:/opt")
    dynamic = read_dynamic_section(data)
    assert dynamic is not None
    assert dynamic.needed == ("libfoo.so.1", "libc.so.6")
    assert dynamic.soname == "libme.so.2"
    assert dynamic.runpath == ("$ORIGIN/lib", "/opt")
    (tmp_path / "x.so").write_bytes(data)
    shown = nix.run("readelf", "-d", str(tmp_path / "x.so"))
    assert "Shared library: [libfoo.so.1]" in shown
    assert "Library soname: [libme.so.2]" in shown


@pytest.mark.nix
def test_binary_wheel_builds_only_with_its_libraries(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    assert generate(tmp_path, "-e", "cxxpkg") == 0
    code = "import cxxpkg; print(cxxpkg.VERSION)"
    output = nix.run_in_interpreter(tmp_path / "requirements.nix", nixpkgs, code)
    assert output.split() == ["1.0.0"]
    for change, missing in (
        ("buildInputs = [ ];", "libstdc++.so.6"),
        ("nativeBuildInputs = [ ];", "libz.so.1"),  # $ORIGIN finds only the bundled one
    ):
        expression = (
            f"let pkgs = import {nixpkgs} {{ }}; r = import {tmp_path}/requirements.nix "
            f"{{ inherit pkgs; }}; in r.packages.cxxpkg.overridePythonAttrs {{ {change} }}"
        )
        with pytest.raises(AssertionError, match=rf"needs {re.escape(missing)}, which nothing"):
            nix.build(expression)
    ignored = (
        f"let pkgs = import {nixpkgs} {{ }}; r = import {tmp_path}/requirements.nix "
        f"{{ inherit pkgs; }}; in r.packages.cxxpkg.overridePythonAttrs {{ buildInputs = [ ]; "
        'autoPatchelfIgnoreMissingDeps = [ "libstdc++.so.6" "libz.so.1" ]; }'
    )
    assert nix.build(ignored).exists()


def test_rust_from_source_gets_the_cargo_hooks(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.chdir(tmp_path):
        assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "rustpkg"]) == 0
    rustpkg = package_text(tmp_path, "rustpkg")
    assert "pyproject = true;" in rustpkg  # its only wheel is for Windows
    assert "build-system = [ ];" in rustpkg  # maturin is not a Python attribute in nixpkgs
    assert (
        "nativeBuildInputs = [\n"
        "        pkgs.rustPlatform.cargoSetupHook\n"
        "        pkgs.rustPlatform.maturinBuildHook\n"
        "      ];\n"
    ) in rustpkg
    assert (
        "cargoDeps = pkgs.rustPlatform.fetchCargoVendor {\n"
        "        inherit pname version src;\n"
        "        hash = lib.fakeHash;\n"
        "      };"
    ) in rustpkg
    assert "super.maturin" not in rustpkg
    error = capsys.readouterr().err
    assert "Compiled code built from source: rustpkg (Rust: fill in cargoDeps.hash after" in error


@pytest.mark.nix
def test_rust_build_fails_as_in_nixpkgs_until_the_hash_is_known(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    assert generate(tmp_path, "-e", "rustpkg") == 0
    packages = f"(import {tmp_path}/requirements.nix {{ pkgs = import {nixpkgs} {{ }}; }}).packages"
    assert nix.evaluate(f"{packages}.rustpkg.drvPath").endswith(".drv")
    with pytest.raises(AssertionError, match="hash mismatch in fixed-output derivation"):
        nix.build(f"{packages}.rustpkg")
    without_hooks = f"{packages}.rustpkg.overridePythonAttrs {{ nativeBuildInputs = [ ]; }}"
    with pytest.raises(AssertionError, match=r"cargoDeps and rustPlatform\.cargoSetupHook go"):
        nix.evaluate(f"({without_hooks}).drvPath")


def test_a_wheel_too_large_to_search_is_named_not_fatal(
    fixture_index: FixtureIndex,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(whole_files, "MAX_INSPECTED_WHEEL_BYTES", 100)
    with contextlib.chdir(tmp_path):
        assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "cxxpkg"]) == 0
    cxxpkg = package_text(tmp_path, "cxxpkg")
    assert "# Too large to be searched for the libraries it needs" in cxxpkg
    assert "buildInputs = " not in cxxpkg
    error = capsys.readouterr().err
    assert "is too large to look for the libraries it needs" in error
    assert "Not searched for the libraries they need (too large): cxxpkg;" in error


def test_a_build_tool_without_wheels_makes_the_pin_use_its_wheel(
    fixture_index: FixtureIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with contextlib.chdir(tmp_path):
        assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "gadget"]) == 0
    assert 'format = "wheel";' in package_text(tmp_path, "gadget")
    assert "No wheel of the build tool" not in capsys.readouterr().err
    with contextlib.chdir(tmp_path):
        arguments = ["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "gadget"]
        assert main([*arguments, "--no-binary", "gadget"]) == 0
    gadget = package_text(tmp_path, "gadget")
    assert (
        '(buildTool "gadget-build-plugin" [ [ ">=" "1" ] ] (throw "pypi2nix: nixpkgs has no '
        'gadget-build-plugin for this build, and no wheel of it fits"))'
    ) in gadget
    assert '(buildTool "setuptools" [ [ ">=" "61" ] ] buildTools."setuptools-84.2.1")' in gadget
    error = capsys.readouterr().err
    assert (
        "No wheel of the build tool gadget-build-plugin could be locked: gadget build only "
        "where nixpkgs has it."
    ) in error


def test_an_executable_in_a_wheel_counts_too() -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tool-1.0.data/scripts/tool", shared_object(["libgcc_s.so.1"], None, None))
        archive.writestr("tool/__init__.py", b"")
        archive.writestr("tool/README", b"not ELF")
    facts = read_native_facts(zipfile.ZipFile(io.BytesIO(buffer.getvalue())))
    assert facts.needed == ("libgcc_s.so.1",)
    assert facts.libraries == ()  # an executable is not a library others link


def test_each_set_of_build_requirements_is_resolved_once_per_lock(
    fixture_index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pypi2nix.pins import build_tools

    resolved: list[tuple[str, ...]] = []
    original = build_tools.resolve  # type: ignore[attr-defined]

    def counting(entries: list[InputRequirement], *args: Any, **kwargs: Any) -> Resolution:
        resolved.append(tuple(str(entry.requirement) for entry in entries))
        return original(entries, *args, **kwargs)

    monkeypatch.setattr(build_tools, "resolve", counting)
    arguments = ["generate", "-i", INDEX_URL, "--python", "3.11", "-e", "gadget", "-e", "alpha"]
    with contextlib.chdir(tmp_path):  # the pins are made twice: gadget's tool has no wheel
        assert main(arguments) == 0
    assert 'format = "wheel";' in package_text(tmp_path, "gadget")
    assert resolved
    assert len(resolved) == len(set(resolved)), resolved
