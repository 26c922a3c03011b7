from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from pypi2nix.models import PackageMeta
from pypi2nix.nix import nixpkgs as nixpkgs_style
from pypi2nix.nix.licenses import CLASSIFIER_TO_NIX, SPDX_TO_NIX, map_license
from pypi2nix.nix.spdx_licenses import NIXPKGS_SPDX
from tests.nixpkgs import read_licenses
from tests.support import nix, package_block
from tests.support.fixture_index import INDEX_URL
from tests.support.nix import STAND_IN
from tests.test_render import pin

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

NIXPKGS_LICENSES = set((STAND_IN / "licenses.txt").read_text().split())
OSI = "License :: OSI Approved :: "


def test_every_mapped_attribute_exists_in_nixpkgs() -> None:
    assert set(SPDX_TO_NIX.values()) <= NIXPKGS_LICENSES
    assert set(CLASSIFIER_TO_NIX.values()) <= NIXPKGS_LICENSES


def test_the_table_is_nixpkgs_own_list() -> None:
    assert len(NIXPKGS_SPDX) > 200  # every license of nixpkgs' list with an spdxId
    assert NIXPKGS_SPDX["MIT-CMU"] == "mit-cmu"
    assert "asl20-llvm" not in NIXPKGS_LICENSES  # gone from nixpkgs in 2025
    deprecated = {"gpl2", "gpl3", "lgpl2", "lgpl21", "lgpl3", "apsl10", "apsl20"}
    assert deprecated <= NIXPKGS_LICENSES
    assert not deprecated & set(SPDX_TO_NIX.values())


@pytest.mark.parametrize(
    ("meta", "attributes", "unknown"),
    [
        (PackageMeta(license_expression="MIT"), ("mit",), ()),
        (PackageMeta(license_expression="mit or apache-2.0"), ("mit", "asl20"), ()),
        (PackageMeta(license_expression="(MIT AND BSD-3-Clause) OR MIT"), ("mit", "bsd3"), ()),
        (PackageMeta(license_expression="MIT-CMU"), ("mit-cmu",), ()),  # Pillow's
        (PackageMeta(license_expression="HPND-sell-variant"), ("hpndSellVariant",), ()),
        (PackageMeta(license_expression="Unicode-3.0"), ("unicode-30",), ()),
        (
            PackageMeta(license_expression="Apache-2.0 WITH LLVM-exception"),
            ("asl20", "llvm-exception"),
            (),
        ),
        (
            PackageMeta(license_expression="GPL-2.0-only WITH Classpath-exception-2.0"),
            ("gpl2Only", "classpathException20"),
            (),
        ),
        (PackageMeta(license_expression="GPL-2.0+"), ("gpl2Plus",), ()),  # deprecated ids
        (PackageMeta(license_expression="LGPL-2.0"), ("lgpl2Only",), ()),
        (PackageMeta(license_expression="AGPL-3.0 OR GFDL-1.3+"), ("agpl3Only", "fdl13Plus"), ()),
        (PackageMeta(license_expression="PSF-2.0"), ("psfl",), ()),
        (PackageMeta(license_expression="LicenseRef-Proprietary"), (), ("LicenseRef-Proprietary",)),
        (PackageMeta(license_expression="MIT OR Frob-1.0"), (), ("MIT OR Frob-1.0",)),
        (PackageMeta(license_text="Apache 2.0"), ("asl20",), ()),
        (PackageMeta(license_text="BSD-3-Clause"), ("bsd3",), ()),
        (PackageMeta(license_text="new BSD license"), ("bsd3",), ()),
        (PackageMeta(license_text="BSD"), (), ("BSD",)),
        (PackageMeta(license_text="x" * 500), (), ()),
        (
            PackageMeta(license_classifiers=("License :: OSI Approved :: BSD License",)),
            (),
            ("License :: OSI Approved :: BSD License",),
        ),
        (
            PackageMeta(
                license_text="Custom License",
                license_classifiers=("License :: OSI Approved :: Apache Software License",),
            ),
            ("asl20",),
            (),
        ),
        (PackageMeta(license_classifiers=("License :: Public Domain",)), ("publicDomain",), ()),
        (
            PackageMeta(license_classifiers=(OSI + "Boost Software License 1.0 (BSL-1.0)",)),
            ("boost",),
            (),
        ),
        (
            PackageMeta(
                license_classifiers=(
                    OSI + "Common Development and Distribution License 1.0 (CDDL-1.0)",
                )
            ),
            ("cddl",),
            (),
        ),
        (
            PackageMeta(
                license_classifiers=(OSI + "GNU Library or Lesser General Public License (LGPL)",)
            ),
            (),
            (OSI + "GNU Library or Lesser General Public License (LGPL)",),
        ),
    ],
)
def test_mapping(meta: PackageMeta, attributes: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    mapping = map_license(meta)
    assert (mapping.attributes, mapping.unknown) == (attributes, unknown)


def test_licenses_are_written_in_full_so_no_argument_shadows_them() -> None:
    pillow = replace(
        pin("pillow", "pillow-1.0.tar.gz"), meta=PackageMeta(license_expression="MIT-CMU AND Zlib")
    )
    text = nixpkgs_style.render_nixpkgs_package(
        pillow, tests=nixpkgs_style.Tests(inputs=None), fetcher="fetchurl"
    )
    assert "  zlib,\n" in text[: text.index("}:")]  # the package, an argument
    assert "license = [\n      lib.licenses.mit-cmu\n      lib.licenses.zlib\n    ];" in text
    assert "with lib.licenses" not in text


@pytest.mark.nix
def test_mit_cmu_reaches_the_output_and_evaluates(
    fixture_index: FixtureIndex, tmp_path: Path, nixpkgs: Path
) -> None:
    with contextlib.chdir(tmp_path):
        assert main(["generate", "-i", INDEX_URL, "--python", "3.11", "-q", "-e", "hpcpkg"]) == 0
    hpcpkg = package_block((tmp_path / "requirements.nix").read_text(), "hpcpkg")
    assert "license = lib.licenses.mit-cmu;" in hpcpkg
    packages = f"(import {tmp_path}/requirements.nix {{ pkgs = import {nixpkgs} {{ }}; }}).packages"
    assert nix.evaluate(f"{packages}.hpcpkg.meta.license.shortName") == "mit-cmu"
    licenses = f"(import {nixpkgs} {{ }}).lib.licenses"
    assert nix.evaluate(f"map (l: l.shortName) [ {licenses}.asl20 {licenses}.llvm-exception ]")
    assert "attribute 'asl20-llvm' missing" in nix.evaluation_error(f"{licenses}.asl20-llvm")


def test_the_table_is_read_as_packaging_writes_ids() -> None:
    licenses: dict[str, dict[str, object]] = {
        "mit": {"spdx": "mit", "deprecated": False},
        "gpl2": {"spdx": "GPL-2.0", "deprecated": True},
        "llvm-exception": {"spdx": "llvm-exception", "deprecated": False},
        "free": {"spdx": None, "deprecated": False},
    }
    assert read_licenses.spdx_table(licenses) == {"MIT": "mit", "LLVM-exception": "llvm-exception"}
