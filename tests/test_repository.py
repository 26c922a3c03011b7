from __future__ import annotations

import dataclasses
import random
import zipfile
from typing import TYPE_CHECKING

import pytest
from packaging.utils import NormalizedName

from pypi2nix.dists.archive import TAIL_BYTES, WHOLE_FILE_BYTES
from pypi2nix.errors import HashMismatch, MetadataError, ProjectNotFound
from pypi2nix.index.client import HttpClient
from pypi2nix.index.repository import PackageIndex
from tests.support.fixture_index import INDEX_URL, FixtureIndex, IndexFile, build_sdist

if TYPE_CHECKING:
    from pathlib import Path

    from pypi2nix.models import DistFile


def make_index() -> PackageIndex:
    return PackageIndex(HttpClient(retries=0), [INDEX_URL])


def release(index: PackageIndex, name: str, version: str) -> list[DistFile]:
    files = [f for f in index.project_page(name).all_files() if str(f.version) == version]
    return sorted(files, key=lambda file: file.kind != "wheel")


def dependencies(index: PackageIndex, name: str, version: str) -> list[str]:
    metadata = index.core_metadata(NormalizedName(name), version, release(index, name, version))
    return [str(requirement) for requirement in metadata.requires_dist]


def test_pages_are_fetched_once(fixture_index: FixtureIndex) -> None:
    index = make_index()
    page = index.project_page("Alpha")
    assert page.name == "alpha"
    assert {f.filename for f in page.all_files()} >= {"alpha-1.0.0.tar.gz", "alpha-2.0.0b1.tar.gz"}
    index.project_page("alpha")
    assert fixture_index.requests == [INDEX_URL + "alpha/"]


def test_html_pages(fixture_index: FixtureIndex) -> None:
    fixture_index.html = True
    files = list(make_index().project_page("gamma").all_files())
    assert {f.filename: f.yanked for f in files}["gamma-2.1.0.tar.gz"] is True


def test_unknown_project(fixture_index: FixtureIndex) -> None:
    with pytest.raises(ProjectNotFound, match="no such project on the index: 'nope'"):
        make_index().project_page("nope")


def test_metadata_and_file_list_from_one_read_of_a_small_wheel(fixture_index: FixtureIndex) -> None:
    index = make_index()
    assert dependencies(index, "alpha", "1.0.0") == [
        "beta>=1.0",
        "setuptools>=40",
        'winreg-helper; sys_platform == "win32"',
        'epsilon>=0.5; extra == "fast"',
        'pytest>=7; extra == "test"',
        'pytest-cov; extra == "test"',
        'gamma; extra == "test"',
    ]
    wheel = release(index, "alpha", "1.0.0")[0]
    assert "alpha/__init__.py" in index.wheel_names(wheel)
    assert index.wheel_facts(wheel).imports.of("alpha/__init__.py") == ("beta",)
    assert [url.rstrip("/").rsplit("/", 1)[-1] for url in fixture_index.requests] == [
        "alpha",
        "alpha-1.0.0-py3-none-any.whl",  # one range request: the whole (small) wheel
    ]


def big_wheel(tmp_path: Path) -> bytes:
    """A wheel whose METADATA comes first, far from the tail that is read."""
    path = tmp_path / "big.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "big-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: big\nVersion: 1.0\nRequires-Dist: gamma\n",
        )
        archive.writestr("big/__init__.py", "")
        archive.writestr("big/data.bin", random.Random(0).randbytes(2 * TAIL_BYTES))
        archive.writestr("big-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nTag: py3-none-any\n")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("pep658", "after_the_tail"),
    [(True, [".whl.metadata"]), (False, [".whl.metadata", ".whl"])],  # a 404, then a range
)
def test_metadata_outside_the_tail(
    fixture_index: FixtureIndex, tmp_path: Path, pep658: bool, after_the_tail: list[str]
) -> None:
    wheel = big_wheel(tmp_path)
    fixture_index.files.append(IndexFile("big", "big-1.0-py3-none-any.whl", wheel, pep658=pep658))
    assert dependencies(make_index(), "big", "1.0") == ["gamma"]
    _page, tail, *rest = fixture_index.requests
    assert tail.endswith(".whl")
    assert [url[url.rindex(".whl") :] for url in rest] == after_the_tail


@pytest.mark.parametrize(
    ("name", "version", "expected", "source"),
    [
        ("epsilon", "0.5.0", [], "PKG-INFO 2.2"),
        ("beta", "1.1.0", ["gamma>=2"], "pyproject.toml [project]"),
        ("cyc-a", "1.0.0", ["cyc-b"], "egg-info requires.txt"),
        ("zeta-util", "0.1.0", ["gamma>=1.0"], "setup.cfg, zip sdist"),
    ],
)
def test_metadata_of_sdist_only_releases(
    fixture_index: FixtureIndex, name: str, version: str, expected: list[str], source: str
) -> None:
    assert dependencies(make_index(), name, version) == expected, source


def test_sdist_read_up_to_pyproject(fixture_index: FixtureIndex) -> None:
    index = make_index()
    sdist = release(index, "beta", "1.1.0")[0]
    contents = index.sdist_contents(sdist, until_pyproject=True)
    assert "pyproject.toml" in contents.files
    assert contents.complete is False  # stopped at pyproject.toml, before the end of the archive
    assert index.sdist_contents(sdist, until_pyproject=True) is contents
    assert index.sdist_reads.stopped_early == 1
    assert "1 stopped after pyproject.toml" in index.sdist_reads.describe()


def test_sdist_reads_count_archives_read_to_the_end(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.2\nName: old\nVersion: 1.0\n")
    (tmp_path / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    fixture_index.files.append(
        IndexFile("old", "old-1.0.tar.gz", build_sdist(tmp_path, "old-1.0.tar.gz"))
    )
    index = make_index()
    whole = release(index, "epsilon", "0.5.0")[0]
    index.sdist_contents(whole, until_pyproject=False)
    (no_pyproject,) = index.project_page("old").all_files()
    contents = index.sdist_contents(no_pyproject, until_pyproject=True)
    assert contents.complete is True
    reads = index.sdist_reads
    assert (reads.stopped_early, reads.to_the_end_for_pyproject, reads.whole_for_file_list) == (
        0,
        1,
        1,
    )


def test_hash_mismatch_on_a_complete_download(fixture_index: FixtureIndex) -> None:
    index = make_index()
    sdist = release(index, "epsilon", "0.5.0")[0]
    wrong = dataclasses.replace(sdist, sha256="0" * 64)
    with pytest.raises(HashMismatch, match=f"expected sha256 {'0' * 64}, got {sdist.sha256}"):
        index.sdist_contents(wrong, until_pyproject=False)


def test_sdist_without_static_dependencies(fixture_index: FixtureIndex, tmp_path: Path) -> None:
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: oldstyle\nVersion: 1.0\n")
    (tmp_path / "setup.py").write_text(
        "from setuptools import setup\nsetup(install_requires=['x'])\n"
    )
    sdist = build_sdist(tmp_path, "oldstyle-1.0.tar.gz")
    fixture_index.files.append(
        IndexFile(project="oldstyle", filename="oldstyle-1.0.tar.gz", data=sdist)
    )
    with pytest.raises(MetadataError, match=r"only declared in setup\.py, and no build backend"):
        dependencies(make_index(), "oldstyle", "1.0")  # an index with no metadata builder


def test_wheel_listing(fixture_index: FixtureIndex) -> None:
    index = make_index()
    wheel = release(index, "3dmath", "1.0.0")[0]
    assert "dmath3/__init__.py" in index.wheel_names(wheel)


def test_unreadable_sdist(fixture_index: FixtureIndex) -> None:
    fixture_index.files = [
        dataclasses.replace(file, data=b"garbage" * 50)
        if file.filename == "epsilon-0.5.0.tar.gz"
        else file
        for file in fixture_index.files
    ]
    index = make_index()
    with pytest.raises(MetadataError, match="cannot read the sdist"):
        dependencies(index, "epsilon", "0.5.0")


def test_a_large_real_wheel_is_read_from_its_tail(fixture_index: FixtureIndex) -> None:
    """The real setuptools wheel (876 kB) is larger than what is fetched whole."""
    index = make_index()
    (wheel,) = [f for f in index.project_page("setuptools").all_files() if f.kind == "wheel"]
    assert wheel.size is not None
    assert wheel.size > WHOLE_FILE_BYTES
    facts = index.wheel_facts(wheel)
    assert facts.metadata is not None
    assert facts.metadata["name"] == "setuptools"
    assert "setuptools/__init__.py" in facts.names
    assert [url.rsplit("/", 1)[-1] for url in fixture_index.requests[1:]] == [wheel.filename]


def test_a_small_real_wheel_served_in_byte_ranges(tmp_path: Path) -> None:
    import responses

    from tests.support.fixture_index import FIXTURES, FixtureIndex

    data = (FIXTURES / "real" / "six-1.17.0-py2.py3-none-any.whl").read_bytes()
    served = FixtureIndex([IndexFile("six", "six-1.17.0-py2.py3-none-any.whl", data)])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        served.register(mock)
        (wheel,) = make_index().project_page("six").all_files()
        facts = make_index().wheel_facts(wheel)
    assert facts.metadata is not None
    assert facts.metadata["version"] == "1.17.0"
    assert "six.py" in facts.names
    assert facts.imports.of("six.py") is not None


def test_a_streamed_sdist_is_left_once_pyproject_toml_is_read(
    fixture_index: FixtureIndex, tmp_path: Path
) -> None:
    (tmp_path / "PKG-INFO").write_text("Metadata-Version: 2.2\nName: big\nVersion: 1.0\n")
    (tmp_path / "pyproject.toml").write_text('[build-system]\nrequires = ["flit_core"]\n')
    (tmp_path / "zz_data.bin").write_bytes(random.Random(1).randbytes(3_000_000))
    sdist = build_sdist(tmp_path, "big-1.0.tar.gz")
    fixture_index.files.append(IndexFile("big", "big-1.0.tar.gz", sdist))
    index = make_index()
    (file,) = index.project_page("big").all_files()
    before = index.client.stats.bytes
    contents = index.sdist_contents(file, until_pyproject=True)
    assert contents.complete is False
    assert contents.pyproject is not None
    assert [str(r) for r in contents.pyproject.build_requires or ()] == ["flit_core"]
    assert index.client.stats.bytes - before < len(sdist) // 2
