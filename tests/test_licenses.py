from __future__ import annotations

import pytest

from pypi2nix.models import PackageMeta
from pypi2nix.nix.licenses import CLASSIFIER_TO_NIX, SPDX_TO_NIX, map_license
from tests.support.nix import STAND_IN

NIXPKGS_LICENSES = set((STAND_IN / "licenses.txt").read_text().split())


def test_every_mapped_attribute_exists_in_nixpkgs() -> None:
    assert set(SPDX_TO_NIX.values()) <= NIXPKGS_LICENSES
    assert set(CLASSIFIER_TO_NIX.values()) <= NIXPKGS_LICENSES


@pytest.mark.parametrize(
    ("meta", "attributes", "unknown"),
    [
        (PackageMeta(license_expression="MIT"), ("mit",), ()),
        (PackageMeta(license_expression="mit or apache-2.0"), ("mit", "asl20"), ()),
        (PackageMeta(license_expression="(MIT AND BSD-3-Clause) OR MIT"), ("mit", "bsd3"), ()),
        (PackageMeta(license_expression="Apache-2.0 WITH LLVM-exception"), ("asl20-llvm",), ()),
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
    ],
)
def test_mapping(meta: PackageMeta, attributes: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    mapping = map_license(meta)
    assert (mapping.attributes, mapping.unknown) == (attributes, unknown)
