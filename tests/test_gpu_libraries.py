"""The HPC and GPU stack that NVIDIA's wheels need from nixpkgs (RDMA verbs, libfabric,
UCX, PMIx, Open MPI): mapped to the attributes nixpkgs' own CUDA packages use, and
checked by the stand-in's autoPatchelfHook, whose packages have those sonames."""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from pypi2nix.nix.native import split_system_libraries
from pypi2nix.nix.tables import SYSTEM_LIBRARIES, SYSTEM_SONAMES, system_library_attribute
from tests.support import nix, package_block
from tests.support.fixture_index import INDEX_URL
from tests.test_render import pin

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

# What nvidia-cufile-cu12 1.14 and nvidia-nvshmem-cu12 3.8 need (readelf -d of their
# wheels' libraries), and the nixpkgs attribute of each.
NVIDIA_NEEDS = {
    "libibverbs.so.1": "rdma-core",
    "librdmacm.so.1": "rdma-core",
    "libmlx5.so.1": "rdma-core",
    "libfabric.so.1": "libfabric",
    "libmpi.so.40": "openmpi",
    "liboshmem.so.40": "openmpi",
    "libpmix.so.2": "pmix",
    "libucp.so.0": "ucx",
    "libucs.so.0": "ucx",
}


@pytest.mark.parametrize(("soname", "attribute"), sorted(NVIDIA_NEEDS.items()))
def test_nvidia_transports_map_to_nixpkgs(soname: str, attribute: str) -> None:
    assert system_library_attribute(soname) == attribute


def test_a_soname_of_another_implementation_is_not_guessed() -> None:
    assert system_library_attribute("libmpi.so.12") is None  # MPICH's, not Open MPI's
    assert system_library_attribute("liboshmem.so.8") is None


def test_the_transports_are_build_inputs_not_left_out() -> None:
    wheel = "nvidia_nvshmem_cu12-1.0-py3-none-manylinux_2_17_x86_64.whl"
    nvshmem = pin("nvidia-nvshmem-cu12", wheel, system_libraries=(*NVIDIA_NEEDS, "libcuda.so.1"))
    attributes, left_out, unknown = split_system_libraries(nvshmem)
    assert attributes == ["libfabric", "openmpi", "pmix", "rdma-core", "ucx"]
    assert [library for library, _ in left_out] == ["libcuda.so.1"]  # the driver's
    assert unknown == []


def generate(folder: Path, *arguments: str) -> int:
    with contextlib.chdir(folder):
        return main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", *arguments])


def test_the_fixture_wheel_gets_both_packages(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    assert generate(tmp_path, "-e", "hpcpkg") == 0
    hpcpkg = package_block((tmp_path / "requirements.nix").read_text(), "hpcpkg")
    assert "buildInputs = [\n        pkgs.libfabric\n        pkgs.rdma-core\n      ];" in hpcpkg
    assert "cannot map" not in hpcpkg


@pytest.mark.nix
def test_the_fixture_wheel_builds_only_with_both(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    assert generate(tmp_path, "-e", "hpcpkg") == 0
    code = "import hpcpkg; print(hpcpkg.VERSION)"
    output = nix.run_in_interpreter(tmp_path / "requirements.nix", nixpkgs, code)
    assert output.split() == ["1.0.0"]
    packages = f"(import {tmp_path}/requirements.nix {{ pkgs = import {nixpkgs} {{ }}; }}).packages"
    for inputs, missing in (
        ("pkgs.rdma-core", "libfabric.so.1"),
        ("pkgs.libfabric", "libibverbs.so.1"),
    ):
        only = f"let pkgs = import {nixpkgs} {{ }}; in {packages}.hpcpkg.overridePythonAttrs {{ buildInputs = [ {inputs} ]; }}"
        with pytest.raises(AssertionError, match=rf"needs {re.escape(missing)}, which nothing"):
            nix.build(only)


@pytest.mark.nix
def test_the_stand_in_has_every_mapped_attribute_and_no_made_up_one(nixpkgs: Path) -> None:
    paths = sorted({*SYSTEM_LIBRARIES.values(), *SYSTEM_SONAMES.values()})
    listed = " ".join(f"pkgs.{path}" for path in paths)
    names = nix.evaluate(f"let pkgs = import {nixpkgs} {{ }}; in map (p: p.name) [ {listed} ]")
    assert len(names) == len(paths)
    error = nix.evaluation_error(f"(import {nixpkgs} {{ }}).rdmacore.name")
    assert "attribute 'rdmacore' missing" in error


@pytest.mark.nix
def test_the_stand_in_stubs_have_their_sonames(nixpkgs: Path) -> None:
    for soname, attribute in SYSTEM_SONAMES.items():
        library = nix.build(f"(import {nixpkgs} {{ }}).{attribute}") / "lib" / soname
        assert f"Library soname: [{soname}]" in nix.run("readelf", "-d", str(library))
