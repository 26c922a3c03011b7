"""A binary wheel on the index is read in ranges for its libraries: the facts a whole
read gives, from fewer bytes; an index that ignores ``Range`` gets the whole read."""

from __future__ import annotations

import hashlib
import io
import random
import tracemalloc
import zipfile
from typing import TYPE_CHECKING

import pytest
import responses
from packaging.version import Version

from pypi2nix.dists.archive import ArchiveError, open_zip
from pypi2nix.dists.native_ranges import merged_spans
from pypi2nix.dists.wheel import NativeFacts, read_native_facts
from pypi2nix.errors import HashMismatch, MetadataError
from pypi2nix.index.cache import Cache
from pypi2nix.index.client import HttpClient
from pypi2nix.index.repository import PackageIndex
from pypi2nix.index.whole_files import WholeFiles
from pypi2nix.models import DistFile
from tests.support.elf import Layout, elf_file
from tests.support.fixture_index import INDEX_URL as INDEX
from tests.support.fixture_index import FixtureIndex, IndexFile

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

FILENAME = "natpkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
GUARD = b'import sys\n\nif sys.version_info < (3, 12):\n    raise ImportError("needs 3.12")\n'
CORE = "natpkg/_core.cpython-311-x86_64-linux-gnu.so"
DEFLATED, STORED = zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED
Member = tuple[str, bytes, int]


def noise(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


# An extension module: 1 MiB of code before its dynamic segment, 6 MiB of debug
# sections after it.
CORE_LAYOUT = Layout(gap=1 << 20, tail=6 << 20, noise=True)


def core(layout: Layout = CORE_LAYOUT) -> bytes:
    return elf_file(["libgomp.so.1", "libc.so.6"], runpath="$ORIGIN/../natpkg.libs", layout=layout)


def members(core_member: Member | None = None) -> list[Member]:
    bundled = elf_file(
        ["libz.so.1"], soname="libbundled-1a2b.so.1", layout=Layout(tail=2 << 20, noise=True)
    )
    return [
        ("natpkg/__init__.py", GUARD, DEFLATED),
        core_member or (CORE, core(), DEFLATED),
        ("natpkg/data/table.bin", noise(3 << 20, seed=1), DEFLATED),
        ("natpkg/module.py", b"VALUE = 1\n" * 5000, DEFLATED),
        ("natpkg.libs/libbundled-1a2b.so.1", bundled, STORED),
        ("natpkg-1.0.data/scripts/nattool", elf_file(["libssl.so.3"]), DEFLATED),
        ("natpkg-1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: natpkg\n", DEFLATED),
        ("natpkg-1.0.dist-info/RECORD", b"", DEFLATED),
    ]


def wheel(content: list[Member]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data, method in content:
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, method)
    return buffer.getvalue()


def whole_read(data: bytes) -> NativeFacts:
    with open_zip(io.BytesIO(data)) as archive:
        return read_native_facts(archive)


def dist(data: bytes, sha256: str | None = None) -> DistFile:
    file = IndexFile(project="natpkg", filename=FILENAME, data=data)
    return DistFile(
        filename=FILENAME,
        url=file.url,
        kind="wheel",
        version=Version("1.0"),
        sha256=sha256 or file.sha256,
        size=len(data),
    )


@pytest.fixture
def index() -> Iterator[FixtureIndex]:
    served = FixtureIndex([])
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        served.register(mock)
        yield served


def ranged_read(index: FixtureIndex, data: bytes, tmp_path: Path) -> NativeFacts | None:
    index.files = [IndexFile(project="natpkg", filename=FILENAME, data=data)]
    return WholeFiles(HttpClient(retries=0), Cache.at(tmp_path)).native_facts(dist(data))


def test_ranges_give_the_facts_of_the_whole_wheel_from_fewer_bytes(
    index: FixtureIndex, tmp_path: Path
) -> None:
    data = wheel(members())
    facts = ranged_read(index, data, tmp_path)
    assert facts == whole_read(data)
    assert facts == NativeFacts(
        libraries=("_core.cpython-311-x86_64-linux-gnu.so", "libbundled-1a2b.so.1"),
        needed=("libc.so.6", "libgomp.so.1", "libssl.so.3", "libz.so.1"),
        guarded=("natpkg",),
    )
    # Neither the debug sections, nor the data file, nor most Python source.
    assert index.served_bytes < len(data) // 4
    assert len(index.requests) <= 6


@pytest.mark.parametrize("method", [DEFLATED, STORED])
@pytest.mark.parametrize("gap", [0, 3 << 20])
def test_a_dynamic_section_far_into_a_member(
    index: FixtureIndex, tmp_path: Path, method: int, gap: int
) -> None:
    # Past the first forward read (512 kB) and past the window kept (4 MiB) too.
    layout = Layout(gap=gap, tail=4 << 20, noise=True)
    data = wheel(members((CORE, core(layout), method)))
    assert ranged_read(index, data, tmp_path) == whole_read(data)
    assert index.served_bytes < len(data) - (4 << 20)


def test_a_string_table_after_the_code_is_not_read_twice(
    index: FixtureIndex, tmp_path: Path
) -> None:
    # As some linkers lay a shared object out: code first, then the read-only
    # segment with the string table, the dynamic segment after that.
    layout = Layout(order="pgsd", split=2, gap=6 << 20, flags=(5, 4), tail=1 << 20, noise=True)
    data = wheel(members((CORE, core(layout), DEFLATED)))
    assert ranged_read(index, data, tmp_path) == whole_read(data)
    assert index.served_bytes < len(data) - (4 << 20)


def test_an_index_that_ignores_ranges_has_the_wheel_read_whole(
    index: FixtureIndex, tmp_path: Path
) -> None:
    index.ranges = False
    data = wheel(members())
    assert ranged_read(index, data, tmp_path) == whole_read(data)
    assert index.served_bytes == len(data)
    assert len(index.requests) == 1


def test_a_wheel_read_whole_is_checked_against_its_sha256(
    index: FixtureIndex, tmp_path: Path
) -> None:
    index.ranges = False
    data = wheel(members())
    index.files = [IndexFile(project="natpkg", filename=FILENAME, data=data)]
    files = WholeFiles(HttpClient(retries=0), Cache.at(tmp_path))
    with pytest.raises(HashMismatch, match="expected sha256 0000"):
        files.native_facts(dist(data, sha256="0" * 64))


def test_the_facts_are_cached_under_the_url_and_sha256(index: FixtureIndex, tmp_path: Path) -> None:
    data = wheel(members())
    first = ranged_read(index, data, tmp_path)
    requests = len(index.requests)
    files = WholeFiles(HttpClient(retries=0), Cache.at(tmp_path))
    assert files.has_cached_native_facts(dist(data))
    assert files.native_facts(dist(data)) == first
    assert len(index.requests) == requests
    moved = DistFile(
        filename=FILENAME,
        url="https://files.example.test/elsewhere/" + FILENAME,
        kind="wheel",
        version=Version("1.0"),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    assert not files.has_cached_native_facts(moved)


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(elf_file(["libfoo.so.1"], layout=Layout(gap=1 << 16))[:300], id="truncated"),
        pytest.param(b"\x7fELF" + noise(4096, seed=2), id="garbled"),
        pytest.param(b"\x7fELF", id="magic only"),
    ],
)
def test_a_broken_shared_object_is_one_line(
    index: FixtureIndex, tmp_path: Path, broken: bytes
) -> None:
    data = wheel(members((CORE, broken, DEFLATED)))
    with pytest.raises(ArchiveError):
        whole_read(data)
    with pytest.raises(MetadataError) as caught:
        ranged_read(index, data, tmp_path)
    assert str(caught.value).startswith(f"{FILENAME}: cannot read its shared libraries (")
    assert "\n" not in str(caught.value)


def test_a_zip64_wheel(
    index: FixtureIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 1 << 16)
    data = wheel(members())
    monkeypatch.undo()
    assert b"PK\x06\x06" in data[-4096:]  # the zip64 end of central directory record
    assert ranged_read(index, data, tmp_path) == whole_read(data)
    assert index.served_bytes < len(data) // 4


def test_many_small_members_take_few_requests(index: FixtureIndex, tmp_path: Path) -> None:
    headers = [(f"natpkg/include/h{n}.h", noise(2000, seed=n), DEFLATED) for n in range(300)]
    data = wheel([*members(), *headers, ("natpkg/big.dat", noise(2 << 20), DEFLATED)])
    assert ranged_read(index, data, tmp_path) == whole_read(data)
    assert len(index.requests) <= 7


def test_a_large_wheel_is_not_held_in_memory(index: FixtureIndex, tmp_path: Path) -> None:
    layout = Layout(gap=24 << 20, tail=8 << 20, noise=True)
    data = wheel([(CORE, core(layout), DEFLATED), ("natpkg/data.bin", noise(24 << 20), STORED)])
    tracemalloc.start()
    try:
        facts = ranged_read(index, data, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert facts == whole_read(data)
    assert peak < 24 << 20


def test_close_spans_are_merged() -> None:
    spans = [(200, 300), (0, 100), (100_000, 100_100), (300, 400)]
    assert merged_spans(spans, gap=1000) == [(0, 400), (100_000, 100_100)]
    assert merged_spans(spans, gap=200_000) == [(0, 100_100)]


@pytest.mark.parametrize("libraries_first", [False, True])
def test_the_file_list_and_the_libraries_share_the_first_range(
    index: FixtureIndex, tmp_path: Path, libraries_first: bool
) -> None:
    """A pin's binary wheel is read for its file list and for its libraries: the
    tail both begin with is fetched once, whichever reads first."""
    data = wheel(members())
    index.files = [IndexFile(project="natpkg", filename=FILENAME, data=data)]
    alone = []
    for read in ("wheel_facts", "native_facts"):
        fresh = PackageIndex(HttpClient(retries=0), [INDEX], cache=Cache.at(tmp_path / read))
        before = len(index.requests)
        getattr(fresh, read)(dist(data))
        alone.append(len(index.requests) - before)
    both = PackageIndex(HttpClient(retries=0), [INDEX], cache=Cache.at(tmp_path / "both"))
    before = len(index.requests)
    if libraries_first:
        both.native_facts(dist(data))
    both.wheel_facts(dist(data))
    both.native_facts(dist(data))
    assert len(index.requests) - before == sum(alone) - 1
    assert both.native_facts(dist(data)) == whole_read(data)
    assert both.wheel_facts(dist(data)).names == tuple(name for name, _, _ in members())
    assert len(both.files.first_ranges) == 0  # nothing left kept
