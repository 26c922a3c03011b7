"""The license file decides an ambiguous "BSD License" classifier: BSD-2-Clause or
BSD-3-Clause by its clauses, and nothing when the text is anything else."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import pytest

from pypi2nix.cli import main
from pypi2nix.dists.license_texts import recognize_license_text
from pypi2nix.models import CoreMetadata, PackageMeta
from pypi2nix.nix.licenses import map_license
from pypi2nix.pins.meta import package_meta
from tests.support.fixture_index import INDEX_URL, IndexFile, build_wheel
from tests.test_hostile import sdist, serve, tar_member

if TYPE_CHECKING:
    from pathlib import Path

    from tests.support.fixture_index import FixtureIndex

HEAD = "Copyright (c) 2012, Jane Doe and contributors.\nAll rights reserved.\n\n"
CONDITIONS = (
    "Redistribution and use in source and binary forms, with or without\n"
    "modification, are permitted provided that the following conditions are met:\n\n"
    "* Redistributions of source code must retain the above copyright notice, this\n"
    "  list of conditions and the following disclaimer.\n\n"
    "* Redistributions in binary form must reproduce the above copyright notice,\n"
    "  this list of conditions and the following disclaimer in the documentation\n"
    "  and/or other materials provided with the distribution.\n\n"
)
ENDORSE = (
    "* Neither the name of the copyright holder nor the names of its\n"
    "  contributors may be used to endorse or promote products derived from\n"
    "  this software without specific prior written permission.\n\n"
)
ADVERTISING = (
    "3. All advertising materials mentioning features or use of this software\n"
    "   must display the following acknowledgement.\n\n"
)
DISCLAIMER = (
    'THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"\n'
    "AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE\n"
    "IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE\n"
    "ARE DISCLAIMED.\n"
)
BSD2 = HEAD + CONDITIONS + DISCLAIMER
BSD3 = HEAD + CONDITIONS + ENDORSE + DISCLAIMER
MIT = (
    "Copyright (c) 2020 Someone\n\n"
    "Permission is hereby granted, free of charge, to any person obtaining a copy\n"
    'of this software and associated documentation files (the "Software"), to deal\n'
    "in the Software without restriction.\n\n"
    "The above copyright notice and this permission notice shall be included in all\n"
    "copies or substantial portions of the Software.\n\n"
    'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.\n'
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BSD2, "BSD-2-Clause"),
        (BSD3, "BSD-3-Clause"),
        (BSD3.replace("\n", "\r\n").lower(), "BSD-3-Clause"),  # spacing and case
        (MIT, "MIT"),
        (HEAD + CONDITIONS + ADVERTISING + ENDORSE + DISCLAIMER, None),  # BSD-4-Clause
        (HEAD + CONDITIONS + ENDORSE + ENDORSE + DISCLAIMER, None),  # a clause twice
        (HEAD + CONDITIONS + DISCLAIMER.replace("AS IS", "as such"), None),  # no disclaimer
        (BSD3 + "\nParts are under the Apache License, Version 2.0.\n", None),
        (BSD3 + "\n" + MIT, None),  # two licenses
        ("BSD", None),
        ("", None),
    ],
)
def test_recognize_license_text(text: str, expected: str | None) -> None:
    assert recognize_license_text(text) == expected


CLASSIFIER = "License :: OSI Approved :: BSD License"


@pytest.mark.parametrize(
    ("license_file", "license_field", "attributes", "unknown"),
    [
        (BSD3, None, ("bsd3",), ()),
        (BSD2, None, ("bsd2",), ()),
        (None, BSD2, ("bsd2",), ()),  # the whole text in the License field
        (BSD3, BSD2, (), (CLASSIFIER,)),  # they disagree
        (MIT, None, (), (CLASSIFIER,)),  # an MIT text does not make BSD certain
        (None, None, (), (CLASSIFIER,)),
    ],
)
def test_the_text_decides_the_bsd_classifier(
    license_file: str | None,
    license_field: str | None,
    attributes: tuple[str, ...],
    unknown: tuple[str, ...],
) -> None:
    metadata = CoreMetadata(
        name="demo", version="1.0", license=license_field, classifiers=(CLASSIFIER,)
    )
    meta = package_meta(metadata, license_file=license_file)
    mapping = map_license(meta)
    assert (mapping.attributes, mapping.unknown) == (attributes, unknown)


def test_a_certain_license_is_not_changed_by_the_text() -> None:
    meta = PackageMeta(license_expression="MIT", license_from_text="BSD-3-Clause")
    assert map_license(meta).attributes == ("mit",)


def test_the_sdist_license_file_gives_meta_license(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    info = (
        "Metadata-Version: 2.2\nName: evil\nVersion: 1.0\nSummary: BSD without clauses\n"
        f"Classifier: {CLASSIFIER}\n"
    ).encode()
    members = [
        tar_member("evil-1.0/LICENSE.txt", BSD3.encode()),
        tar_member("evil-1.0/PKG-INFO", info),
        tar_member("evil-1.0/evil/__init__.py", b""),
        tar_member(
            "evil-1.0/pyproject.toml",
            b'[build-system]\nrequires = ["setuptools>=61"]\n'
            b'build-backend = "setuptools.build_meta"\n',
        ),
    ]
    serve(fixture_index, sdist(members))
    with contextlib.chdir(tmp_path):
        arguments = ["generate", "-e", "evil", "-i", INDEX_URL, "--python", "3.11", "-q"]
        assert main(arguments) == 0
        assert main(["package", "evil", "-i", INDEX_URL, "--python", "3.11", "-q"]) == 0
    text = (tmp_path / "requirements.nix").read_text()
    package = text[text.index("    evil = self.buildPythonPackage") :]
    assert "license = lib.licenses.bsd3;" in package
    assert "license = lib.licenses.bsd3;" in (tmp_path / "evil" / "default.nix").read_text()


def test_a_wheel_license_file_gives_meta_license(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    tree = tmp_path / "tree"
    (tree / "wlic").mkdir(parents=True)
    (tree / "wlic" / "__init__.py").write_text("")
    (tree / "PKG-INFO").write_text(
        f"Metadata-Version: 2.1\nName: wlic\nVersion: 1.0\nClassifier: {CLASSIFIER}\n"
    )
    (tree / "wlic-1.0.dist-info" / "licenses").mkdir(parents=True)
    (tree / "wlic-1.0.dist-info" / "licenses" / "LICENSE").write_text(BSD2)
    wheel = build_wheel(tree, "wlic-1.0-py3-none-any.whl")
    fixture_index.files.append(IndexFile("wlic", "wlic-1.0-py3-none-any.whl", wheel))
    with contextlib.chdir(tmp_path):
        arguments = ["generate", "-e", "wlic", "-i", INDEX_URL, "--python", "3.11", "-q"]
        assert main(arguments) == 0
    text = (tmp_path / "requirements.nix").read_text()
    assert "license = lib.licenses.bsd2;" in text[text.index("    wlic = ") :]
