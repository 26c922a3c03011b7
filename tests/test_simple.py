from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import NormalizedName
from packaging.version import Version

from pypi2nix.index.file_fields import PageError
from pypi2nix.index.simple import (
    _json_page,
    _lenient_json_page,
    _version_text,
    _VersionTexts,
    parse_project_page,
)
from pypi2nix.nix.hashes import sri_sha256
from tests.support.fixture_index import FIXTURES

SIX = NormalizedName("six")
PAGE_URL = "https://index.example.test/simple/six/"


def recorded(name: str) -> bytes:
    return (FIXTURES / "recorded" / name).read_bytes()


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [("six.json", "application/vnd.pypi.simple.v1+json"), ("six.html", "text/html")],
)
def test_recorded_pages_give_the_same_files(filename: str, content_type: str) -> None:
    page = parse_project_page(SIX, recorded(filename), content_type, PAGE_URL)
    by_name = {file.filename: file for file in list(page.all_files())}
    assert sorted(by_name) == [
        "six-1.16.0-py2.py3-none-any.whl",
        "six-1.16.0.tar.gz",
        "six-1.17.0-py2.py3-none-any.whl",
        "six-1.17.0.tar.gz",
    ]
    wheel = by_name["six-1.17.0-py2.py3-none-any.whl"]
    assert wheel.kind == "wheel"
    assert wheel.version == Version("1.17.0")
    assert wheel.sha256 == "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"
    # Computed with: nix hash to-sri --type sha256 <hex>
    assert (
        sri_sha256(bytes.fromhex(wheel.sha256))
        == "sha256-RyHzke2QVB/drKtaz5R6oNPcfSey4ejtor6JcFhsMnQ="
    )
    assert wheel.url.startswith("https://files.example.test/packages/")
    assert wheel.requires_python == "!=3.0.*,!=3.1.*,!=3.2.*,>=2.7"
    assert {str(tag) for tag in wheel.wheel_tags} == {"py2-none-any", "py3-none-any"}
    assert by_name["six-1.16.0.tar.gz"].kind == "sdist"


def test_json_fields() -> None:
    content = b"""{"meta": {"api-version": "1.1"}, "name": "demo", "files": [
      {"filename": "demo-1.0.tar.gz", "url": "../../files/demo-1.0.tar.gz",
       "hashes": {"sha256": "%s"}, "yanked": "broken", "size": 10,
       "core-metadata": false},
      {"filename": "demo-1.0-py3-none-any.whl", "url": "https://files.example.test/demo.whl",
       "hashes": {}, "yanked": false, "dist-info-metadata": {"sha256": "x"}},
      {"filename": "demo-1.0-py2.7.egg", "url": "https://files.example.test/demo.egg", "hashes": {}},
      {"filename": "other-1.0.tar.gz", "url": "https://files.example.test/other.tar.gz", "hashes": {}},
      {"filename": "demo-not.a.version.tar.gz", "url": "https://files.example.test/x.tar.gz", "hashes": {}}
    ]}""" % (b"A" * 64)
    page = parse_project_page(
        NormalizedName("demo"),
        content,
        "application/vnd.pypi.simple.v1+json",
        "https://index.example.test/simple/demo/",
    )
    sdist, wheel = list(page.all_files())
    assert sdist.url == "https://index.example.test/files/demo-1.0.tar.gz"
    assert sdist.sha256 == "a" * 64
    assert sdist.yanked is True
    assert sdist.size == 10
    assert sdist.core_metadata is False
    assert wheel.sha256 is None
    assert wheel.yanked is False
    assert wheel.core_metadata is False  # its digest is not one: the file is not used


def test_html_attributes_and_base_url() -> None:
    content = b"""<html><head><base href="https://mirror.example.test/base/"></head><body>
    <a href="demo-1.0.tar.gz#sha256=%s" data-requires-python="&gt;=3.8" data-yanked="">x</a>
    <a href="demo_pkg-2.0-cp311-cp311-manylinux_2_17_x86_64.whl" data-core-metadata="true">y</a>
    </body></html>""" % (b"b" * 64)
    page = parse_project_page(
        NormalizedName("demo"), content, "text/html", "https://index.example.test/simple/demo/"
    )
    assert [file.filename for file in list(page.all_files())] == ["demo-1.0.tar.gz"]
    page = parse_project_page(
        NormalizedName("demo-pkg"), content, "text/html", "https://index.example.test/simple/x/"
    )
    (wheel,) = list(page.all_files())
    assert (
        wheel.url
        == "https://mirror.example.test/base/demo_pkg-2.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    )
    assert wheel.core_metadata is True
    page = parse_project_page(
        NormalizedName("demo"), content, "text/html", "https://index.example.test/simple/demo/"
    )
    (sdist,) = list(page.all_files())
    assert sdist.requires_python == ">=3.8"
    assert sdist.yanked is True


def test_sdist_names_with_dashes() -> None:
    content = b'<a href="python-dateutil-2.8.2.tar.gz">x</a><a href="Twisted-19.10.0.tar.bz2">y</a>'
    page = parse_project_page(NormalizedName("python-dateutil"), content, "text/html", PAGE_URL)
    assert [str(file.version) for file in list(page.all_files())] == ["2.8.2"]
    page = parse_project_page(NormalizedName("twisted"), content, "text/html", PAGE_URL)
    assert [str(file.version) for file in list(page.all_files())] == ["19.10.0"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/vnd.pypi.simple.v1+json"),
        (b'{"files": 3}', "application/vnd.pypi.simple.v1+json"),
        (b"\xff\xfe", "text/html"),
    ],
)
def test_invalid_pages(content: bytes, content_type: str) -> None:
    with pytest.raises(PageError):
        parse_project_page(SIX, content, content_type, PAGE_URL)


def test_only_wheel_names_of_five_or_six_parts_count() -> None:
    names = [
        "six-1.0-py3-none-any.whl",
        "six-1.1-1build-py3-none-any.whl",
        "six-1.2-none-any.whl",
        "six-1.3-1-2-py3-none-any.whl",
        "six_other-1.4-py3-none-any.whl",
        "Six-1.5-py3-none-any.whl",
    ]
    files = ",".join(f'{{"filename":"{name}","url":"{name}","hashes":{{}}}}' for name in names)
    body = f'{{"name":"six","files":[{files}]}}'.encode()
    page = parse_project_page(SIX, body, "application/vnd.pypi.simple.v1+json", PAGE_URL)
    assert sorted(str(version) for version in page.versions) == ["1.0", "1.1", "1.5"]


ODD_FILES = [
    {"filename": "six-1.0.tar.gz", "url": "../../six-1.0.tar.gz", "hashes": {"sha256": "A" * 64}},
    {"url": "https://files.test/six-1.1-py3-none-any.whl", "core-metadata": None},
    {
        "filename": "six-1.2.tar.gz",
        "url": "https://files.test/six-1.2.tar.gz",
        "dist-info-metadata": {"sha256": "b" * 64},
        "yanked": "broken",
        "size": True,
        "requires-python": 3,
        "upload-time": "2020-01-01T00:00:00Z",
    },
    {"filename": "six-1.3.tar.gz", "url": "https://files.test/six-1.3.tar.gz", "size": 12},
    {"filename": "six-1.4.tar.gz"},
]


@pytest.mark.parametrize("extra_item", [None, 7])
def test_the_decoder_and_the_lenient_reader_give_the_same_files(extra_item: object) -> None:
    import json

    files = [*ODD_FILES, *([] if extra_item is None else [extra_item])]
    body = json.dumps({"name": "Six", "files": files}).encode()
    decoded = _json_page(SIX, body, PAGE_URL)
    lenient = _lenient_json_page(SIX, body, PAGE_URL)
    assert list(decoded.all_files()) == list(lenient.all_files())
    assert len(list(decoded.all_files())) == 4
    recorded_page = recorded("six.json")
    assert list(_json_page(SIX, recorded_page, PAGE_URL).all_files()) == list(
        _lenient_json_page(SIX, recorded_page, PAGE_URL).all_files()
    )


name_parts = st.sampled_from(["six", "Six", "six_x", "-", "1.0", "2", ".whl", "py3", "", ".tar.gz"])


@given(st.lists(st.lists(name_parts, max_size=10).map("".join), max_size=8))
def test_version_texts_of_a_listing_agree_with_parsing_each_name(filenames: list[str]) -> None:
    texts = _VersionTexts(SIX)
    assert [texts.of(name) for name in filenames] == [
        _version_text(SIX, name) for name in filenames
    ]
